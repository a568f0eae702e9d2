"""The synthetic demo layers, placed around the demo sites, produce every class."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from geoalchemy2.shape import from_shape
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.layers import service
from geo.layers.config import FOREST_FUNCTIONS, PERMIT_CLASSES
from geo.layers.models import LayerClassification
from geo.models import Site
from geo.settings import Settings

DATA = Path(__file__).resolve().parents[3] / "data"


def _demo_sites(session: Session) -> None:
    doc = json.loads((DATA / "sites.geojson").read_text())
    for f in doc["features"]:
        p = f["properties"]
        session.add(
            Site(
                code="Z" + p["code"],
                name=p["name"],
                kabupaten=p["kabupaten"],
                commodity=p["commodity"],
                geom=from_shape(shape(f["geometry"]), srid=4326),
            )
        )
    session.flush()


def test_demo_layers_are_marked_synthetic() -> None:
    for name in ("demo_wiup.geojson", "demo_kawasan_hutan.geojson"):
        doc = json.loads((DATA / name).read_text())
        assert doc["synthetic"] is True
        assert all(f["properties"]["synthetic"] is True for f in doc["features"])


def test_demo_layers_produce_every_class(session: Session, settings: Settings) -> None:
    _demo_sites(session)
    on = dt.date(2026, 11, 1)
    for kind in ("wiup", "kawasan_hutan"):
        service.import_layer(
            session=session,
            kind=kind,
            path=DATA / f"demo_{kind}.geojson",
            actor="demo",
            settings=settings,
            snapshot_date=on,
            reclassify=False,
        )
    service.classify(session=session, settings=settings, on=on)
    rows = session.scalars(
        select(LayerClassification).where(LayerClassification.object_code.like("Z%"))
    ).all()
    assert len(rows) == 108
    assert {r.permit_class for r in rows} == set(PERMIT_CLASSES)
    assert {f for r in rows for f in r.forest_flags} == set(FOREST_FUNCTIONS)
    assert {r.authority for r in rows} == {"PROVINSI", "PUSAT"}
    assert any(0 < share < 1 for r in rows for share in r.forest_shares.values())


def test_generator_rewrites_the_demo_files_byte_for_byte(tmp_path: Path) -> None:
    import importlib.util
    import shutil

    spec = importlib.util.spec_from_file_location("gen_layers", DATA / "generate_layers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shutil.copy(DATA / "sites.geojson", tmp_path / "sites.geojson")
    written = module.write(tmp_path)
    assert [p.name for p in written] == [
        "demo_wiup.geojson",
        "demo_kawasan_hutan.geojson",
        "demo_alerts.json",
    ]
    for path in written:
        assert path.read_bytes() == (DATA / path.name).read_bytes(), path.name
    alerts = json.loads((DATA / "demo_alerts.json").read_text())
    assert alerts["synthetic"] is True and "SINTETIS" in alerts["keterangan"]
