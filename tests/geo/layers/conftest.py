"""Hand-made permit and forest polygons near (117.0, 0.0), and helpers to store them.

0.01 degree is about 1.1 km here; 1 m of longitude is about 1 / 111,320 degree.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import Point, box, mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from geo.layers.config import LayerSettings
from geo.layers.importer import ImportSummary, import_layer
from geo.models import Site

M = 1 / 111_320  # one metre of longitude (or latitude) in degrees, at the equator

P_OP = box(117.00, 0.00, 117.01, 0.01)
P_EKS = box(117.02, 0.00, 117.03, 0.01)
P_EXP = box(117.04, 0.00, 117.05, 0.01)
EPOCH_2040 = int(dt.datetime(2040, 1, 1, tzinfo=dt.UTC).timestamp() * 1000)

WIUP_FEATURES: list[tuple[BaseGeometry, dict[str, Any]]] = [
    (
        P_OP,
        {
            "KODE_WIUP": "W-OP",
            "Kegiatan": "OPERASI PRODUKSI",
            "komoditas": "Batubara",
            "tgl_akhir": EPOCH_2040,
            "tgl_berlaku": "2020-01-01",
            "luas_sk": "123,5",
        },
    ),
    (
        P_EKS,
        {
            "kode_wiup": "W-EKS",
            "KEGIATAN": "Eksplorasi",
            "KOMODITAS": "Batuan",
            "TGL_AKHIR": "2030-01-01",
        },
    ),
    (
        P_EXP,
        {
            "kode_wiup": "W-EXP",
            "kegiatan": "Operasi Produksi",
            "komoditas": "Emas",
            "tgl_akhir": "2020-01-01T00:00:00Z",
        },
    ),
]

HL = box(117.0, 0.0, 117.0075, 0.01)
HPK = box(117.0075, 0.0, 117.02, 0.01)
FOREST_FEATURES: list[tuple[BaseGeometry, dict[str, Any]]] = [
    (HL, {"FUNGSIKWS": 1004, "NAMOBJ": "Hutan Lindung Uji"}),
    (HPK, {"fungsikws": "hpk"}),
]


def write_geojson(path: Path, features: list[tuple[BaseGeometry | None, dict[str, Any]]]) -> Path:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": mapping(g) if g is not None else None, "properties": p}
            for g, p in features
        ],
    }
    path.write_text(json.dumps(doc))
    return path


def load(
    session: Session,
    tmp_path: Path,
    kind: str,
    features: list[tuple[BaseGeometry | None, dict[str, Any]]],
    **kw: Any,
) -> ImportSummary:
    path = write_geojson(tmp_path / f"{kind}.geojson", features)
    return import_layer(
        session=session, kind=kind, path=path, actor="test", settings=LayerSettings(), **kw
    )


def add_site(session: Session, code: str, geom: BaseGeometry, commodity: str = "pasir") -> int:
    site = Site(
        code=code,
        name=code,
        kabupaten="Kutai Kartanegara",
        commodity=commodity,
        geom=from_shape(geom, srid=4326),
    )
    session.add(site)
    session.flush()
    return site.id


def east_of(x: float, metres: float, y: float = 0.005) -> Point:
    return Point(x + metres * M, y)


@pytest.fixture
def layered(session: Session, tmp_path: Path) -> Session:
    load(session, tmp_path, "wiup", WIUP_FEATURES, snapshot_date=dt.date(2026, 5, 1))
    load(session, tmp_path, "kawasan_hutan", FOREST_FEATURES, snapshot_date=dt.date(2026, 4, 1))
    add_site(session, "T-OP", Point(117.005, 0.005), commodity="batu")
    add_site(session, "T-EKS", Point(117.025, 0.005))
    add_site(session, "T-EXP", Point(117.045, 0.005))
    add_site(session, "T-OUT", Point(117.2, 0.005), commodity="pasir")
    add_site(session, "T-EDGE-IN", east_of(117.01, 30))
    add_site(session, "T-EDGE-OUT", east_of(117.03, 80))
    add_site(session, "T-HALF", box(117.005, 0.002, 117.015, 0.004))
    return session
