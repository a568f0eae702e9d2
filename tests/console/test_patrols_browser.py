"""Patroli and Tim in a real browser (Debian's Chromium through Playwright) on a real server:
make a plan with the form and wait for it, download a file; record an inspection with a photo;
every page of the two areas checked with axe-core and at 360 px wide."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gpxpy
import pytest

from geo.settings import Settings
from tests.api.conftest import Server, start_server
from tests.console.browsing import PHONE, check_pages, one, signed_in
from tests.console.conftest import username
from tests.geo.reports.conftest import make_jpeg

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(console_settings: Settings) -> Iterator[Server]:
    """``pantau serve`` whose planner may think for one second at most (the API's cap)."""
    running = start_server(
        console_settings,
        PANTAU_CONSOLE_LOGIN_RATE_PER_MINUTE="1000",
        PANTAU_API_MAX_SOLVER_BUDGET_S="1",
    )
    try:
        yield running
    finally:
        running.stop()


def test_make_a_plan_wait_for_it_and_download_a_file(
    browser: Any, server: Server, console_settings: Settings, tmp_path: Path
) -> None:
    page = signed_in(browser, server, "analyst", accept_downloads=True)
    page.get_by_role("link", name="Patroli", exact=True).click()
    page.get_by_role("link", name="Buat rencana", exact=True).click()
    page.get_by_label("Sejumlah tim yang ditempatkan di kantor-kantor").check()
    page.get_by_label("Jumlah tim", exact=True).fill("1")
    page.get_by_label("Hari pertama", exact=True).fill("2026-12-07")
    page.get_by_label("Hari kerja", exact=True).fill("2")
    page.get_by_text("Pilihan", exact=True).click()
    page.get_by_label("Hari tim boleh di luar pangkalan").fill("1")
    page.get_by_role("button", name="Buat rencananya").click()
    page.wait_for_selector("text=Rencana patroli sedang dibuat")
    page.wait_for_selector("text=Rencana sudah siap.", timeout=120_000)  # polled by htmx
    page.locator("#plan-link").click()
    page.wait_for_selector("#plan-map[data-loaded]")
    assert int(page.get_attribute("#plan-map", "data-loaded") or 0) > 0  # routes drawn
    with page.expect_download() as info:
        page.get_by_role("link", name="rencana.gpx").click()
    saved = tmp_path / "rencana.gpx"
    info.value.save_as(saved)
    gpx = gpxpy.parse(saved.read_text(encoding="utf-8"))
    assert gpx.routes or gpx.waypoints
    made_by = one(console_settings, "SELECT created_by FROM patrol_plans ORDER BY id DESC LIMIT 1")
    assert made_by == username("analyst")
    budget = one(console_settings, "SELECT budget_s FROM patrol_plan_jobs ORDER BY id DESC LIMIT 1")
    assert budget == 1.0  # the form asked for 10 s; the server allows 1
    page.context.close()


def test_record_an_inspection_with_a_photo(
    browser: Any, server: Server, console_settings: Settings
) -> None:
    page = signed_in(browser, server, "field_officer")
    page.get_by_role("link", name="Patroli", exact=True).click()
    page.get_by_role("link", name="Catat inspeksi").click()
    page.get_by_label("Kode lokasi").fill("KKR-002")
    page.get_by_label("Temuan tim").select_option("equipment_seen")
    page.get_by_label("Temuan dan catatan").fill("Satu ekskavator, tidak ada pekerja")
    page.get_by_label("Foto dan video").set_input_files(
        [{"name": "temuan.jpg", "mimeType": "image/jpeg", "buffer": make_jpeg(lat=-0.5, lon=117.1)}]
    )
    page.get_by_role("button", name="Catat inspeksi").click()
    page.wait_for_selector("#recorded")
    assert "1 foto atau video disimpan." in page.locator("#recorded").inner_text()
    row = one(
        console_settings,
        "SELECT recorded_by || '|' || jsonb_array_length(evidence) FROM inspections "
        "WHERE site_code = 'KKR-002' ORDER BY id DESC LIMIT 1",
    )
    assert row == f"{username('field_officer')}|1"
    page.context.close()


def test_every_patrol_page_passes_axe_and_fits_a_phone(
    browser: Any, server: Server, console_settings: Settings
) -> None:
    plan = one(console_settings, "SELECT max(id) FROM patrol_plans")
    job = one(console_settings, "SELECT max(id) FROM patrol_plan_jobs")
    assert plan and job, "the plan test runs first in this module"
    page = signed_in(browser, server, "analyst", viewport=PHONE, bypass_csp=True)
    paths = [
        "/patroli",
        "/patroli/baru",
        f"/patroli/permintaan/{job}",
        f"/patroli/{plan}",
        "/patroli/inspeksi/baru",
        "/tim",
    ]
    problems, wide = check_pages(page, paths)
    assert problems == {}
    assert wide == {}
    page.context.close()
