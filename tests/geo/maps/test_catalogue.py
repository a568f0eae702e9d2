from __future__ import annotations

import pytest

from geo.errors import ValidationError
from geo.maps.catalogue import LANGUAGES, Catalogue
from geo.vocab import COMMODITIES, SITE_STATUSES


def test_every_language_has_every_key() -> None:
    keys = {lang: Catalogue(lang).message_keys() for lang in LANGUAGES}
    assert keys["id"] == keys["en"]


def test_every_status_and_commodity_is_translated() -> None:
    for lang in LANGUAGES:
        cat = Catalogue(lang)
        for status in SITE_STATUSES:
            assert cat.status(status) != status
            assert f"status_{status}" in cat.message_keys()
        for commodity in COMMODITIES:
            assert f"commodity_{commodity}" in cat.message_keys()


def test_indonesian_is_the_default_and_english_differs() -> None:
    assert Catalogue()("legend") == "Legenda"
    assert Catalogue("en")("legend") == "Legend"


def test_unknown_language_names_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        Catalogue("fr")
    assert err.value.field == "lang"
    assert "'fr'" in err.value.message
