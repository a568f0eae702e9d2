"""The demo base: towns from the demo generator, kabupaten lines marked approximate, a file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from geo.basemap import gshhg, service
from geo.basemap.demo import SEATS, demo_layers, kecamatan_centres
from geo.basemap.layers import BASE_LAYERS, read_base
from geo.cli import app
from geo.settings import Settings

pytestmark = pytest.mark.skipif(
    not gshhg.available(), reason="needs Debian's gmt and gmt-gshhg-high (scripts/setup-system)"
)


def test_demo_layers_have_towns_and_approximate_kabupaten_lines() -> None:
    layers = demo_layers()
    places = layers["places"]
    names = set(places["name"])
    assert {name for name, _, _ in SEATS} <= names
    assert set(kecamatan_centres()["name"]) - {n for n, _, _ in SEATS} <= names
    assert set(places.loc[places["name"] == "Samarinda", "rank"]) == {1}
    lines = layers["boundaries"]
    approximate = lines[lines["approximate"].astype(bool)]
    assert len(approximate) > 5
    assert set(approximate["admin_level"]) == {5}
    assert set(approximate["source"]) == {"Pantau Tambang (demo)"}
    # The approximate lines run on land only.
    land = layers["land"].union_all().buffer(0.01)
    assert approximate.union_all().difference(land).length < 0.01


def test_pantau_basemap_demo_writes_a_small_geopackage(tmp_path: Path) -> None:
    out = tmp_path / "basemap" / "demo.gpkg"
    result = CliRunner().invoke(app, ["--lang", "en", "basemap", "demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert str(out) in result.output.replace("\n", "")
    layers = read_base(out)
    assert list(layers) == [k for k in BASE_LAYERS if k in layers]
    assert {"land", "coastline", "rivers", "boundaries", "places"} <= set(layers)
    # Simplified to a province map: a few hundred kB, not the tens of MB of GSHHG-full.
    assert out.stat().st_size < 2_000_000


def test_demo_base_default_path_is_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    result = service.demo_base(settings=settings)
    assert result.path == tmp_path / "basemap" / "demo.gpkg"
    assert result.path.is_file() and result.counts["places"] >= len(SEATS)
