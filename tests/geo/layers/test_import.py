"""Importing layers: formats, odd encodings, clear errors, snapshots and MapServer paging."""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.parse
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box, mapping
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.errors import InputFileError, ValidationError
from geo.layers import service
from geo.layers.classify import classify_objects
from geo.layers.config import LayerSettings
from geo.layers.importer import import_layer
from geo.layers.models import LayerClassification, LayerFeature
from tests.geo.layers.conftest import (
    EPOCH_2040,
    FOREST_FEATURES,
    P_OP,
    WIUP_FEATURES,
    add_site,
    load,
)


def features(session: Session, snapshot_id: int) -> list[LayerFeature]:
    return list(
        session.scalars(
            select(LayerFeature)
            .where(LayerFeature.snapshot_id == snapshot_id)
            .order_by(LayerFeature.source_row)
        )
    )


def test_geojson_odd_encodings_are_normalised(session: Session, tmp_path: Path) -> None:
    summary = load(session, tmp_path, "wiup", [*WIUP_FEATURES, (None, {"kode_wiup": "NOGEOM"})])
    assert summary.features == 3 and summary.skipped == 1
    op, eks, exp = features(session, summary.snapshot_id)
    assert op.attrs["kode_wiup"] == "W-OP"  # from KODE_WIUP
    assert op.attrs["tgl_akhir"] == "2040-01-01"  # from epoch milliseconds
    assert op.attrs["luas_sk"] == 123.5  # decimal comma
    assert op.attrs["stage"] == "operasi_produksi" and op.attrs["authority"] == "PUSAT"
    assert op.attrs["nama_usaha"] is None  # missing field
    assert op.raw["Kegiatan"] == "OPERASI PRODUKSI"  # the original kept as it was
    assert eks.attrs["stage"] == "eksplorasi" and eks.attrs["authority"] == "PROVINSI"
    assert exp.attrs["tgl_akhir"] == "2020-01-01"


def test_gpkg_and_zipped_shapefile(session: Session, tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {
            "KODE_WIUP": ["G-1", "G-2"],
            "kegiatan": ["Operasi Produksi", None],
            "tgl_berlaku": ["2020-01-01", None],
            "tgl_akhir": [str(EPOCH_2040), "2031-05-06"],
            "badan_usaha": ["PT", "CV"],
        },
        geometry=[P_OP, box(118, 1, 118.01, 1.01)],
        crs=4326,
    )
    gpkg = tmp_path / "wiup.gpkg"
    gdf.to_file(gpkg, driver="GPKG")
    s1 = import_layer(session=session, kind="wiup", path=gpkg, actor="t", settings=LayerSettings())
    first = features(session, s1.snapshot_id)
    assert [f.attrs["tgl_akhir"] for f in first] == ["2040-01-01", "2031-05-06"]
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    gdf.to_crs(32750).to_file(shp_dir / "wiup.shp")  # a metric CRS, names cut to 10 characters
    archive = tmp_path / "wiup.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp_dir.iterdir():
            zf.write(part, part.name)
    s2 = import_layer(
        session=session, kind="wiup", path=archive, actor="t", settings=LayerSettings()
    )
    shp = features(session, s2.snapshot_id)
    assert [f.attrs["kode_wiup"] for f in shp] == ["G-1", "G-2"]
    assert shp[0].attrs["tgl_berlaku"] == "2020-01-01" and shp[1].attrs["badan_usaha"] == "CV"
    assert shp[0].attrs["stage"] == "operasi_produksi" and shp[1].attrs["stage"] is None


def test_forest_codes_are_mapped_and_unknown_codes_reported(
    session: Session, tmp_path: Path
) -> None:
    s = load(session, tmp_path, "kawasan_hutan", FOREST_FEATURES)
    assert [f.attrs["function"] for f in features(session, s.snapshot_id)] == [
        "HUTAN_LINDUNG",
        "HUTAN_PRODUKSI_KONVERSI",
    ]
    odd = [*FOREST_FEATURES, (box(1, 1, 2, 2), {"FUNGSIKWS": 9999}), (box(1, 1, 2, 2), {})]
    with pytest.raises(InputFileError) as err:
        load(session, tmp_path, "kawasan_hutan", odd)
    assert err.value.field == "FUNGSIKWS" and "9999 (1)" in str(err.value)
    assert "(kosong) (1)" in str(err.value)
    kept = load(session, tmp_path, "kawasan_hutan", odd, allow_unknown_codes=True)
    assert kept.features == 4 and kept.unknown_codes == {"9999": 1, "(kosong)": 1}


@pytest.mark.parametrize(
    ("kind", "rows", "field", "words"),
    [
        ("wiup", [(Point(1, 1), {"kode_wiup": "X"})], "geometry", "row 1 has a Point"),
        ("wiup", [(None, {"kode_wiup": "X"})], "geometry", "no polygons"),
        ("wiup", [(P_OP, {"tgl_akhir": "besok"})], "tgl_akhir", "row 1: tgl_akhir is not a date"),
        ("wiup", [(P_OP, {"LUAS_SK": "luas"})], "luas_sk", "luas_sk is not a number"),
        ("kawasan_hutan", [(P_OP, {"fungsi": "HL"})], "FUNGSIKWS", "no FUNGSIKWS column"),
        ("tambang", [(P_OP, {})], "kind", "expected to be one of"),
        ("pippib", [(LineString([(0, 0), (1, 1)]), {})], "geometry", "LineString"),
    ],
)
def test_bad_files_name_the_field(
    session: Session, tmp_path: Path, kind: str, rows: list[Any], field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as err:
        load(session, tmp_path, kind, rows)
    assert err.value.field == field and words in str(err.value)


def test_reimport_makes_a_new_snapshot_and_the_newest_is_used(
    session: Session, tmp_path: Path
) -> None:
    add_site(session, "T-RE", Point(117.005, 0.005))
    first = load(session, tmp_path, "wiup", WIUP_FEATURES, snapshot_date=dt.date(2026, 1, 1))
    second = load(session, tmp_path, "wiup", WIUP_FEATURES, snapshot_date=dt.date(2026, 3, 1))
    assert second.snapshot_id != first.snapshot_id
    classify_objects(session=session, settings=LayerSettings(), on=dt.date(2026, 6, 1))
    row = session.scalars(
        select(LayerClassification).where(LayerClassification.object_code == "T-RE")
    ).one()
    assert row.wiup_snapshot_id == second.snapshot_id
    assert row.wiup_snapshot_date == dt.date(2026, 3, 1)
    # A newer layer without the permit turns the place into LUAR_WIUP.
    load(session, tmp_path, "wiup", [(box(118, 1, 118.01, 1.01), {"kode_wiup": "ELSE"})])
    classify_objects(session=session, settings=LayerSettings(), on=dt.date(2026, 6, 1))
    again = session.scalars(
        select(LayerClassification.permit_class).where(LayerClassification.object_code == "T-RE")
    ).one()
    assert again == "LUAR_WIUP"


class _MapServer(BaseHTTPRequestHandler):
    """Answers ``query?f=geojson`` with at most two features a page, like ArcGIS."""

    features: list[dict[str, Any]] = []
    requests: list[dict[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        type(self).requests.append(query)
        offset = int(query.get("resultOffset", 0))
        size = min(int(query.get("resultRecordCount", 1000)), 2)
        page = self.features[offset : offset + size]
        doc: dict[str, Any] = {"type": "FeatureCollection", "features": page}
        if offset + size < len(self.features):
            doc["properties"] = {"exceededTransferLimit": True}
        body = json.dumps(doc).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/geo+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def mapserver() -> Iterator[str]:
    _MapServer.features = [
        {
            "type": "Feature",
            "geometry": mapping(box(117 + i / 100, 0, 117.005 + i / 100, 0.005)),
            "properties": {
                "KODE_WIUP": f"M-{i}",
                "TGL_AKHIR": EPOCH_2040,
                "KEGIATAN": "EKSPLORASI",
            },
        }
        for i in range(5)
    ]
    _MapServer.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _MapServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/arcgis/rest/services/WIUP/MapServer/0/query"
    server.shutdown()
    server.server_close()


def test_mapserver_paging(session: Session, mapserver: str) -> None:
    settings = LayerSettings(page_size=2)
    s = import_layer(session=session, kind="wiup", path=mapserver, actor="t", settings=settings)
    assert s.features == 5 and s.source == mapserver
    assert [r["resultOffset"] for r in _MapServer.requests] == ["0", "2", "4"]
    assert all(r["f"] == "geojson" and r["outFields"] == "*" for r in _MapServer.requests)
    got = features(session, s.snapshot_id)
    assert [f.attrs["kode_wiup"] for f in got] == [f"M-{i}" for i in range(5)]
    assert got[0].attrs["tgl_akhir"] == "2040-01-01"


def test_mapserver_that_never_ends_is_an_error(session: Session, mapserver: str) -> None:
    settings = LayerSettings(page_size=1, max_pages=2)
    with pytest.raises(InputFileError, match="MAX_PAGES"):
        import_layer(session=session, kind="wiup", path=mapserver, actor="t", settings=settings)
    with pytest.raises(InputFileError) as err:
        import_layer(
            session=session,
            kind="wiup",
            path="http://127.0.0.1:9/query",
            actor="t",
            settings=LayerSettings(timeout_s=2),
        )
    assert err.value.field == "url"


def test_the_agency_edits_the_forest_code_table(session: Session, tmp_path: Path) -> None:
    assert service.forest_codes(session=session)["1004"] == "HUTAN_LINDUNG"
    with pytest.raises(ValidationError) as err:
        service.set_forest_code(session=session, code="9999", function="HUTAN")
    assert err.value.field == "function"
    assert service.set_forest_code(session=session, code=" 9999 ", function="APL") == "9999"
    s = load(session, tmp_path, "kawasan_hutan", [(box(1, 1, 2, 2), {"FUNGSIKWS": 9999.0})])
    assert [f.attrs["function"] for f in features(session, s.snapshot_id)] == ["APL"]
    service.set_forest_code(session=session, code="1004", function="KONSERVASI")
    assert service.forest_codes(session=session)["1004"] == "KONSERVASI"
