"""The map layers and the overview map from a real PostGIS database with the demo registry."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from geo.maps import MapOptions, Period, map_info, overview
from geo.maps.sources import load_all, load_overdue

from .conftest import NOW, map_settings


def test_load_all_brings_every_library_layer(map_engine: Engine) -> None:
    data = load_all(map_engine, period=Period(dt.date(2025, 11, 21), NOW.date()))
    assert len(data.sites) == 108 and data.demo
    assert data.sites["priority"].notna().all()
    # Score inputs, so that each map words the reasons in its own language.
    assert all(isinstance(r, dict) and "pts_reports" in r for r in data.sites["priority_reasons"])
    assert data.reports is not None and len(data.reports) == 24
    assert "reporter_name" not in data.reports.columns
    assert data.routes is None  # no patrol plan saved in this database
    assert data.bases is not None and len(data.bases) >= 4


def test_overview_counts(map_engine: Engine) -> None:
    options = MapOptions(period=Period(dt.date(2025, 11, 21), NOW.date()), offline=True)
    m = overview(map_engine, options, settings=map_settings())
    counts = map_info(m).counts
    assert counts["sites"] == 108
    assert counts["reports"] == 18  # the 6 rahasia reports are not drawn
    site_cards = [c for c in m.get_root().render().split('"_card"')[1:] if "Jumlah laporan" in c]
    assert site_cards


def test_reasons_follow_the_map_language(map_engine: Engine) -> None:
    period = Period(dt.date(2025, 11, 21), NOW.date())
    reasons = {
        lang: map_info(
            overview(map_engine, MapOptions(period=period, lang=lang), settings=map_settings())
        ).sites["priority_reasons"]
        for lang in ("id", "en")
    }
    indonesian = " ".join(" ".join(r) for r in reasons["id"])
    english = " ".join(" ".join(r) for r in reasons["en"])
    assert "hari sejak pemeriksaan" in indonesian and "days since" not in indonesian
    assert "days since inspection" in english and "hari sejak" not in english
    assert [len(r) for r in reasons["id"]] == [len(r) for r in reasons["en"]]


def test_overdue_table_carries_confidentiality(map_engine: Engine) -> None:
    frame = load_overdue(map_engine, now=NOW)
    assert {"code", "clock", "due", "days_overdue", "confidentiality"} <= set(frame.columns)
    assert len(frame) > 0 and frame["confidentiality"].isin(["rahasia", "anonim"]).all()
