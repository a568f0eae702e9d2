"""The optional map layers: permit areas (WIUP), forest estate and satellite alert patches."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from pathlib import Path

import folium
import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from geo import demo
from geo.alerts import service as alerts
from geo.alerts.config import ATTRIBUTION
from geo.db import make_engine, session_scope
from geo.i18n import translator
from geo.layers import service as layers
from geo.layers.config import PERMIT_CLASSES
from geo.maps import Period, map_info, sources
from geo.maps.briefing import top_sites
from geo.maps.briefing_data import load_briefing_data
from geo.maps.briefing_document import render_document
from geo.maps.build import build_map, overview
from geo.maps.elements import DataLayer
from geo.maps.options import MapOptions
from geo.settings import Settings

from .conftest import map_settings


def draw(*, sites: gpd.GeoDataFrame, lang: str = "id", **frames: gpd.GeoDataFrame) -> folium.Map:
    return build_map(sites=sites, **frames, options=MapOptions(lang=lang), settings=map_settings())


def _frames() -> dict[str, gpd.GeoDataFrame]:
    wiup = gpd.GeoDataFrame(
        {
            "kode_wiup": ["W-1", "W-2"],
            "nama_usaha": ["PT Contoh", "PT Lain"],
            "permit_class": ["WIUP_OP", "WIUP_BERAKHIR"],
            "snapshot_date": [dt.date(2026, 11, 1)] * 2,
        },
        geometry=[box(117.0, -0.5, 117.01, -0.49), box(117.02, -0.5, 117.03, -0.49)],
        crs=4326,
    )
    forest = gpd.GeoDataFrame(
        {"function": ["HUTAN_LINDUNG"], "name": ["HL Uji"]},
        geometry=[box(117.0, -0.6, 117.05, -0.55)],
        crs=4326,
    )
    patches = gpd.GeoDataFrame(
        {
            "code": ["AP-1"],
            "alert_count": [12],
            "candidate": [True],
            "first_date": ["2026-10-01"],
            "last_date": ["2026-10-09"],
            "permit_class": ["LUAR_WIUP"],
        },
        geometry=[box(117.1, -0.5, 117.101, -0.499)],
        crs=4326,
    )
    return {"wiup": wiup, "forest": forest, "alerts": patches}


def test_layers_are_drawn_hidden_named_and_alerts_attributed(
    sites: gpd.GeoDataFrame,
) -> None:
    m = draw(sites=sites, **_frames(), lang="id")
    counts = map_info(m).counts
    assert counts["wiup"] == 2 and counts["forest"] == 1 and counts["alerts"] == 1
    hidden = {c.key: c.show for c in m._children.values() if isinstance(c, DataLayer)}
    assert hidden["wiup"] is False and hidden["forest"] is False and hidden["alerts"] is False
    assert hidden["sites"] is True
    page = m.get_root().render()
    for name in ("Wilayah izin (WIUP)", "Kawasan hutan", "Peringatan satelit"):
        assert name in page
    assert "CC BY 4.0" in page and "Global Forest Watch" in page
    assert '"attribution"' in page  # Leaflet's attribution control shows it with the layer
    assert "Di dalam WIUP operasi produksi aktif" in page  # the class, in the card
    english = draw(sites=sites, **_frames(), lang="en").get_root().render()
    for name in ("Mining permit areas (WIUP)", "Forest estate", "Satellite alerts"):
        assert name in english


def test_no_attribution_without_alerts(sites: gpd.GeoDataFrame) -> None:
    frames = _frames()
    del frames["alerts"]
    page = draw(sites=sites, **frames).get_root().render()
    assert "Global Forest Watch" not in page


def _wiggly(x: float, y: float, n: int = 2000) -> Polygon:
    """A circle of about 1 km radius with ``n`` vertices, each off the circle by up to 2 m."""
    r, wobble = 0.009, 0.00002
    return Polygon(
        (
            x + (r + wobble * (i % 2)) * math.cos(2 * math.pi * i / n),
            y + (r + wobble * (i % 2)) * math.sin(2 * math.pi * i / n),
        )
        for i in range(n)
    )


def test_map_frame_simplifies_the_newest_snapshot(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    from tests.geo.layers.conftest import write_geojson

    shape = _wiggly(117.0, 0.0)
    path = write_geojson(tmp_path / "w.geojson", [(shape, {"kode_wiup": "W-1", "kegiatan": "OP"})])
    layers.import_layer(
        session=session, kind="wiup", path=path, actor="t", settings=settings, reclassify=False
    )
    frame = layers.map_frame(session=session, kind="wiup")
    assert frame is not None and list(frame["kode_wiup"]) == ["W-1"]
    assert frame["permit_class"].iloc[0] == "WIUP_OP"
    simple = frame.geometry.iloc[0]
    assert len(simple.exterior.coords) < len(shape.exterior.coords) / 10
    assert simple.hausdorff_distance(shape) < 25 / 111_320  # within the 20 m asked, and a bit


@pytest.fixture(scope="module")
def land_engine(fresh_database_url_module: str) -> Iterator[Engine]:
    """The demo registry, its synthetic layers and alerts, every site classified and scored."""
    engine = make_engine(fresh_database_url_module)
    settings = Settings(database={"url": fresh_database_url_module})
    demo.run(engine, settings=settings, full=False)
    with session_scope(engine) as session:
        for kind in ("wiup", "kawasan_hutan"):
            layers.import_layer(
                session=session,
                kind=kind,
                path=demo.DEMO_DIR / f"demo_{kind}.geojson",
                actor="t",
                settings=settings,
                reclassify=False,
            )
        alerts.import_alerts(
            session=session, settings=settings, path=demo.DEMO_DIR / "demo_alerts.json", actor="t"
        )
        layers.classify(session=session, settings=settings)
    yield engine
    engine.dispose()


def test_overview_from_the_database_has_the_demo_layers(land_engine: Engine) -> None:
    options = MapOptions(lang="en", period=Period.last(30))
    m = overview(land_engine, options, settings=map_settings())
    counts = map_info(m).counts
    assert counts["wiup"] > 10 and counts["forest"] > 5 and counts["alerts"] > 5
    page = m.get_root().render()
    assert ATTRIBUTION in page


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.split("</style>")[1]))


def test_briefing_shows_class_and_guidance_per_top_site_and_counts(land_engine: Engine) -> None:
    data = load_briefing_data(land_engine, period=Period.last(365))
    assert sum(data.classes[c] for c in PERMIT_CLASSES if c in data.classes) == 108
    assert set(PERMIT_CLASSES) <= set(data.classes)
    sites = sources.load_all(land_engine, period=Period.last(30)).sites
    tops = top_sites(sites, 10)
    words = {}
    for lang in ("id", "en"):
        page = render_document(png="", data=data, tops=tops, t=translator(lang), title="Peta")
        words[lang] = _text(page)
        assert page.count("<dt>") == len(tops) == 10  # guidance for every top site
    assert "Kelas indikatif" in words["id"] and "Lokasi per kelas" in words["id"]
    assert "bukan temuan hukum" in words["id"]
    assert "Sites per class" in words["en"] and "not a legal finding" in words["en"]
    luar = translator("id").pgettext("permit class", "LUAR_WIUP")
    assert f"{luar} {data.classes['LUAR_WIUP']}" in words["id"]  # the count table
    # Every top site has its guidance: the law its class points to, and its authority.
    for code in tops["code"]:
        assert f" {code} " in words["en"]
    assert "UU 3/2020" in words["en"]
    assert words["en"].count("Authority (indicative)") == len(tops)
