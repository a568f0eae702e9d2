"""The one message catalogue: every string a person reads, in Bahasa Indonesia first, then English.

Strings are marked in the code with gettext calls (``t.gettext("Sites")``, ``t.pgettext("status",
"suspected")``, ``N_("...")`` for a string translated later) and extracted by Babel into
``geo/locale/messages.pot`` (``make messages``); the translations live in
``geo/locale/<lang>/LC_MESSAGES/messages.po``. The ``.po`` files are read at run time and
compiled in memory, so no binary catalogue is committed or built. Codes stay in English in the code
and the data (``suspected``, ``too_far``); people read catalogue entries. Dates and numbers are
formatted with Babel's locale data (1.234,5; 27 Maret 2026).

Examples
--------
>>> t = translator("id")
>>> t.pgettext("site status", "suspected")
'Diduga'
>>> translator("en").pgettext("site status", "suspected")
'Suspected'
>>> t.number(1234.5, digits=1)
'1.234,5'
>>> import datetime
>>> t.date(datetime.date(2026, 3, 27))
'27 Maret 2026'
"""

from __future__ import annotations

import datetime as dt
import io
from functools import lru_cache
from importlib import resources
from typing import Final

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

from geo.errors import N_, ValidationError

__all__ = ["LANGUAGES", "DEFAULT_LANGUAGE", "Translator", "translator", "check_language", "N_"]

#: Languages the catalogue carries; the first is the default.
LANGUAGES: Final[tuple[str, ...]] = ("id", "en")
DEFAULT_LANGUAGE: Final[str] = LANGUAGES[0]


def check_language(lang: str) -> str:
    """Return ``lang`` when the catalogue has it, else raise a :class:`ValidationError`."""
    if lang not in LANGUAGES:
        raise ValidationError(
            f"`lang` was {lang!r} but is expected to be one of {list(LANGUAGES)}", field="lang"
        )
    return lang


@lru_cache(maxsize=len(LANGUAGES))
def _translations(lang: str) -> Translations:
    po = resources.files("geo").joinpath("locale", lang, "LC_MESSAGES", "messages.po")
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain="messages")


class Translator:
    """The catalogue in one language, with Babel's number and date formats for its locale.

    Parameters
    ----------
    lang : str
        ``"id"`` (Bahasa Indonesia, the default) or ``"en"``.
    """

    def __init__(self, lang: str = DEFAULT_LANGUAGE) -> None:
        self.lang = check_language(lang)
        self.locale = Locale.parse(lang)
        self._t = _translations(lang)

    def gettext(self, message: str, **values: object) -> str:
        """Return ``message`` translated, with ``{name}`` fields filled from ``values``."""
        text = str(self._t.gettext(message))
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        """Return the singular or plural form for ``n``; ``{n}`` is filled in as well."""
        text = str(self._t.ngettext(singular, plural, n))
        return text.format(n=self.number(n), **values)

    def pgettext(self, context: str, message: str, **values: object) -> str:
        """Return ``message`` translated in ``context`` (e.g. a vocabulary: ``"site status"``)."""
        text = str(self._t.pgettext(context, message))
        return text.format(**values) if values else text

    def number(self, value: float, *, digits: int = 0) -> str:
        """Format a number as people of this locale read it (``1.234,5`` in Indonesian)."""
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, value: float, *, digits: int = 0) -> str:
        """Format a share (0.25) as a percentage (``25%``)."""
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "%"
        return format_percent(value, format=pattern, locale=self.locale)

    def date(self, value: dt.date, *, format: str = "long") -> str:  # noqa: A002 - Babel's name
        """Format a date (``27 Maret 2026``)."""
        return format_date(value, format=format, locale=self.locale)

    def datetime(
        self, value: dt.datetime, *, format: str = "medium", tzinfo: dt.tzinfo | None = None
    ) -> str:  # noqa: A002 - Babel's name
        """Format a date and time, in ``tzinfo`` when given."""
        return format_datetime(value, format=format, tzinfo=tzinfo, locale=self.locale)


@lru_cache(maxsize=len(LANGUAGES))
def translator(lang: str = DEFAULT_LANGUAGE) -> Translator:
    """Return the (cached) :class:`Translator` of ``lang``."""
    return Translator(lang)
