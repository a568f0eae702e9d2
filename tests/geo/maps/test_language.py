"""Maps speak the reader's language: every label from the one catalogue, no vocabulary code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import geopandas as gpd
import pytest

from geo import labels
from geo.errors import ValidationError
from geo.hotspots.clustering import HOTSPOT_STATUSES
from geo.i18n import LANGUAGES, Translator, translator
from geo.maps import MapOptions, map_info
from geo.reports.models import CHANNELS, REPORT_STATUSES
from geo.vocab import COMMODITIES, RISK_LEVELS, SITE_STATUSES

from .conftest import draw

VOCABULARIES: list[tuple[Callable[[Translator], dict[str, str]], tuple[str, ...]]] = [
    (labels.site_status_labels, SITE_STATUSES),
    (labels.commodity_labels, COMMODITIES),
    (labels.risk_level_labels, RISK_LEVELS),
    (labels.report_status_labels, REPORT_STATUSES),
    (labels.channel_labels, CHANNELS),
    (labels.hotspot_status_labels, HOTSPOT_STATUSES),
    (labels.clock_rule_labels, ("verify", "follow_up", "resolution")),
]


@pytest.mark.parametrize(("vocabulary", "codes"), VOCABULARIES)
def test_every_code_of_every_vocabulary_has_a_label(
    vocabulary: Callable[[Translator], dict[str, str]], codes: tuple[str, ...]
) -> None:
    by_lang = {lang: vocabulary(translator(lang)) for lang in LANGUAGES}
    for lang, table in by_lang.items():
        assert set(table) == set(codes), (vocabulary.__name__, lang)
        # Commodities are stored in Indonesian: their Indonesian label may be the word itself,
        # capitalised; every other code is English and must never show raw.
        assert all(table[c] != c for c in codes), (vocabulary.__name__, lang, table)
    assert by_lang["id"] != by_lang["en"], vocabulary.__name__


def test_indonesian_is_the_default_and_english_differs(sites: gpd.GeoDataFrame) -> None:
    assert MapOptions().lang == "id"
    assert map_info(draw(sites=sites)).title == "Peta Pemantauan PETI Kalimantan Timur"
    english = map_info(draw(sites=sites, lang="en")).title
    assert english == "Illegal Mining (PETI) Monitoring Map, East Kalimantan"


def test_unknown_language_names_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        MapOptions(lang="fr")
    assert err.value.field == "lang"
    assert "'fr'" in err.value.message


#: English words and raw codes an Indonesian map must not show.
ENGLISH = (
    '"suspected"',
    '"active"',
    '"received"',
    '"hotline"',
    "status active",
    "never inspected",
    "PETI sites",
    '"Legend"',
    "Public reports",
    "Candidate hotspots",
    "Field team bases",
    "Patrol route",
    "Why this priority",
    "Last inspection",
    "Open in the system",
    "Regency/city",
    "Full screen",
    "synthetic demo data",
    '"Period: ',
    '"Generated: ',
)
#: Indonesian labels an English map must not show.
INDONESIAN = (
    "Lokasi PETI",
    "Legenda",
    "Laporan masyarakat",
    "Hotspot kandidat",
    "Basis tim",
    "Rute patroli",
    "Alasan prioritas",
    "Pemeriksaan terakhir",
    "belum pernah",
    "Kabupaten/kota",
    "Layar penuh",
    "data demo sintetis",
    "Periode",
    "Dibuat",
    "Diduga",
    "Aktif",
    "Diterima",
    "Sumber data",
)


def test_indonesian_page_has_no_english_label_or_code(
    frames: dict[str, gpd.GeoDataFrame], today: dt.date
) -> None:
    from geo.maps import Period

    period = Period(today - dt.timedelta(days=364), today)
    html_id = draw(**frames, period=period, demo=True, base_url="/api").get_root().render()
    html_en = draw(**frames, period=period, demo=True, lang="en").get_root().render()
    found = [w for w in ENGLISH if w in html_id]
    assert not found, f"English in the Indonesian map: {found}"
    found = [w for w in INDONESIAN if w in html_en]
    assert not found, f"Indonesian in the English map: {found}"
    # ...and each list would catch its language: the other page does show them.
    assert '"Legend"' in html_en and '"Period: ' in html_en and "Legenda" in html_id
    assert '"Diterima"' in html_id and '"Received"' in html_en  # report status labels


def test_refused_options_can_be_read_in_indonesian() -> None:
    with pytest.raises(ValidationError) as err:
        MapOptions(layers=["sites", "volcanoes"])
    assert "unknown key(s) ['volcanoes']" in str(err.value)  # logs and tests stay English
    assert "tidak dikenal ['volcanoes']" in err.value.localized(translator("id"))
