from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pytest

from geo.errors import ValidationError
from geo.maps import LAYERS, Period, map_info, parse_period
from geo.maps.assets import remote_references

from .conftest import draw


def _period(today: dt.date) -> Period:
    return Period(today - dt.timedelta(days=364), today)


def test_counts_per_layer(frames: dict[str, gpd.GeoDataFrame], today: dt.date) -> None:
    m = draw(**frames, period=_period(today), offline=True)
    counts = map_info(m).counts
    anonim = frames["reports"]["confidentiality"].eq("anonim")
    assert counts["sites"] == 12
    assert counts["reports"] == anonim.sum()
    recent = frames["reports"]["received_at"] >= frames["reports"]["received_at"].max() - (
        dt.timedelta(days=90)
    )
    assert 0 < counts["heat"] <= (anonim & recent).sum() + 1
    assert counts["hotspots"] == 2 and counts["bases"] == 2
    assert counts["routes:A"] == 2 and counts["routes:B"] == 1


def test_period_leaves_out_older_reports(
    frames: dict[str, gpd.GeoDataFrame], today: dt.date
) -> None:
    short = Period(today - dt.timedelta(days=29), today)
    counts = map_info(draw(**frames, period=short)).counts
    received = frames["reports"]["received_at"].dt.date
    expected = (frames["reports"]["confidentiality"].eq("anonim") & (received >= short.start)).sum()
    assert counts["reports"] == expected < 40


def test_layers_can_be_chosen(frames: dict[str, gpd.GeoDataFrame], today: dt.date) -> None:
    m = draw(**frames, period=_period(today), layers=["sites", "bases"])
    assert set(map_info(m).counts) == {"sites", "bases"}


def test_unknown_layer_is_refused(sites: gpd.GeoDataFrame) -> None:
    with pytest.raises(ValidationError) as err:
        draw(sites=sites, layers=["sites", "volcanoes"])
    assert err.value.field == "layers" and "volcanoes" in err.value.message


def test_labels_follow_the_language(frames: dict[str, gpd.GeoDataFrame], today: dt.date) -> None:
    html_id = draw(**frames, period=_period(today), demo=True).get_root().render()
    html_en = draw(**frames, period=_period(today), lang="en", demo=True).get_root().render()
    assert "Lokasi PETI" in html_id and "data demo sintetis" in html_id
    assert "PETI sites" in html_en and "synthetic demo data" in html_en
    assert "Lokasi PETI" not in html_en


def test_offline_html_has_no_remote_reference(
    frames: dict[str, gpd.GeoDataFrame], today: dt.date
) -> None:
    html = draw(**frames, period=_period(today), offline=True).get_root().render()
    assert remote_references(html) == []
    online = draw(**frames, period=_period(today)).get_root().render()
    assert "tile.openstreetmap.org" in online and "World_Imagery" in online


def test_user_tiles_are_a_relative_template(sites: gpd.GeoDataFrame) -> None:
    html = draw(sites=sites, offline=True, tiles="tiles/{z}/{x}/{y}.png").get_root().render()
    assert '"tiles/{z}/{x}/{y}.png"' in html and remote_references(html) == []


def test_payloads_never_appear_raw_in_the_page(
    frames: dict[str, gpd.GeoDataFrame], today: dt.date
) -> None:
    html = draw(**frames, period=_period(today), offline=True).get_root().render()
    assert "onerror=" in html  # the text is there, as data...
    assert '<img src=x onerror="window.pwned' not in html  # ...never as markup
    assert "<script>window.pwned" not in html
    assert "<b>Tenggarong</b>" not in html


def test_parse_period() -> None:
    assert parse_period("2026-01-01..2026-01-31") == Period(
        dt.date(2026, 1, 1), dt.date(2026, 1, 31)
    )
    assert parse_period("7d", today=dt.date(2026, 1, 7)).start == dt.date(2026, 1, 1)
    for bad in ("2026-02-01..2026-01-01", "last week", "2026-13-01..2026-12-01"):
        with pytest.raises(ValidationError) as err:
            parse_period(bad)
        assert err.value.field == "period"


def test_every_layer_key_is_known() -> None:
    assert set(LAYERS) == {
        *("admin", "forest", "wiup", "hotspots", "alerts"),
        *("sites", "reports", "heat", "bases", "routes"),
    }


def test_site_cards_count_visible_reports_also_when_shared(
    frames: dict[str, gpd.GeoDataFrame], today: dt.date
) -> None:
    reports = frames["reports"]
    visible = reports[
        (reports["confidentiality"] == "anonim") & (reports["site_code"] == "TST-001")
    ]
    assert len(visible) == 4
    for share in (False, True):
        html = draw(**frames, period=_period(today), share=share).get_root().render()
        card = html.split('"title":"TST-001 Tambang Uji 1"')[1].split("}")[0]
        assert f'["Jumlah laporan","{len(visible)}"]' in card
