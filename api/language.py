"""The reader's language from a request's ``Accept-Language`` header.

The catalogue carries :data:`geo.i18n.LANGUAGES` (``id`` first, ``en`` second). A request that
asks for none of them, or sends no header, reads the application's default language
(``PANTAU_LANGUAGE``, ``id`` unless set).
"""

from __future__ import annotations

from fastapi import Request

from geo.i18n import DEFAULT_LANGUAGE, LANGUAGES

__all__ = ["negotiate", "request_language"]


def _quality(param: str) -> float:
    name, _, value = param.strip().partition("=")
    if name.strip().lower() != "q":
        return 1.0
    try:
        return max(0.0, min(1.0, float(value)))
    except ValueError:
        return 0.0


def negotiate(header: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Return the catalogue language ``header`` prefers most, else ``default``.

    Only the primary subtag counts (``en-GB`` asks for ``en``); a quality of 0 refuses a language
    and ``*`` accepts the default.

    Examples
    --------
    >>> negotiate("en-GB,en;q=0.9")
    'en'
    >>> negotiate("fr, en;q=0.5, id;q=0.8")
    'id'
    >>> negotiate(None), negotiate("de"), negotiate("*", default="en")
    ('id', 'id', 'en')
    """
    if not header:
        return default
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, *params = item.split(";")
        primary = tag.strip().lower().split("-")[0]
        quality = min((_quality(p) for p in params), default=1.0)
        if quality <= 0:
            continue
        lang = default if primary == "*" else primary
        if lang in LANGUAGES:
            ranked.append((-quality, position, lang))
    return min(ranked)[2] if ranked else default


def request_language(request: Request) -> str:
    """Return the language of ``request``'s reader (the app's ``language`` setting by default)."""
    settings = getattr(request.app.state, "settings", None)
    default = settings.language if settings is not None else DEFAULT_LANGUAGE
    return negotiate(request.headers.get("accept-language"), default)
