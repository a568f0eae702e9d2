"""The one message catalogue: every string marked in the code has an Indonesian entry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from geo.errors import ValidationError
from geo.i18n import LANGUAGES, Translator, translator

ROOT = Path(__file__).resolve().parents[2]


def _marked() -> set[tuple[str | None, str]]:
    """Every (context, msgid) the code marks for translation, as ``make messages`` finds them."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: set[tuple[str | None, str]] = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.add((context, msgid))
    return found


def _catalogue(lang: str):  # type: ignore[no-untyped-def]
    with (ROOT / "geo" / "locale" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def test_the_code_marks_strings_and_the_extractor_finds_them() -> None:
    marked = _marked()
    assert ("site status", "suspected") in marked  # a vocabulary label marked in the code
    assert len(marked) > 5


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_marked_string_has_an_entry(lang: str) -> None:
    catalogue = _catalogue(lang)
    missing = []
    for context, msgid in sorted(_marked(), key=lambda m: (m[0] or "", m[1])):
        entry = catalogue.get(msgid, context=context)
        if entry is None or entry.fuzzy:
            missing.append((context, msgid))
        elif lang == "id" and not entry.string:
            missing.append((context, msgid))  # Indonesian first: never fall back to the code
    assert not missing, f"{lang}: {len(missing)} string(s) without an entry: {missing[:20]}"


def test_translator_formats_numbers_and_dates_in_indonesian() -> None:
    t = translator("id")
    assert t.number(1234567.891, digits=2) == "1.234.567,89"
    assert t.date(dt.date(2026, 3, 17)) == "17 Maret 2026"
    assert translator("en").date(dt.date(2026, 3, 17)) == "March 17, 2026"


def test_unknown_language_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match="lang"):
        Translator("fr")


def test_every_site_status_has_a_label_in_both_languages() -> None:
    from geo.labels import site_status_labels
    from geo.vocab import SITE_STATUSES

    for lang in LANGUAGES:
        labels = site_status_labels(translator(lang))
        assert set(labels) == set(SITE_STATUSES)
        assert all(labels[c] != c for c in SITE_STATUSES), labels  # never the raw code
