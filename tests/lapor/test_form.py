"""The public report page without JavaScript: a plain multipart form, errors next to fields."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, func, select

from api.main import create_app
from api.settings import ApiSettings
from geo.reports.models import Report, ReportEvidence
from geo.settings import Settings


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (120, 90, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


FORM = {
    "activity": "excavator",
    "description": "Dua ekskavator menggali di belakang kebun sawit.",
    "observed_at": "2026-01-10T21:30",
    "lat": "-0.5021",
    "lon": "117.1536",
    "confidentiality": "rahasia",
    "reporter_name": "Siti Rahmawati",
    "reporter_phone": "0812 3456 7890",
}


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Report)).scalar_one())


def test_form_page_is_indonesian_with_security_headers(lapor_client: TestClient) -> None:
    response = lapor_client.get("/lapor")
    assert response.status_code == 200
    assert "Laporkan tambang ilegal" in response.text
    assert 'enctype="multipart/form-data"' in response.text
    assert 'accept="image/*,video/*"' in response.text
    assert 'value="rahasia" checked' in response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in response.text  # every script is a file of this server


def test_english_with_lang_query_and_cookie(lapor_client: TestClient) -> None:
    response = lapor_client.get("/lapor?lang=en")
    assert "Report illegal mining" in response.text
    assert response.cookies.get("pantau_lang") == "en"
    lapor_client.cookies.clear()


def test_submit_without_javascript_stores_report_with_photo(
    lapor_client: TestClient, lapor_engine: Engine
) -> None:
    before = _count(lapor_engine)
    response = lapor_client.post(
        "/lapor",
        data={**FORM, "idempotency_key": "test-nojs-1"},
        files=[("evidence", ("foto.jpg", _photo(), "image/jpeg"))],
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    code = re.search(r"kode=(PTM-[A-Z0-9]+)", location)
    assert code is not None
    receipt = lapor_client.get(location)
    assert code.group(1) in receipt.text
    assert "Siti" not in receipt.text and "0812" not in receipt.text
    assert _count(lapor_engine) == before + 1
    with lapor_engine.connect() as conn:
        report = conn.execute(select(Report).where(Report.code == code.group(1))).one()
        assert report.channel == "web" and report.confidentiality == "rahasia"
        files = conn.execute(
            select(func.count()).where(ReportEvidence.report_id == report.id)
        ).scalar_one()
    assert files == 1
    # The same form sent again (a double tap, a reload) is the same report.
    again = lapor_client.post(
        "/lapor",
        data={**FORM, "idempotency_key": "test-nojs-1"},
        files=[("evidence", ("foto.jpg", _photo(), "image/jpeg"))],
        follow_redirects=False,
    )
    assert again.headers["location"] == location
    assert _count(lapor_engine) == before + 1


def _error_of(html: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', html, re.S)
    assert match is not None, f"no error next to {field}"
    control = re.search(rf'id="{field}"[^>]*>', html)
    assert control is not None
    assert f"{field}-error" in control.group(0) and 'aria-invalid="true"' in control.group(0)
    return match.group(1)


def test_each_field_error_is_shown_next_to_its_field_in_indonesian(
    lapor_client: TestClient, lapor_engine: Engine
) -> None:
    before = _count(lapor_engine)
    cases = {
        "description": {**FORM, "description": "  "},
        "reporter_phone": {**FORM, "reporter_phone": "call me"},
        "lat": {**FORM, "lat": "utara"},
        "lon": {**FORM, "lon": ""},
        "observed_at": {**FORM, "observed_at": "2099-01-01T10:00"},
        "location_text": {**FORM, "lat": "", "lon": "", "location_text": "x" * 1001},
        "reporter_name": {**FORM, "reporter_name": "n" * 201},
    }
    cases["activity"] = {**FORM, "activity": "helicopter"}
    for field, data in cases.items():
        response = lapor_client.post("/lapor", data=data)
        assert response.status_code == 422, field
        message = _error_of(response.text, field)
        assert message.strip(), field
        assert 'id="error-summary"' in response.text
        assert "Periksa" in response.text  # the summary's heading, in Indonesian
    broken = lapor_client.post(
        "/lapor", data=FORM, files=[("evidence", ("foto.jpg", b"not a photo", "image/jpeg"))]
    )
    assert broken.status_code == 422
    assert _error_of(broken.text, "evidence")
    assert _count(lapor_engine) == before


def test_error_messages_are_indonesian_then_english(lapor_client: TestClient) -> None:
    data = {**FORM, "description": ""}
    indonesian = _error_of(lapor_client.post("/lapor", data=data).text, "description")
    english = _error_of(lapor_client.post("/lapor?lang=en", data=data).text, "description")
    lapor_client.cookies.clear()
    assert english.startswith("Describe what you saw")
    assert indonesian != english and "Describe" not in indonesian


def test_no_position_and_no_place_is_refused_next_to_the_coordinates(
    lapor_client: TestClient,
) -> None:
    response = lapor_client.post("/lapor", data={**FORM, "lat": "", "lon": ""})
    assert response.status_code == 422
    assert _error_of(response.text, "lat")
    # What was typed is kept, so nothing has to be written again.
    assert "Dua ekskavator menggali" in response.text


def test_oversized_upload_gets_a_readable_page(lapor_settings: Settings) -> None:
    settings = lapor_settings.model_copy(
        update={
            "api": ApiSettings(
                public_rate_per_minute=1000, public_burst=1000, max_upload_bytes=50_000
            )
        }
    )
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/lapor",
            data=FORM,
            files=[("evidence", ("besar.jpg", b"\xff" * 80_000, "image/jpeg"))],
        )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "terlalu besar" in response.text
    assert '"error"' not in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_streamed_upload_over_the_limit_gets_a_readable_page(lapor_settings: Settings) -> None:
    settings = lapor_settings.model_copy(
        update={
            "api": ApiSettings(
                public_rate_per_minute=1000, public_burst=1000, max_upload_bytes=50_000
            )
        }
    )
    boundary = "pantau-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="description"\r\n\r\nx\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="evidence"; '
        f'filename="besar.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
    ).encode()

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield head
        for _ in range(10):
            yield b"\xff" * 10_000
        yield f"\r\n--{boundary}--\r\n".encode()

    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/lapor",
            content=chunks(),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
    assert response.status_code == 413
    assert "terlalu besar" in response.text and response.headers["content-type"].startswith(
        "text/html"
    )


def test_reporter_identity_is_never_logged(
    lapor_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response = lapor_client.post(
        "/lapor",
        data={**FORM, "description": "Log check", "reporter_name": "Rahmat Hidayat Unik"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "Rahmat Hidayat Unik" not in caplog.text and "3456 7890" not in caplog.text
    receipt = lapor_client.get(response.headers["location"])
    assert "Rahmat" not in receipt.text


def test_rate_limit_answers_with_a_page(lapor_settings: Settings) -> None:
    settings = lapor_settings.model_copy(
        update={"api": ApiSettings(public_rate_per_minute=1, public_burst=1)}
    )
    with TestClient(create_app(settings)) as client:
        first = client.get("/lapor/status?kode=PTM-AAAA11")
        second = client.get("/lapor/status?kode=PTM-AAAA11")
    assert first.status_code == 404
    assert second.status_code == 429
    assert "Retry-After" in second.headers
    assert second.headers["content-type"].startswith("text/html")


def test_status_page_shows_status_and_dates_only(
    lapor_client: TestClient, lapor_engine: Engine
) -> None:
    response = lapor_client.post(
        "/lapor",
        data={**FORM, "description": "Truk batubara rahasia lewat jalan desa", "lat": "0.12345"},
        follow_redirects=False,
    )
    code = response.headers["location"].split("kode=")[1]
    page = lapor_client.get(f"/lapor/status?kode={code.lower()}")
    assert page.status_code == 200
    assert "Diterima" in page.text  # the status label, in Indonesian
    assert code in page.text
    for secret in ("Truk batubara", "Siti", "0812", "0.12345", "117.15"):
        assert secret not in page.text
    missing = lapor_client.get("/lapor/status?kode=PTM-ZZZZ99")
    assert missing.status_code == 404 and "PTM-ZZZZ99" in missing.text
    bad = lapor_client.get("/lapor/status?kode=hello")
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text


def test_manifest_and_service_worker(lapor_client: TestClient) -> None:
    manifest = lapor_client.get("/lapor/manifest.webmanifest").json()
    assert manifest["start_url"] == "/lapor" and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        assert lapor_client.get(icon["src"]).status_code == 200
    worker = lapor_client.get("/lapor/sw.js")
    assert worker.headers["service-worker-allowed"] == "/lapor"
    assert "__VERSION__" not in worker.text and "pantau-lapor-" in worker.text
