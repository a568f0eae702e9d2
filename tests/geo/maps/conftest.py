"""Frames for the map tests: sites (points and a polygon), reports with reporter identities,
confidential rows and script payloads, hotspots, bases and patrol routes."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from geo import demo
from geo.db import make_engine
from geo.maps import MapOptions, build_map
from geo.matching import match_reports
from geo.priority import compute_priority
from geo.reports import import_file
from geo.settings import MapSettings, Settings, get_settings
from tests.common import LOA_JANAN, TENGGARONG_PIT, TEST_SECRET_KEY

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "maps"

#: Reporter identities that must never reach a map or briefing.
REPORTER_NAMES = ("Siti Rahmawati Uji", "Budi Santoso Uji")
REPORTER_PHONES = ("081234567890", "+62 811-5550-1234")
#: Payloads that set window.pwned if they ever execute.
XSS_PAYLOADS = (
    "<script>window.pwned = 1</script>",
    '<img src=x onerror="window.pwned = 2">',
    "</script><script>window.pwned = 3</script>",
    "\"'><svg onload=window.pwned=4>",
)
TODAY = dt.date(2026, 11, 20)
#: "Now" of the database fixture: the demo registry plus 24 reports in the year before it.
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def map_settings() -> MapSettings:
    """The ``maps`` section of the process settings (``PANTAU_MAPS_*`` as the CI sets them)."""
    return get_settings().maps


def draw(
    *,
    sites: gpd.GeoDataFrame,
    reports: gpd.GeoDataFrame | None = None,
    hotspots: gpd.GeoDataFrame | None = None,
    bases: gpd.GeoDataFrame | None = None,
    routes: gpd.GeoDataFrame | None = None,
    admin: gpd.GeoDataFrame | None = None,
    **options: object,
) -> folium.Map:
    """Build a map from frames with the options given as keywords (``period=``, ``lang=``...)."""
    return build_map(
        sites=sites,
        reports=reports,
        hotspots=hotspots,
        bases=bases,
        routes=routes,
        admin=admin,
        options=MapOptions(**options),  # type: ignore[arg-type]
        settings=map_settings(),
    )


@pytest.fixture
def today() -> dt.date:
    return TODAY


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def sites() -> gpd.GeoDataFrame:
    rows = []
    statuses = ["active", "suspected", "inspected", "sealed", "dormant", "legalised"]
    for i in range(12):
        rows.append(
            {
                "code": f"TST-{i:03d}",
                "name": f"Tambang Uji {i}",
                "kabupaten": "Kutai Kartanegara",
                "kecamatan": "Loa Janan",
                "commodity": "batubara" if i % 3 else "emas",
                "status": statuses[i % len(statuses)],
                "risk_level": ["low", "medium", "high", "critical"][i % 4],
                "last_inspected": dt.date(2026, 5, 1) if i % 2 else None,
                "priority": float(i),
                "priority_reasons": [f"{i} laporan baru", "lama tidak diperiksa"],
                "geometry": Point(LOA_JANAN.x + 0.05 * i, LOA_JANAN.y + 0.03 * (i % 4)),
            }
        )
    rows[0]["geometry"] = TENGGARONG_PIT
    rows[0]["name"] = "Lubang <b>Tenggarong</b>"
    return gpd.GeoDataFrame(rows, crs=4326)


@pytest.fixture
def reports(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """60 reports in the 12 months before TODAY; every third is rahasia; all have identities."""
    rows = []
    for i in range(60):
        site = sites.iloc[i % len(sites)]
        anchor = site.geometry.representative_point()
        rows.append(
            {
                "code": f"PTM-T{i:04d}",
                "received_at": pd.Timestamp(TODAY, tz="UTC") - pd.Timedelta(days=5 * i + 1),
                "channel": "hotline",
                "status": "received",
                "confidentiality": "rahasia" if i % 3 == 0 else "anonim",
                "reporter_name": REPORTER_NAMES[i % 2],
                "reporter_phone": REPORTER_PHONES[i % 2],
                "reporter_hash": f"hash-{i % 2}",
                "description": XSS_PAYLOADS[i % len(XSS_PAYLOADS)] + f" alat berat {i}",
                "site_code": site["code"] if i % 5 else None,
                "hotspot_id": 7 if i % 5 == 0 else None,
                "geometry": Point(anchor.x + 0.001 * (i % 7), anchor.y + 0.001 * (i % 5)),
            }
        )
    return gpd.GeoDataFrame(rows, crs=4326)


@pytest.fixture
def hotspots() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": [7, 8], "report_count": [12, 5], "first_seen": ["2026-02-01", "2026-06-01"]},
        geometry=[Point(117.3, -0.4).buffer(0.02), Point(117.4, -0.3).buffer(0.01)],
        crs=4326,
    )


@pytest.fixture
def bases() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": ["SMD", "TGR"],
            "name": ["Kantor Dinas ESDM Kaltim", "Pos Tenggarong"],
            "kabupaten": ["Samarinda", "Kutai Kartanegara"],
        },
        geometry=[Point(117.15, -0.47), Point(116.99, -0.41)],
        crs=4326,
    )


@pytest.fixture
def routes() -> gpd.GeoDataFrame:
    line = LineString([(117.15, -0.47), (117.1, -0.58), (117.2, -0.55), (117.15, -0.47)])
    return gpd.GeoDataFrame(
        {
            "team": ["A", "A", "B"],
            "day": ["2026-11-23", "2026-11-24", "2026-11-23"],
            "distance_km": [42.0, 38.5, 51.2],
        },
        geometry=[line, line, line],
        crs=4326,
    )


@pytest.fixture
def frames(sites, reports, hotspots, bases, routes) -> dict[str, gpd.GeoDataFrame]:
    return {
        "sites": sites,
        "reports": reports,
        "hotspots": hotspots,
        "bases": bases,
        "routes": routes,
    }


@pytest.fixture(scope="module")
def map_engine(
    fresh_database_url_module: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A fresh database: the demo registry, 24 reports (every fourth rahasia), priorities."""
    engine = make_engine(fresh_database_url_module)
    demo.run(engine, settings=Settings(database={"url": fresh_database_url_module}), full=False)
    path = tmp_path_factory.mktemp("reports") / "reports.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            [
                "external_id",
                "channel",
                "received_at",
                "description",
                "lat",
                "lon",
                "location_source",
                "confidentiality",
                "reporter_name",
                "reporter_phone",
            ]
        )
        for i in range(24):
            writer.writerow(
                [
                    f"T-{i}",
                    "hotline",
                    (NOW - dt.timedelta(days=3 * i + 1)).isoformat(),
                    f"<img src=x onerror=alert({i})> alat berat {i}",
                    -0.58 + 0.0005 * (i % 4),
                    117.095 + 0.0005 * (i % 3),
                    "device_gps",
                    "rahasia" if i % 4 == 0 else "anonim",
                    REPORTER_NAMES[i % 2],
                    REPORTER_PHONES[i % 2],
                ]
            )
    settings = Settings(
        environment="test",
        database={"url": fresh_database_url_module},
        secret_key=TEST_SECRET_KEY,
        data_dir=tmp_path_factory.mktemp("map-var"),
    )
    import_file(engine=engine, path=path, progress=False, now=NOW, settings=settings)
    with Session(engine) as session, session.begin():
        match_reports(session=session)
        compute_priority(session=session, as_of=NOW)
    yield engine
    engine.dispose()
