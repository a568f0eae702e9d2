"""The public report page in a real Chromium: online with a photo, offline then online (stored
exactly once), the page served by its service worker with no signal, axe-core, 360 px phones.

One module, one browser, one ``pantau serve`` on this module's own database.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import Engine, func, select

from geo.reports.models import Report, ReportEvidence
from geo.settings import Settings
from tests.api.conftest import Server, start_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "locale": "id-ID",
    "geolocation": {"latitude": -0.5123, "longitude": 117.0871, "accuracy": 12},
    "permissions": ["geolocation"],
}


@pytest.fixture(scope="module")
def server(lapor_settings: Settings) -> Iterator[Server]:
    srv = start_server(lapor_settings)
    yield srv
    srv.stop()


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (90, 120, 60)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _reports(engine: Engine, text: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(Report).where(Report.description == text)).all())


def _evidence_count(engine: Engine, report_id: int) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).where(ReportEvidence.report_id == report_id)
            ).scalar_one()
        )


def _fill(page: Any, description: str) -> None:
    page.select_option("#activity", "hauling_trucks")
    page.fill("#description", description)
    page.fill("#observed_at", "2026-01-10T21:30")
    page.click("#gps-button")
    page.wait_for_function("document.getElementById('lat').value !== ''")
    page.set_input_files(
        "#evidence-gallery",
        files=[{"name": "truk.jpg", "mimeType": "image/jpeg", "buffer": _photo()}],
    )


def _axe(page: Any) -> list[dict[str, Any]]:
    # Evaluated through DevTools rather than a <script> tag: the page's CSP refuses inline
    # scripts (as it should), and the check must not need the policy loosened.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run()")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def _no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 0.5"))


def _pending(page: Any) -> int:
    return int(page.evaluate("async () => (await PantauOutbox.pending()).length"))


def _wait_until_sent(page: Any, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while _pending(page) > 0:
        assert time.monotonic() < deadline, "the outbox was not sent"
        page.wait_for_timeout(200)


def test_form_online_with_a_photo(browser: Any, server: Server, lapor_engine: Engine) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{server.url}/lapor")
    assert _no_horizontal_scroll(page)
    description = "Truk batubara lewat malam hari (daring)"
    _fill(page, description)
    assert page.input_value("#location_source") == "device_gps"
    page.click("#send-button")
    page.wait_for_url(re.compile(r"/lapor/terkirim\?kode=PTM-"))
    code = page.inner_text("#tracking-code").strip()
    assert re.fullmatch(r"PTM-[A-Z0-9]+", code)
    assert _no_horizontal_scroll(page)
    assert _axe(page) == []
    rows = _reports(lapor_engine, description)
    assert len(rows) == 1 and rows[0].code == code
    assert rows[0].location_source == "device_gps"
    assert _evidence_count(lapor_engine, rows[0].id) == 1
    # The status page shows the status, and the code is in "my reports" on the phone.
    page.goto(f"{server.url}/lapor/status?kode={code}")
    assert page.inner_text("#report-status") == "Diterima"
    assert description not in page.content()
    page.wait_for_selector("#mine-list a.mine-code")
    assert page.inner_text("#mine-list a.mine-code") == code
    assert _no_horizontal_scroll(page)
    assert _axe(page) == []
    context.close()


def test_offline_then_online_arrives_exactly_once(
    browser: Any, server: Server, lapor_engine: Engine
) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{server.url}/lapor")
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    description = "Ekskavator di tepi sungai, tanpa sinyal"
    _fill(page, description)
    context.set_offline(True)
    before = page.inner_text("#form-status")  # the GPS step's message
    page.click("#send-button")
    # Wait for the send to answer, not merely for some text: the status already holds the
    # GPS step's message, and the click's answer comes after an IndexedDB write.
    page.wait_for_function(
        "t => document.getElementById('form-status').textContent !== t", arg=before
    )
    assert "sinyal" in page.inner_text("#form-status")
    assert _pending(page) == 1
    assert page.evaluate("async () => (await PantauOutbox.pending())[0].files[0].blob.size") > 0
    # Keep a copy of the item to send it again later, as a retry after a lost answer would.
    page.evaluate("async () => { window.copy = (await PantauOutbox.pending())[0]; }")
    assert _reports(lapor_engine, description) == []
    page.wait_for_selector("#mine-list li.pending")  # drawn after the answer, from IndexedDB
    assert "Menunggu sinyal" in page.inner_text("#mine-list")

    context.set_offline(False)  # the 'online' event (and Background Sync) send the outbox
    _wait_until_sent(page)
    rows = _reports(lapor_engine, description)
    assert len(rows) == 1
    assert _evidence_count(lapor_engine, rows[0].id) == 1
    page.wait_for_selector("#mine-list a.mine-code")
    assert rows[0].code in page.inner_text("#mine-list")

    # Sending the same item again (its answer lost) gives the same report, not a second one.
    again = page.evaluate("async () => await PantauOutbox.sendOne(window.copy)")
    assert again == {"code": rows[0].code}
    page.reload()
    page.evaluate("async () => await PantauLapor.flush()")
    assert _pending(page) == 0
    assert len(_reports(lapor_engine, description)) == 1
    context.close()


def test_service_worker_serves_the_page_with_no_signal(browser: Any, server: Server) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{server.url}/lapor")
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.reload()  # now controlled by the worker
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    for path in ("/lapor", "/lapor/status"):
        response = page.goto(f"{server.url}{path}")
        assert response is not None and response.from_service_worker
        assert page.locator("h1").count() == 1
    # The page still works offline: its script and the map were kept too.
    page.goto(f"{server.url}/lapor")
    page.wait_for_selector("#map canvas, #map svg path", state="attached")  # base or graticule
    page.click("#map", position={"x": 180, "y": 120})
    assert page.input_value("#lat") != "" and page.input_value("#location_source") == "map_pin"
    # A report that could never be accepted is refused on the phone, not kept to fail later.
    page.click("#send-button")
    page.wait_for_selector("#description-error")
    assert _pending(page) == 0
    context.close()


def test_axe_and_360_px_on_every_public_page(browser: Any, server: Server) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    for path in ("/lapor", "/lapor/status", "/lapor/status?kode=PTM-ZZZZ99", "/lapor?lang=en"):
        page.goto(f"{server.url}{path}")
        assert _no_horizontal_scroll(page), path
        assert _axe(page) == [], path
    assert refused == []  # the page, its script and Leaflet live within the policy
    # Errors shown by the script next to their fields are accessible too.
    page.goto(f"{server.url}/lapor")
    page.click("#send-button")
    page.wait_for_selector("#description-error")
    assert page.get_attribute("#description", "aria-invalid") == "true"
    assert "description-error" in (page.get_attribute("#description", "aria-describedby") or "")
    assert _axe(page) == []
    context.close()
