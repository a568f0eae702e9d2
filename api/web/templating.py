"""Jinja2 templates rendered in the reader's language from the one message catalogue.

Templates live in ``templates/`` folders under :mod:`api.web` (``babel.cfg`` extracts their
strings into the catalogue with ``make messages``). Every string a person reads is written as
``{{ _("English msgid {name}", name=value) }}`` or ``{{ pgettext("context", "code") }}``: the
functions are the reader's :class:`~geo.i18n.Translator`, handed to each render, so the same
template serves Indonesian and English. Autoescaping is always on; a translated string with
placeholders is escaped like any other value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from api.language import request_language
from geo.i18n import LANGUAGES, Translator, translator
from geo.settings import Settings

__all__ = ["TEMPLATES", "LANGUAGE_COOKIE", "environment", "page_context", "reader", "render"]

#: The cookie that keeps a reader's choice of language between pages.
LANGUAGE_COOKIE = "pantau_lang"

#: The folder of the shared templates (``base.html``); page packages add their own folders.
TEMPLATES = Path(__file__).resolve().parent / "templates"


def environment(*folders: Path) -> Environment:
    """Return a Jinja2 environment over ``folders`` and the shared templates, always escaping.

    Examples
    --------
    >>> env = environment()
    >>> env.from_string("{{ x }}").render(x="<b>")
    '&lt;b&gt;'
    """
    return Environment(
        loader=FileSystemLoader([*map(str, folders), str(TEMPLATES)]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def page_context(t: Translator, **values: Any) -> dict[str, Any]:
    """Return the names every template may use: the language and the catalogue functions.

    Examples
    --------
    >>> from geo.i18n import translator
    >>> ctx = page_context(translator("id"))
    >>> ctx["lang"], ctx["_"]("Skip to main content")
    ('id', 'Langsung ke isi utama')
    """
    return {
        "lang": t.lang,
        "t": t,
        "_": t.gettext,
        "gettext": t.gettext,
        "ngettext": t.ngettext,
        "pgettext": t.pgettext,
        **values,
    }


def agency_of(request: Request) -> str:
    """Return the agency of the application's province (``Dinas ESDM Provinsi ...``)."""
    settings: Settings = request.app.state.settings
    return settings.province_profile.agency


def reader(request: Request) -> Translator:
    """Return the catalogue of ``request``'s reader.

    ``?lang=`` first, else the language cookie, else ``Accept-Language``, else the
    application's default (Indonesian).
    """
    for choice in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if choice in LANGUAGES:
            return translator(choice)
    return translator(request_language(request))


def render(
    env: Environment,
    request: Request,
    name: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **values: Any,
) -> HTMLResponse:
    """Render template ``name`` for ``request``'s reader as an HTML response.

    Every page also gets ``agency``: the configured province's agency, for footers and titles.
    """
    t = reader(request)
    context = page_context(t, request=request, agency=agency_of(request), **values)
    html = env.get_template(name).render(context)
    return HTMLResponse(html, status_code=status_code, headers=headers)
