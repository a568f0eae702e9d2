"""The console in a real browser (Debian's Chromium through Playwright) against a real server:
sign in and out, the inbox filters, verifying a report, revealing identity, promoting a hotspot,
and every page checked with axe-core and at 360 px wide."""

from __future__ import annotations

import re
from typing import Any

import pytest

from geo.settings import Settings
from tests.api.conftest import Server
from tests.console.browsing import PHONE, axe_problems, check_pages, one, signed_in
from tests.console.conftest import World, username

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_sign_in_see_the_map_and_sign_out(browser: Any, server: Server) -> None:
    page = signed_in(browser, server, "analyst")
    assert page.get_by_text("Uji analyst").is_visible()
    page.wait_for_selector(".map[data-loaded]")
    assert int(page.get_attribute(".map[data-cells]", "data-loaded") or 0) > 0
    page.get_by_role("button", name="Keluar").click()
    page.wait_for_selector("text=Anda telah keluar.")
    page.goto("/laporan")
    assert page.get_by_label("Kata sandi").is_visible()  # sent back to the sign-in page
    page.context.close()


def test_the_inbox_filters_update_in_place(browser: Any, server: Server, world: World) -> None:
    page = signed_in(browser, server, "analyst")
    page.get_by_role("link", name="Laporan").first.click()
    page.wait_for_selector("#results li[data-code]")
    page.get_by_label("Kanal").select_option("web")
    page.wait_for_url(re.compile(r"channel=web"))
    page.wait_for_function("document.querySelectorAll('#results li[data-code]').length === 1")
    assert page.locator("#results li[data-code]").get_attribute("data-code") == world.received[1]
    page.context.close()


def test_verifying_a_report_names_the_user(
    browser: Any, server: Server, world: World, console_settings: Settings
) -> None:
    code = world.received[2]
    page = signed_in(browser, server, "intake_operator")
    page.goto(f"/laporan/{code}")
    page.get_by_role("button", name="Verifikasi").click()
    page.wait_for_selector("text=Tersimpan")
    assert page.locator("#status").inner_text() == "Terverifikasi"
    last = page.locator("#history tbody tr").last
    assert username("intake_operator") in last.inner_text()
    assert one(console_settings, "SELECT status FROM reports WHERE code = :c", c=code) == (
        "verified"
    )
    page.context.close()


def test_revealing_identity_is_audited(
    browser: Any, server: Server, world: World, console_settings: Settings
) -> None:
    page = signed_in(browser, server, "intake_operator")
    page.goto(f"/laporan/{world.with_identity}")
    assert page.get_by_text("Budi Santoso").count() == 0
    page.get_by_role("button", name="Tampilkan identitas pelapor").click()
    page.wait_for_selector("text=Budi Santoso")
    actor = one(
        console_settings,
        "SELECT i.actor FROM identity_reveals i JOIN reports r ON r.id = i.report_id "
        "WHERE r.code = :c ORDER BY i.id DESC LIMIT 1",
        c=world.with_identity,
    )
    assert actor == username("intake_operator")
    page.context.close()


def test_promoting_a_hotspot(
    browser: Any, server: Server, world: World, console_settings: Settings
) -> None:
    page = signed_in(browser, server, "analyst")
    page.goto(f"/hotspot/{world.hotspot}")
    page.get_by_label("Nama lokasi (tidak wajib)").fill("Bukaan baru uji")
    page.get_by_role("button", name="Jadikan lokasi").click()
    page.wait_for_selector("text=kini menjadi lokasi")
    status = one(console_settings, "SELECT status FROM hotspots WHERE code = :c", c=world.hotspot)
    assert status == "promoted"
    actor = one(
        console_settings,
        "SELECT reviewed_by FROM hotspots WHERE code = :c",
        c=world.hotspot,
    )
    assert actor == username("analyst")
    page.context.close()


def test_each_role_sees_only_what_it_may(browser: Any, server: Server, world: World) -> None:
    # An analyst verifies but may not see who reported; an intake operator may, by a click.
    analyst = signed_in(browser, server, "analyst")
    analyst.goto(f"/laporan/{world.with_identity}")
    assert analyst.get_by_role("button", name="Verifikasi").count() == 1
    assert analyst.get_by_role("button", name="Tampilkan identitas pelapor").count() == 0
    assert analyst.get_by_text("Budi Santoso").count() == 0
    analyst.context.close()
    # A field officer reads the report but has no button that changes it, and no site editing.
    officer = signed_in(browser, server, "field_officer")
    officer.goto(f"/laporan/{world.received[3]}")
    assert officer.locator("h1").count() == 1
    assert officer.get_by_role("button", name="Verifikasi").count() == 0
    assert officer.get_by_role("button", name="Tampilkan identitas pelapor").count() == 0
    answer = officer.goto("/lokasi/impor")
    assert answer is not None and answer.status == 403
    officer.context.close()


def test_every_page_is_accessible_and_fits_a_phone(
    browser: Any, server: Server, world: World
) -> None:
    signed_out = browser.new_context(
        base_url=server.url,
        locale="id-ID",
        viewport=PHONE,
        bypass_csp=True,  # axe is injected as a script the console's policy forbids
    )
    first = signed_out.new_page()
    first.goto("/")
    problems = {"/ (sign-in)": axe_problems(first)}
    first.keyboard.press("Tab")
    assert first.evaluate("document.activeElement.className") == "skip-link"
    signed_out.close()
    page = signed_in(browser, server, "admin", viewport=PHONE, bypass_csp=True)
    paths = [
        "/",
        "/laporan",
        "/laporan?clock=overdue",
        f"/laporan/{world.with_identity}",
        f"/laporan/{world.verified}",
        "/hotspot",
        "/hotspot?status=all",
        f"/hotspot/{world.hotspot}",
        "/laporan/PTM-ZZZZZZ",
    ]
    found, wide = check_pages(page, paths)
    problems.update(found)
    page.context.close()
    assert not {k: v for k, v in problems.items() if v}, problems
    assert not wide, f"wider than 360 px: {wide}"
