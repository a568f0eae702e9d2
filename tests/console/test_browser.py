"""The console in a real browser (Debian's Chromium through Playwright) against a real server:
sign in and out, the inbox filters, verifying a report, revealing identity, promoting a hotspot,
and every page checked with axe-core and at 360 px wide."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from geo.db import make_engine
from geo.settings import Settings
from tests.api.conftest import Server, start_server
from tests.console.conftest import PASSWORD, ROOT, World, username

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def server(console_settings: Settings) -> Iterator[Server]:
    """``pantau serve`` on the module's database."""
    running = start_server(console_settings, PANTAU_CONSOLE_LOGIN_RATE_PER_MINUTE="1000")
    try:
        yield running
    finally:
        running.stop()


def _one(settings: Settings, sql: str, **params: object) -> object:
    engine = make_engine(settings.database.url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


def _signed_in(browser: Any, server: Server, role: str, **context: Any) -> Any:
    ctx = browser.new_context(base_url=server.url, locale="id-ID", **context)
    page = ctx.new_page()
    page.goto("/")
    page.get_by_label("Nama pengguna").fill(username(role))
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_selector("h1:has-text('Beranda')")
    return page


def test_sign_in_see_the_map_and_sign_out(browser: Any, server: Server) -> None:
    page = _signed_in(browser, server, "analyst")
    assert page.get_by_text("Uji analyst").is_visible()
    page.wait_for_selector(".map[data-loaded]")
    assert int(page.get_attribute(".map[data-cells]", "data-loaded") or 0) > 0
    page.get_by_role("button", name="Keluar").click()
    page.wait_for_selector("text=Anda telah keluar.")
    page.goto("/laporan")
    assert page.get_by_label("Kata sandi").is_visible()  # sent back to the sign-in page
    page.context.close()


def test_the_inbox_filters_update_in_place(browser: Any, server: Server, world: World) -> None:
    page = _signed_in(browser, server, "analyst")
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
    page = _signed_in(browser, server, "intake_operator")
    page.goto(f"/laporan/{code}")
    page.get_by_role("button", name="Verifikasi").click()
    page.wait_for_selector("text=Tersimpan")
    assert page.locator("#status").inner_text() == "Terverifikasi"
    last = page.locator("#history tbody tr").last
    assert username("intake_operator") in last.inner_text()
    assert _one(console_settings, "SELECT status FROM reports WHERE code = :c", c=code) == (
        "verified"
    )
    page.context.close()


def test_revealing_identity_is_audited(
    browser: Any, server: Server, world: World, console_settings: Settings
) -> None:
    page = _signed_in(browser, server, "intake_operator")
    page.goto(f"/laporan/{world.with_identity}")
    assert page.get_by_text("Budi Santoso").count() == 0
    page.get_by_role("button", name="Tampilkan identitas pelapor").click()
    page.wait_for_selector("text=Budi Santoso")
    actor = _one(
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
    page = _signed_in(browser, server, "analyst")
    page.goto(f"/hotspot/{world.hotspot}")
    page.get_by_label("Nama lokasi (tidak wajib)").fill("Bukaan baru uji")
    page.get_by_role("button", name="Jadikan lokasi").click()
    page.wait_for_selector("text=kini menjadi lokasi")
    status = _one(console_settings, "SELECT status FROM hotspots WHERE code = :c", c=world.hotspot)
    assert status == "promoted"
    actor = _one(
        console_settings,
        "SELECT reviewed_by FROM hotspots WHERE code = :c",
        c=world.hotspot,
    )
    assert actor == username("analyst")
    page.context.close()


def _axe(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    assert result["passes"], "axe-core did not run"
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])})"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_every_page_is_accessible_and_fits_a_phone(
    browser: Any, server: Server, world: World
) -> None:
    signed_out = browser.new_context(
        base_url=server.url,
        locale="id-ID",
        viewport={"width": 360, "height": 740},
        bypass_csp=True,  # axe is injected as a script the console's policy forbids
    )
    first = signed_out.new_page()
    first.goto("/")
    problems = {"/ (sign-in)": _axe(first)}
    first.keyboard.press("Tab")
    assert first.evaluate("document.activeElement.className") == "skip-link"
    signed_out.close()
    page = _signed_in(
        browser, server, "admin", viewport={"width": 360, "height": 740}, bypass_csp=True
    )
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
    wide = {}
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        problems[path] = _axe(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            wide[path] = width
    page.context.close()
    assert not {k: v for k, v in problems.items() if v}, problems
    assert not wide, f"wider than 360 px: {wide}"
