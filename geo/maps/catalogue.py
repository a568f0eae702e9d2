"""The one message catalogue for every label on a map or briefing, in Bahasa Indonesia and English.

Labels live in ``messages.json`` beside this module, one object per language with the same keys,
so that a translator edits one file and a test can prove both languages are complete.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Final

from geo.errors import ValidationError

__all__ = ["LANGUAGES", "Catalogue", "catalogue"]

#: Languages the catalogue carries; the first is the default.
LANGUAGES: Final[tuple[str, ...]] = ("id", "en")


@lru_cache(maxsize=1)
def _messages() -> dict[str, dict[str, str]]:
    text = resources.files("geo.maps").joinpath("messages.json").read_text(encoding="utf-8")
    data: dict[str, dict[str, str]] = json.loads(text)
    return data


class Catalogue:
    """Labels of one language; ``cat("layer_sites")`` returns the label for that key.

    Parameters
    ----------
    lang : str
        ``"id"`` (Bahasa Indonesia) or ``"en"``.

    Examples
    --------
    >>> Catalogue("en")("layer_sites")
    'PETI sites'
    >>> Catalogue("id").status("sealed")
    'Disegel'
    """

    def __init__(self, lang: str = "id") -> None:
        if lang not in LANGUAGES:
            raise ValidationError(
                f"`lang` was {lang!r} but is expected to be one of {list(LANGUAGES)}", field="lang"
            )
        self.lang = lang
        self._table = _messages()[lang]

    def __call__(self, key: str) -> str:
        """Return the label of ``key``; a missing key is a programming error (KeyError)."""
        try:
            return self._table[key]
        except KeyError:
            raise KeyError(f"message {key!r} is missing from the {self.lang!r} catalogue") from None

    def message(self, key: str, *, default: str) -> str:
        """Return the label of ``key``, or ``default`` when the catalogue has none."""
        return self._table.get(key, default)

    def status(self, status: str) -> str:
        """Label of a site status code; unknown codes are shown as they are."""
        return self._table.get(f"status_{status}", status)

    def commodity(self, commodity: str) -> str:
        """Label of a commodity code; unknown codes are shown as they are."""
        return self._table.get(f"commodity_{commodity}", commodity)

    def message_keys(self) -> frozenset[str]:
        """Every message key of this language."""
        return frozenset(self._table)


def catalogue(lang: str = "id") -> Catalogue:
    """Return the catalogue for ``lang`` (``"id"`` by default).

    Examples
    --------
    >>> catalogue()("legend")
    'Legenda'
    """
    return Catalogue(lang)
