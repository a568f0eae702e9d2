"""Classification against hand-made geometries, in PostGIS."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from shapely.geometry import Point, box
from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from geo.layers.classify import classify_objects, matches_query, objects_cte
from geo.layers.config import LayerSettings
from geo.layers.models import LayerClassification
from tests.geo.layers.conftest import add_site, load

ON = dt.date(2026, 6, 1)


def classes(session: Session) -> dict[str, LayerClassification]:
    rows = session.scalars(
        select(LayerClassification).where(LayerClassification.object_kind == "site")
    ).all()
    return {r.object_code: r for r in rows}


def test_inside_outside_and_expired(layered: Session) -> None:
    summary = classify_objects(session=layered, settings=LayerSettings(), on=ON)
    c = classes(layered)
    assert c["T-OP"].permit_class == "WIUP_OP" and c["T-OP"].permit_share == 1.0
    assert c["T-OP"].permit["kode_wiup"] == "W-OP"
    # The permit's commodity (coal) decides the authority, not the site's guess (rock).
    assert c["T-OP"].authority == "PUSAT"
    assert c["T-EKS"].permit_class == "WIUP_EKSPLORASI" and c["T-EKS"].authority == "PROVINSI"
    assert c["T-EXP"].permit_class == "WIUP_BERAKHIR"
    assert c["T-OUT"].permit_class == "LUAR_WIUP" and c["T-OUT"].permit is None
    assert c["T-OUT"].authority == "PROVINSI"  # from the site's commodity, sand
    assert c["T-OP"].wiup_snapshot_date == dt.date(2026, 5, 1)
    assert c["T-OP"].forest_snapshot_date == dt.date(2026, 4, 1)
    assert summary.by_class["WIUP_OP"] >= 2 and summary.tolerance_m == 50


def test_edge_within_and_beyond_the_tolerance(layered: Session) -> None:
    classify_objects(session=layered, settings=LayerSettings(), on=ON)
    c = classes(layered)
    assert c["T-EDGE-IN"].permit_class == "WIUP_OP"
    assert c["T-EDGE-IN"].permit_share == 0.0
    assert c["T-EDGE-IN"].permit_distance_m == pytest.approx(30, abs=1)
    assert c["T-EDGE-OUT"].permit_class == "LUAR_WIUP"
    classify_objects(session=layered, settings=LayerSettings(tolerance_m=100), on=ON)
    assert classes(layered)["T-EDGE-OUT"].permit_class == "WIUP_EKSPLORASI"
    classify_objects(session=layered, settings=LayerSettings(tolerance_m=10), on=ON)
    assert classes(layered)["T-EDGE-IN"].permit_class == "LUAR_WIUP"


def test_expired_by_the_evaluation_date(layered: Session) -> None:
    classify_objects(session=layered, settings=LayerSettings(), on=dt.date(2029, 12, 31))
    assert classes(layered)["T-EKS"].permit_class == "WIUP_EKSPLORASI"
    classify_objects(session=layered, settings=LayerSettings(), on=dt.date(2030, 1, 2))
    assert classes(layered)["T-EKS"].permit_class == "WIUP_BERAKHIR"
    # The production permit ends in 2040 (epoch milliseconds in the file).
    classify_objects(session=layered, settings=LayerSettings(), on=dt.date(2040, 1, 2))
    assert classes(layered)["T-OP"].permit_class == "WIUP_BERAKHIR"


def test_polygon_overlap_shares_with_permits_and_forest(layered: Session) -> None:
    classify_objects(session=layered, settings=LayerSettings(), on=ON)
    half = classes(layered)["T-HALF"]
    assert half.permit_class == "WIUP_OP"
    assert half.permit_share == pytest.approx(0.5, abs=0.01)
    assert half.forest_shares == {
        "HUTAN_LINDUNG": pytest.approx(0.25, abs=0.01),
        "HUTAN_PRODUKSI_KONVERSI": pytest.approx(0.75, abs=0.01),
    }
    assert half.forest_flags == ["HUTAN_PRODUKSI_KONVERSI", "HUTAN_LINDUNG"]
    assert classes(layered)["T-OP"].forest_flags == ["HUTAN_LINDUNG"]
    assert classes(layered)["T-OUT"].forest_flags == []
    assert half.moratorium is None  # no PIPPIB layer imported


def test_without_layers_the_permit_class_is_unknown(session: Session) -> None:
    add_site(session, "T-NONE", Point(117.005, 0.005))
    classify_objects(session=session, settings=LayerSettings(), on=ON)
    row = classes(session)["T-NONE"]
    assert row.permit_class is None and row.wiup_snapshot_id is None


def test_reports_and_the_moratorium_layer(layered: Session, tmp_path: Path) -> None:
    row = layered.execute(
        text(
            "INSERT INTO reports (code, channel, received_at, location_source, geom,"
            " commodity_guess) VALUES ('T-RPT-1', 'hotline', now(), 'device_gps',"
            " ST_SetSRID(ST_MakePoint(117.025, 0.005), 4326), 'emas') RETURNING id"
        )
    ).scalar_one()
    load(layered, tmp_path, "pippib", [(box(117.02, 0.0, 117.021, 0.01), {"NAMOBJ": "PIPPIB"})])
    classify_objects(session=layered, settings=LayerSettings(), on=ON)
    report = layered.scalars(
        select(LayerClassification).where(
            LayerClassification.object_kind == "report", LayerClassification.object_id == row
        )
    ).one()
    # Inside the exploration permit of rock: the permit's commodity decides the authority.
    assert report.permit_class == "WIUP_EKSPLORASI" and report.authority == "PROVINSI"
    assert report.moratorium is False  # 117.025 is about 440 m from the PIPPIB strip
    c = classes(layered)
    assert c["T-EKS"].moratorium is False and c["T-OP"].moratorium is False
    add_site(layered, "T-PIP", Point(117.0205, 0.005))
    classify_objects(session=layered, settings=LayerSettings(), on=ON)
    assert classes(layered)["T-PIP"].moratorium is True
    assert classes(layered)["T-PIP"].pippib_snapshot_date is not None


def test_hotspot_hulls_are_classified(layered: Session) -> None:
    hotspot = layered.execute(
        text(
            "INSERT INTO hotspots (centroid, hull, report_count, reporter_count, channels,"
            " first_seen, last_seen, eps_m, min_reports) VALUES ("
            " ST_SetSRID(ST_MakePoint(117.0095, 0.005), 4326),"
            " ST_MakeEnvelope(117.008, 0.004, 117.012, 0.006, 4326),"
            " 3, 3, ARRAY['hotline'], now(), now(), 300, 3) RETURNING id"
        )
    ).scalar_one()
    classify_objects(session=layered, settings=LayerSettings(), on=ON)
    row = layered.scalars(
        select(LayerClassification).where(
            LayerClassification.object_kind == "hotspot", LayerClassification.object_id == hotspot
        )
    ).one()
    assert row.object_code.startswith("HS-")
    assert row.permit_class == "WIUP_OP" and row.permit_share == pytest.approx(0.5, abs=0.01)
    assert row.authority == "PUSAT"  # a hotspot has no commodity: the permit's decides


def test_the_tolerance_search_uses_the_geography_index(layered: Session) -> None:
    query = matches_query(objects_cte(["site"]), 1, 50.0, by_feature=True)
    compiled = query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    layered.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(r[0] for r in layered.execute(text(f"EXPLAIN {compiled}")))
    # geography(geom) must match the (geom::geography) expression indexes on either side.
    assert "ix_layer_features_geog" in plan or "ix_sites_geog" in plan
    assert "_st_expand(geography(" in plan
