"""Headless Chromium harness: open a map file with the network cut and wait until it is ready.

It collects console errors and serves screenshots and printing.

It drives the Debian ``/usr/bin/chromium`` through Playwright's Python API
(``executable_path``); Playwright's own browser download is never used. Offline mode both
switches the browser context offline and aborts (and records) every request that is not a
``file:`` or ``data:`` URL, so a map that tries to fetch anything is caught.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from geo.errors import N_, BrowserUnavailable, PantauError
from geo.settings import MapSettings

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

__all__ = ["CHROMIUM_ARGS", "MapPage", "chromium", "open_map"]

#: Flags for a quiet, reproducible headless Chromium running as root in CI.
CHROMIUM_ARGS: Final[tuple[str, ...]] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
)


_TWO_FRAMES = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


@dataclass
class MapPage:
    """An opened map: the Playwright page, console errors and blocked network requests."""

    page: Page
    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    #: Requests that failed, e.g. a local file that does not exist (``url: reason``).
    failed: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Features per layer key, as the page's runtime reports them."""
        result: dict[str, int] = self.page.evaluate("() => window.pantau.counts()")
        return result

    def evaluate(self, script: str, arg: Any = None) -> Any:
        """Run ``script`` (a JS function expression) in the page."""
        return self.page.evaluate(script, arg)


@contextmanager
def chromium(*, settings: MapSettings) -> Iterator[Browser]:
    """Launch headless Chromium for the duration of the block.

    Raises
    ------
    BrowserUnavailable
        When Chromium or the Playwright package is missing, with the command that installs it.

    Examples
    --------
    >>> with chromium(settings=settings.maps) as browser:
    ...     browser.version.split(".")[0].isdigit()
    True
    """
    if not settings.chromium.is_file():
        raise BrowserUnavailable.of(
            N_(
                "headless Chromium was expected at {path} but is missing; run "
                "scripts/setup-browser (Debian packages chromium and chromium-driver) or set "
                "PANTAU_MAPS_CHROMIUM"
            ),
            path=settings.chromium,
        )
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise BrowserUnavailable(
            "the Python package `playwright` is needed for browser rendering; "
            "pip install playwright (never `playwright install`: the Debian Chromium is used)"
        ) from exc
    with (
        tempfile.TemporaryDirectory(prefix="pantau-chromium-") as profile,
        sync_playwright() as pw,
    ):
        try:
            # Playwright gives each launch a fresh temporary profile (--user-data-dir);
            # HOME points into our temp dir so nothing is written to the user's home.
            browser = pw.chromium.launch(
                executable_path=str(settings.chromium),
                headless=True,
                args=list(CHROMIUM_ARGS),
                env={
                    **os.environ,
                    "HOME": profile,
                    "XDG_CONFIG_HOME": profile,
                    "XDG_CACHE_HOME": profile,
                },
            )
        except PlaywrightError as exc:
            raise BrowserUnavailable.of(
                N_("Chromium at {path} did not start: {reason}"),
                path=settings.chromium,
                reason=exc.message.splitlines()[0],
            ) from exc
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def open_map(
    browser: Browser,
    path: Path | str,
    *,
    offline: bool = True,
    viewport: tuple[int, int] = (1400, 900),
    timeout_s: float = 60.0,
    wait_ready: bool = True,
    media: str | None = None,
) -> Iterator[MapPage]:
    """Open the map HTML file at ``path`` and wait until its layers are built.

    Parameters
    ----------
    offline
        Cut the network: the context is offline and every non-``file:``/``data:`` request is
        aborted and recorded in :attr:`MapPage.blocked`.
    wait_ready
        Wait for ``window.pantau.ready()`` (clustered layers loaded).
    media
        ``"print"`` lays the page out as printed: every control (zoom, full screen, measure,
        layers, minimap, period sliders) hidden; title block, legend, scale and attribution kept.

    Examples
    --------
    >>> from geo.maps.briefing import save_html
    >>> from geo.maps.options import MapOptions
    >>> m = geo.maps.overview(engine, MapOptions(offline=True), settings=settings.maps)
    >>> _ = save_html(m, "out/map.html")
    >>> with chromium(settings=settings.maps) as b, open_map(b, "out/map.html") as mp:
    ...     print(mp.errors)
    []
    """
    url = Path(path).resolve().as_uri()
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]}, offline=offline
    )
    result: MapPage | None = None
    try:
        page = context.new_page()
        if media is not None:
            page.emulate_media(media=media)  # type: ignore[arg-type]  # "print" or "screen"
        result = MapPage(page)
        mp = result

        def on_console(msg: Any) -> None:
            if msg.type == "error":
                mp.errors.append(msg.text)

        page.on("console", on_console)
        page.on("pageerror", lambda exc: mp.errors.append(f"pageerror: {exc} {exc.stack}"))
        page.on(
            "requestfailed",
            lambda req: mp.failed.append(f"{req.url[:200]}: {req.failure}"),
        )

        if offline:

            def guard(route: Route) -> None:
                req_url = route.request.url
                if req_url.startswith(("file:", "data:", "blob:")):
                    route.continue_()
                else:
                    mp.blocked.append(req_url)
                    route.abort("internetdisconnected")

            context.route("**/*", guard)
        page.goto(url, wait_until="load", timeout=timeout_s * 1000)
        if wait_ready:
            deadline = time.monotonic() + timeout_s
            ready = False
            while time.monotonic() < deadline:
                ready = bool(page.evaluate("() => !!(window.pantau && window.pantau.ready())"))
                if ready or any(e.startswith("pageerror") for e in mp.errors):
                    break
                page.wait_for_timeout(50)
            if ready:
                # Two animation frames so that what was just laid out is also painted.
                page.evaluate(_TWO_FRAMES)
            else:
                raise PantauError(
                    f"the map in {path} did not become ready within {timeout_s} s; console "
                    f"errors: {mp.errors[:5]}; blocked requests: {mp.blocked[:5]}"
                )
        yield result
    finally:
        context.close()
