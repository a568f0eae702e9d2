"""Canonical geometries and rows used across the tests, defined once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from shapely import Point, Polygon

#: A strong key for test settings (environment "test" refuses weak ones); never used for real.
TEST_SECRET_KEY = "pantau-uji-Zq8vLr2Nw5Kx7Jt1Hd4Mb6Ys9Pc3Gf0UaQe"

#: A point in Loa Janan, Kutai Kartanegara.
LOA_JANAN = Point(117.095, -0.58)
#: A small valid polygon (about 4 ha) near Tenggarong.
TENGGARONG_PIT = Polygon(
    [
        (116.985, -0.416),
        (116.987, -0.416),
        (116.987, -0.4142),
        (116.985, -0.4142),
        (116.985, -0.416),
    ]
)
#: A self-intersecting "bow tie", invalid under OGC rules.
BOW_TIE = Polygon([(117.0, -0.5), (117.01, -0.49), (117.01, -0.5), (117.0, -0.49), (117.0, -0.5)])


def site_row(code: str = "TST-001", **overrides: object) -> dict[str, object]:
    """Attributes of a valid site row; override any field."""
    row: dict[str, object] = {
        "code": code,
        "name": f"Tambang Uji {code}",
        "kabupaten": "Kutai Kartanegara",
        "kecamatan": "Loa Janan",
        "commodity": "batubara",
        "status": "suspected",
        "risk_level": "high",
        "first_reported": "2025-03-01",
        "last_inspected": None,
        "notes": "uji",
        "geometry": LOA_JANAN,
    }
    row.update(overrides)
    return row


def run_pantau(
    *args: str, url: str, secret_key: str, language: str = "id", timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``pantau ARGS`` in a subprocess on the database at ``url``, in ``language``.

    The environment is the test's plus the database, the secret key, the language and a wide
    terminal (so rich does not wrap the lines a test reads).
    """
    env = {
        **os.environ,
        "PANTAU_DATABASE_URL": url,
        "PANTAU_SECRET_KEY": secret_key,
        "PANTAU_LANGUAGE": language,
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "geo.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


#: A town, a primary road, a river, a lake and a kabupaten boundary near Samarinda (OSM's OPL).
OSM_EXTRACT = """\
n1 v1 dV Tplace=town,name=Kota%20%Uji x117.10 y-0.50
n2 v1 dV T x117.00 y-0.60
n3 v1 dV T x117.20 y-0.40
n4 v1 dV T x117.00 y-0.40
n5 v1 dV T x117.20 y-0.60
n6 v1 dV T x117.05 y-0.55
n7 v1 dV T x117.08 y-0.55
n8 v1 dV T x117.08 y-0.52
n9 v1 dV T x117.05 y-0.52
n20 v1 dV Tplace=hamlet,name=Dusun%20%Kecil x117.12 y-0.45
w10 v1 dV Thighway=primary,name=Jalan%20%Uji Nn2,n3
w11 v1 dV Twaterway=river,name=Sungai%20%Uji Nn4,n5
w12 v1 dV Tnatural=water Nn6,n7,n8,n9,n6
w13 v1 dV Tboundary=administrative,admin_level=5 Nn2,n4
w14 v1 dV Thighway=footway Nn3,n5
"""


def write_osm_extract(pbf: Path) -> Path:
    """Write :data:`OSM_EXTRACT` as the OpenStreetMap extract ``pbf`` (with Debian's osmium)."""
    opl = pbf.with_name(pbf.name.removesuffix(".osm.pbf") + ".opl")
    opl.write_text(OSM_EXTRACT)
    subprocess.run(["osmium", "cat", str(opl), "-o", str(pbf), "--overwrite"], check=True)
    return pbf
