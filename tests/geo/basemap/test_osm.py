"""The production pipeline on an extract the test writes: OPL -> osmium -> tilemaker -> map."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from geo.basemap.layers import read_base
from geo.basemap.osm import tilemaker_config
from geo.cli import app
from geo.maps.basemap import base_layers
from geo.settings import MapSettings

needs_tools = pytest.mark.skipif(
    shutil.which("tilemaker") is None or shutil.which("osmium") is None,
    reason="needs Debian's tilemaker and osmium-tool (scripts/setup-system)",
)

#: A town, a primary road, a river, a lake and a kabupaten boundary near Samarinda (OPL).
EXTRACT = """\
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


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("osm")
    (folder / "uji.opl").write_text(EXTRACT)
    pbf = folder / "uji.osm.pbf"
    subprocess.run(["osmium", "cat", str(folder / "uji.opl"), "-o", str(pbf)], check=True)
    return pbf


def test_config_has_every_layer_the_maps_draw() -> None:
    layers = tilemaker_config()["layers"]
    assert isinstance(layers, dict)
    assert set(layers) == {"water", "coastline", "rivers", "roads", "boundaries", "places"}


@needs_tools
@pytest.mark.slow
def test_basemap_build_makes_tiles_the_map_draws(extract: Path, tmp_path: Path) -> None:
    out = tmp_path / "kaltim.mbtiles"
    env = {"PANTAU_AOI_BBOX": "[116.9, -0.7, 117.3, -0.3]"}
    result = CliRunner().invoke(
        app, ["--lang", "en", "basemap", "build", "--pbf", str(extract), "--out", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    layers = read_base(out)
    assert set(layers["roads"]["class"]) == {"primary"}  # the footway is left out
    assert set(layers["roads"]["name"]) == {"Jalan Uji"}
    assert set(layers["rivers"]["name"]) == {"Sungai Uji"}
    assert set(layers["boundaries"]["admin_level"].astype(int)) == {5}
    assert list(layers["places"]["name"]) == ["Kota Uji"]  # hamlets are left out
    assert len(layers["water"]) >= 1
    # The maps read it back when PANTAU_MAPS_BASEMAP points at it.
    drawn = base_layers(MapSettings(basemap=out, demo_basemap=False))
    assert drawn is not None and {"roads", "rivers", "places"} <= set(drawn)


def _pantau(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    command = [sys.executable, "-m", "geo.cli", "--lang", "en", *args]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    # Rich wraps long lines on stderr; join them to read the message.
    done.stderr = " ".join(done.stderr.split())
    return done


@needs_tools
def test_basemap_build_refuses_what_it_cannot_do(extract: Path, tmp_path: Path) -> None:
    missing = _pantau("basemap", "build", "--pbf", str(tmp_path / "no.osm.pbf"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    pmtiles = _pantau("basemap", "build", "--pbf", str(extract), "--out", "x.pmtiles")
    assert pmtiles.returncode == 2 and "[out]" in pmtiles.stderr and ".mbtiles" in pmtiles.stderr
    assert "Traceback" not in pmtiles.stderr
