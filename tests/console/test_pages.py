"""The console's pages as each role sees them: the inbox and its filters, a report's actions,
revealing identity (audited), hotspot review, the language switch and the map's cells."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import text

from geo.db import make_engine
from geo.settings import Settings
from tests.console.conftest import World, csrf_of, sign_in, username


def _one(settings: Settings, sql: str, **params: object) -> object:
    engine = make_engine(settings.database.url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


def _codes(html: str) -> list[str]:
    return re.findall(r'data-code="(PTM-[0-9A-Z]+)"', html)


def test_the_inbox_filters_by_channel_clock_and_status(
    new_client: TestClient, world: World
) -> None:
    sign_in(new_client, "analyst")
    everything = _codes(new_client.get("/laporan").text)
    assert set(world.received) <= set(everything)
    web = _codes(new_client.get("/laporan?channel=web").text)
    assert web == [world.received[1]]
    overdue = _codes(new_client.get("/laporan?clock=overdue").text)
    assert overdue == [world.received[0]]  # received 20 days ago: its 3-day clock has run out
    assert everything[0] == world.received[0]  # the most urgent first
    verified = _codes(new_client.get("/laporan?status=verified").text)
    assert world.verified in verified and world.received[0] not in verified


def test_the_inbox_answers_htmx_with_the_results_only(new_client: TestClient, world: World) -> None:
    sign_in(new_client, "analyst")
    partial = new_client.get(
        "/laporan?channel=lapor", headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert partial.status_code == 200 and "<html" not in partial.text
    assert _codes(partial.text) == [world.received[2]]


def test_a_bad_filter_is_named_in_the_readers_language(new_client: TestClient) -> None:
    sign_in(new_client, "analyst")
    answer = new_client.get("/laporan?from=2026-13-01")
    assert answer.status_code == 400 and "seharusnya tanggal" in answer.text


def test_an_analyst_handles_reports_but_never_sees_identity(
    new_client: TestClient, world: World
) -> None:
    sign_in(new_client, "analyst")
    page = new_client.get(f"/laporan/{world.with_identity}")
    assert "Verifikasi" in page.text and "Budi" not in page.text
    assert "Tampilkan identitas pelapor" not in page.text
    token = csrf_of(new_client)
    refused = new_client.post(
        f"/laporan/{world.with_identity}/identitas", data={"csrf_token": token}
    )
    assert refused.status_code == 403 and "Budi" not in refused.text


def test_revealing_identity_is_a_click_that_is_audited(
    new_client: TestClient, world: World, console_settings: Settings
) -> None:
    sign_in(new_client, "intake_operator")
    page = new_client.get(f"/laporan/{world.with_identity}")
    assert "Tampilkan identitas pelapor" in page.text and "Budi" not in page.text
    before = _one(console_settings, "SELECT count(*) FROM identity_reveals")
    token = csrf_of(new_client)
    shown = new_client.post(
        f"/laporan/{world.with_identity}/identitas",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert shown.status_code == 200 and "Budi Santoso" in shown.text
    assert _one(console_settings, "SELECT count(*) FROM identity_reveals") == int(str(before)) + 1
    actor = _one(console_settings, "SELECT actor FROM identity_reveals ORDER BY id DESC LIMIT 1")
    assert actor == username("intake_operator")


def test_a_field_officer_reads_but_cannot_change_a_report(
    new_client: TestClient, world: World, console_settings: Settings
) -> None:
    sign_in(new_client, "field_officer")
    code = world.received[3]
    page = new_client.get(f"/laporan/{code}")
    assert page.status_code == 200 and 'name="to"' not in page.text
    token = csrf_of(new_client)
    answer = new_client.post(
        f"/laporan/{code}/status", data={"to": "verified", "csrf_token": token}
    )
    assert answer.status_code == 403 and "Petugas lapangan" in answer.text
    assert (
        _one(console_settings, "SELECT status FROM reports WHERE code = :c", c=code) == "received"
    )


def test_verifying_and_rejecting_through_the_console_name_the_user(
    new_client: TestClient, world: World, console_settings: Settings
) -> None:
    sign_in(new_client, "intake_operator")
    token = csrf_of(new_client)
    code = world.received[3]
    done = new_client.post(f"/laporan/{code}/status", data={"to": "verified", "csrf_token": token})
    assert done.status_code == 200 and "Tersimpan" in done.text
    assert (
        _one(console_settings, "SELECT status FROM reports WHERE code = :c", c=code) == "verified"
    )
    actor = _one(
        console_settings,
        "SELECT h.actor FROM report_status_history h JOIN reports r ON r.id = h.report_id "
        "WHERE r.code = :c ORDER BY h.id DESC LIMIT 1",
        c=code,
    )
    assert actor == username("intake_operator")
    no_reason = new_client.post(
        f"/laporan/{code}/status",
        data={"to": "rejected", "resolution": "insufficient_info", "csrf_token": token},
    )
    assert no_reason.status_code == 422 and "alasan penolakan" in no_reason.text
    assert (
        _one(console_settings, "SELECT status FROM reports WHERE code = :c", c=code) == "verified"
    )


def test_assigning_a_verified_report_to_a_site(
    new_client: TestClient, world: World, console_settings: Settings
) -> None:
    sign_in(new_client, "analyst")
    token = csrf_of(new_client)
    site = str(_one(console_settings, "SELECT code FROM sites ORDER BY code LIMIT 1"))
    answer = new_client.post(
        f"/laporan/{world.verified}/tugaskan", data={"site": site, "csrf_token": token}
    )
    assert answer.status_code == 200, answer.text[:300]
    row = _one(
        console_settings,
        "SELECT r.status || ' ' || s.code FROM reports r JOIN report_matches m "
        "ON m.report_id = r.id JOIN sites s ON s.id = m.site_id WHERE r.code = :c",
        c=world.verified,
    )
    assert row == f"assigned {site}"


def test_only_planners_review_hotspots(
    new_client: TestClient, world: World, console_settings: Settings
) -> None:
    sign_in(new_client, "intake_operator")
    page = new_client.get(f"/hotspot/{world.hotspot}")
    assert page.status_code == 200 and "promosikan" not in page.text
    token = csrf_of(new_client)
    refused = new_client.post(
        f"/hotspot/{world.hotspot}/abaikan", data={"reason": "uji", "csrf_token": token}
    )
    assert refused.status_code == 403
    status = _one(console_settings, "SELECT status FROM hotspots WHERE code = :c", c=world.hotspot)
    assert status == "candidate"


def test_the_language_switch_keeps_english(new_client: TestClient) -> None:
    sign_in(new_client, "admin")
    switched = new_client.get("/bahasa?lang=en&next=/laporan", follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/laporan"
    assert "pantau_lang=en" in switched.headers["set-cookie"]
    page = new_client.get("/laporan")
    assert '<html lang="en">' in page.text and "Filter reports" in page.text
    evil = new_client.get("/bahasa?lang=id&next=//evil.example/", follow_redirects=False)
    assert evil.headers["location"] == "/"


def test_the_map_gets_cells_not_reports(new_client: TestClient) -> None:
    assert new_client.get("/konsol/peta/laporan.json", follow_redirects=False).status_code == 303
    sign_in(new_client, "field_officer")
    coarse = new_client.get("/konsol/peta/laporan.json?z=3").json()["cells"]
    fine = new_client.get("/konsol/peta/laporan.json?z=14").json()["cells"]
    assert sum(c["n"] for c in coarse) == sum(c["n"] for c in fine) > 0
    assert len(coarse) < len(fine)


def test_evidence_is_shown_to_staff_with_its_distance(new_client: TestClient, world: World) -> None:
    sign_in(new_client, "field_officer")
    page = new_client.get(f"/laporan/{world.with_identity}")
    found = re.search(r'<img src="(/laporan/PTM-[0-9A-Z]+/bukti/[0-9a-f]{64})"', page.text)
    assert found, page.text[:500]
    assert re.search(r"posisi foto 1\.\d{3} m dari titik", page.text)
    photo = new_client.get(found[1])
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["x-content-type-options"] == "nosniff"
    with TestClient(new_client.app) as stranger:
        assert stranger.get(found[1], follow_redirects=False).status_code == 303


def test_the_inbox_sees_its_own_change_at_once(new_client: TestClient, world: World) -> None:
    """The clocks are reused for 30 s, but a report changed in the console is recomputed."""
    sign_in(new_client, "analyst")
    code = world.received[0]
    assert code in _codes(new_client.get("/laporan?clock=overdue").text)
    token = csrf_of(new_client)
    new_client.post(f"/laporan/{code}/status", data={"to": "verified", "csrf_token": token})
    assert code not in _codes(new_client.get("/laporan?clock=overdue").text)
    assert code in _codes(new_client.get("/laporan?clock=running").text)


def test_a_duplicate_links_to_its_original(new_client: TestClient, world: World) -> None:
    sign_in(new_client, "analyst")
    page = new_client.get(f"/laporan/{world.duplicate}")
    assert f'href="/laporan/{world.with_identity}"' in page.text


def test_a_duplicate_is_shown_with_its_group_and_unlinked_and_linked_again(
    new_client: TestClient, world: World, console_settings: Settings
) -> None:
    def linked_to() -> object:
        return _one(
            console_settings,
            "SELECT d.code FROM reports r JOIN reports d ON d.id = r.duplicate_of_id "
            "WHERE r.code = :c",
            c=world.duplicate,
        )

    assert linked_to() == world.with_identity
    sign_in(new_client, "analyst")
    token = csrf_of(new_client)
    shown = new_client.get(f"/laporan/{world.duplicate}").text
    group = shown[shown.index('id="group"') :]
    assert f'href="/laporan/{world.with_identity}"' in group and "laporan pertama" in group
    no_reason = new_client.post(f"/laporan/{world.duplicate}/lepaskan", data={"csrf_token": token})
    assert no_reason.status_code == 422 and "alasan" in no_reason.text
    assert linked_to() == world.with_identity
    done = new_client.post(
        f"/laporan/{world.duplicate}/lepaskan",
        data={"csrf_token": token, "reason": "Lokasi berbeda, bukan laporan yang sama"},
    )
    assert done.status_code == 200 and "Tersimpan" in done.text
    assert linked_to() is None
    audit = "SELECT e.actor FROM report_link_events e JOIN reports r ON r.id = e.report_id "
    audit += "WHERE r.code = :c AND e.event = :e"
    who = username("analyst")
    assert _one(console_settings, audit, c=world.duplicate, e="unlinked") == who
    merged = new_client.post(
        f"/laporan/{world.duplicate}/gabungkan",
        data={"csrf_token": token, "into": world.with_identity.lower(), "reason": "Sama"},
    )
    assert merged.status_code == 200 and world.with_identity in merged.text
    assert linked_to() == world.with_identity
    assert _one(console_settings, audit, c=world.duplicate, e="merged") == who
    new_client.post("/keluar", data={"csrf_token": token})
    new_client.cookies.clear()
    sign_in(new_client, "field_officer")
    assert "/lepaskan" not in new_client.get(f"/laporan/{world.duplicate}").text
    refused = new_client.post(
        f"/laporan/{world.with_identity}/lepaskan",
        data={"csrf_token": csrf_of(new_client), "reason": "x"},
    )
    assert refused.status_code == 403
