"""Sessions and CSRF in a real browser (Debian's Chromium through Playwright), real server:
an idle session sends the person to sign in and back to where they were; a form posted with a
wrong or missing CSRF token is refused in Indonesian and changes nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from geo.settings import Settings
from tests.api.conftest import Server, start_server
from tests.console.browsing import PHONE, check_pages, one, signed_in
from tests.console.conftest import PASSWORD, World, username

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: The idle timeout of the short-lived server: six seconds.
IDLE_MINUTES = 0.1
REFUSED = "Formulir ini sudah kedaluwarsa atau tidak berasal dari konsol ini."


@pytest.fixture(scope="module")
def hasty_server(console_settings: Settings) -> Iterator[Server]:
    """``pantau serve`` whose sessions end after six idle seconds."""
    running = start_server(
        console_settings,
        PANTAU_CONSOLE_LOGIN_RATE_PER_MINUTE="1000",
        PANTAU_CONSOLE_SESSION_IDLE_MINUTES=str(IDLE_MINUTES),
    )
    try:
        yield running
    finally:
        running.stop()


def test_an_idle_session_signs_in_again_and_returns_to_the_page(
    browser: Any, hasty_server: Server
) -> None:
    page = signed_in(browser, hasty_server, "analyst")
    target = "/laporan?channel=web"
    page.goto(target)
    page.wait_for_selector("#results")
    time.sleep(IDLE_MINUTES * 60 + 2)
    page.goto("/laporan?channel=web&status=received")
    # Sent to the sign-in page, which says why, and the session cookie is gone.
    assert page.get_by_text("Masuk untuk melanjutkan.").is_visible()
    assert "next=" in page.url
    assert not [c for c in page.context.cookies() if c["name"] == "pantau_session"]
    page.get_by_label("Nama pengguna").fill(username("analyst"))
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/laporan?channel=web&status=received")
    page.wait_for_selector("#results")
    assert page.get_by_label("Kanal").input_value() == "web"
    page.context.close()


@pytest.mark.parametrize("tamper", ["wrong", "missing"])
def test_a_form_without_the_sessions_csrf_token_is_refused(
    browser: Any, server: Server, world: World, console_settings: Settings, tamper: str
) -> None:
    code = world.received[2 if tamper == "wrong" else 3]
    status_sql = "SELECT status FROM reports WHERE code = :c"
    history_sql = (
        "SELECT count(*) FROM report_status_history h JOIN reports r ON r.id = h.report_id "
        "WHERE r.code = :c"
    )
    before = one(console_settings, history_sql, c=code)
    page = signed_in(browser, server, "intake_operator")
    page.goto(f"/laporan/{code}")
    form = "form[action$='/status']:has(input[value='verified'])"
    field = page.locator(f"{form} input[name='csrf_token']")
    if tamper == "wrong":
        field.evaluate("el => { el.value = 'token-palsu-dari-situs-lain' }")
    else:
        field.evaluate("el => el.remove()")
    with page.expect_response(lambda r: r.url.endswith("/status")) as answer:
        page.get_by_role("button", name="Verifikasi").click()
    assert answer.value.status == 403
    page.wait_for_selector(f"text={REFUSED}")
    assert one(console_settings, status_sql, c=code) == "received"
    assert one(console_settings, history_sql, c=code) == before
    page.context.close()


def test_the_pages_of_this_module_pass_axe_at_phone_width(
    browser: Any, server: Server, world: World
) -> None:
    page = signed_in(browser, server, "analyst", viewport=PHONE, bypass_csp=True)
    problems, wide = check_pages(page, [f"/laporan/{world.duplicate}", "/?next=%2Flaporan"])
    assert problems == {} and wide == {}
    page.context.close()
