"""The Lokasi pages in a real browser (Debian's Chromium through Playwright) on a real server:
edit a site and see the history name the user, import a file through its preview, and every
Lokasi page checked with axe-core and at 360 px wide (the POST answers too)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from geo.settings import Settings
from tests.api.conftest import Server
from tests.console.browsing import PHONE, axe_problems, check_pages, one, signed_in
from tests.console.conftest import store_class, username

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def fits(page: Any) -> bool:
    """Whether the page is no wider than its viewport."""
    return bool(
        page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    )


def test_the_list_map_and_a_site_page(browser: Any, server: Server) -> None:
    page = signed_in(browser, server, "field_officer")
    page.get_by_role("link", name="Lokasi").first.click()
    page.wait_for_selector(".map[data-loaded]")
    assert int(page.get_attribute(".map[data-geojson]", "data-loaded") or 0) == 108
    page.get_by_label("Kabupaten").select_option("Paser")
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_selector(".map[data-loaded]")
    shown = int(page.get_attribute(".map[data-geojson]", "data-loaded") or 0)
    assert 0 < shown == page.locator("#site-table tbody tr").count()
    page.locator("#site-table tbody a").first.click()
    page.wait_for_selector(".map[data-feature][data-loaded]")
    assert page.locator("#site-history tbody tr").count() >= 1
    assert page.locator("#legal-status").count() == 0  # not for field officers
    page.context.close()


def test_editing_a_site_names_the_user_in_its_history(
    browser: Any, server: Server, console_settings: Settings
) -> None:
    page = signed_in(browser, server, "admin", viewport=PHONE, bypass_csp=True)
    page.goto("/lokasi/KKR-020")
    page.get_by_role("link", name="Ubah lokasi ini").click()
    page.get_by_label("Terakhir diperiksa").fill("")
    page.get_by_label("Nama (wajib)").fill("")
    page.get_by_role("button", name="Simpan").click()
    page.wait_for_selector("#e-name")
    assert page.locator("#e-name").inner_text() == "Nama wajib diisi"
    assert page.get_by_label("Nama (wajib)").get_attribute("aria-invalid") == "true"
    problems = axe_problems(page)
    assert not problems, problems
    assert fits(page)
    page.get_by_label("Nama (wajib)").fill("Tambang Sungai Uji")
    page.get_by_label("Status").select_option("sealed")
    page.get_by_role("button", name="Simpan").click()
    page.wait_for_selector("text=Tersimpan")
    assert page.locator("#site-status").inner_text() == "Disegel"
    newest = page.locator("#site-history tbody tr").first
    assert username("admin") in newest.locator(".actor").inner_text()
    assert "Tambang Sungai Uji" in newest.inner_text()
    assert one(console_settings, "SELECT status FROM sites WHERE code = 'KKR-020'") == "sealed"
    page.context.close()


def test_importing_a_file_through_its_preview(
    browser: Any, server: Server, console_settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "tambahan.geojson"
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [116.2, -1.9]},
        "properties": {
            "code": "UJB-1",
            "name": "Galian pasir uji",
            "kabupaten": "Paser",
            "commodity": "pasir",
        },
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    page = signed_in(browser, server, "admin", viewport=PHONE, bypass_csp=True)
    page.goto("/lokasi")
    page.get_by_role("link", name="Impor berkas").click()
    page.get_by_label("Berkas").set_input_files(str(path))
    page.get_by_role("button", name="Lihat pratinjau perubahan").click()
    page.wait_for_selector("#preview-new")
    assert page.locator("#preview-new").inner_text() == "UJB-1"
    problems = axe_problems(page)
    assert not problems, problems
    assert fits(page)
    assert one(console_settings, "SELECT count(*) FROM sites WHERE code = 'UJB-1'") == 0
    page.get_by_role("button", name="Konfirmasi impor").click()
    page.wait_for_selector("#import-done")
    assert "1 baru" in page.locator("#import-done").inner_text()
    assert one(console_settings, "SELECT actor FROM site_audit WHERE site_code = 'UJB-1'") == (
        username("admin")
    )
    page.context.close()


def test_every_lokasi_page_is_accessible_and_fits_a_phone(
    browser: Any, server: Server, console_settings: Settings
) -> None:
    # The legal status block with its guidance.
    store_class(console_settings, kind="site", code="KKR-002", authority="PUSAT")
    paths = [
        "/lokasi/KKR-002",
        "/lokasi",
        "/lokasi?status=active&page=1",
        "/lokasi?q=tidak-ada",
        "/lokasi/KKR-001",
        "/lokasi/KKR-001/ubah",
        "/lokasi/impor",
        "/lokasi/ZZZ-999",
    ]
    problems: dict[str, list[str]] = {}
    wide: dict[str, int] = {}
    for role in ("admin", "analyst"):
        page = signed_in(browser, server, role, viewport=PHONE, bypass_csp=True)
        found, too_wide = check_pages(page, paths if role == "admin" else paths[:5])
        problems.update({f"{role} {k}": v for k, v in found.items()})
        wide.update({f"{role} {k}": v for k, v in too_wide.items()})
        page.context.close()
    assert not problems, problems
    assert not wide, f"wider than 360 px: {wide}"
