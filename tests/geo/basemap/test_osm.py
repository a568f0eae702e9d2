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
from tests.common import write_osm_extract

needs_tools = pytest.mark.skipif(
    shutil.which("tilemaker") is None or shutil.which("osmium") is None,
    reason="needs Debian's tilemaker and osmium-tool (scripts/setup-system)",
)


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_osm_extract(tmp_path_factory.mktemp("osm") / "uji.osm.pbf")


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
