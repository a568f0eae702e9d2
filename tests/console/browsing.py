"""Helpers of the console's browser tests (Debian's Chromium through Playwright): a server on
the module's database, signing in as a role, one value from the database, and the axe-core check.

Every browser test module of the console uses these, so a page's test reads like what a person
does on it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from geo.db import make_engine
from geo.settings import Settings
from tests.api.conftest import Server
from tests.console.conftest import PASSWORD, ROOT, username

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: A phone's viewport: every page must fit it without scrolling sideways.
PHONE = {"width": 360, "height": 740}


def one(settings: Settings, sql: str, **params: object) -> object:
    """The first value of ``sql`` on the database of ``settings`` (read in its own connection)."""
    engine = make_engine(settings.database.url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


def signed_in(browser: Any, server: Server, role: str, **context: Any) -> Any:
    """A new browser context signed in as the test user of ``role``, on Beranda."""
    ctx = browser.new_context(base_url=server.url, locale="id-ID", **context)
    page = ctx.new_page()
    page.goto("/")
    page.get_by_label("Nama pengguna").fill(username(role))
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_selector("h1:has-text('Beranda')")
    return page


def axe_problems(page: Any) -> list[str]:
    """The serious and critical axe-core violations of the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    assert result["passes"], "axe-core did not run"
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])})"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def check_pages(page: Any, paths: list[str]) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Open each path; return its axe-core problems and the pages wider than the viewport.

    Give ``page`` a context made with ``viewport=PHONE, bypass_csp=True`` (axe is injected as a
    script the console's policy forbids).
    """
    problems: dict[str, list[str]] = {}
    wide: dict[str, int] = {}
    limit = page.viewport_size["width"]
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        found = axe_problems(page)
        if found:
            problems[path] = found
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > limit:
            wide[path] = width
    return problems, wide
