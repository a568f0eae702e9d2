from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import pytest
from folium import plugins

from geo.errors import ConfigurationError
from geo.maps.assets import ASSETS, make_offline, remote_references
from geo.maps.settings import REPO_ROOT, MapSettings

from .conftest import map_settings


def test_pinned_packages_provide_every_asset() -> None:
    pins = json.loads((REPO_ROOT / "package.json").read_text())["dependencies"]
    lock = json.loads((REPO_ROOT / "package-lock.json").read_text())["packages"]
    for path in ASSETS.values():
        package = path.split("/")[0]
        assert package in pins, f"{package} is used offline but not pinned"
        assert re.fullmatch(r"\d+\.\d+\.\d+", pins[package]), "pins must be exact versions"
        assert lock[f"node_modules/{package}"]["version"] == pins[package]
        assert (MapSettings().assets_dir / path).is_file()


def test_offline_map_inlines_everything_and_fetches_nothing() -> None:
    m = folium.Map(tiles=None)
    plugins.MarkerCluster().add_to(m)
    plugins.Fullscreen().add_to(m)
    plugins.MeasureControl().add_to(m)
    plugins.HeatMap([[0.0, 117.0]]).add_to(m)
    names = make_offline(m, settings=map_settings())
    html = m.get_root().render()
    assert remote_references(html) == []
    assert "cdn." not in html and "jsdelivr" not in html and "cdnjs" not in html
    for name in names:
        assert f'data-asset="{name}"' in html
    assert {"leaflet", "leaflet_css", "markerclusterjs", "leaflet-heat.js"} <= set(names)
    # Stylesheet images are data URIs, not files next to the page.
    leaflet_css = html.split('data-asset="leaflet_css"')[1].split("</style>")[0]
    assert "url(images/" not in leaflet_css and "url(data:image/png;base64," in leaflet_css


def test_online_map_keeps_cdn_links() -> None:
    m = folium.Map(tiles=None)
    assert remote_references(m.get_root().render())


def test_plugin_without_pinned_asset_is_refused() -> None:
    m = folium.Map(tiles=None)
    plugins.TimestampedGeoJson({"type": "FeatureCollection", "features": []}).add_to(m)
    with pytest.raises(ConfigurationError, match="no pinned offline file"):
        make_offline(m, settings=map_settings())


def test_missing_node_modules_says_how_to_install(tmp_path: Path) -> None:
    m = folium.Map(tiles=None)
    with pytest.raises(ConfigurationError, match="npm ci"):
        make_offline(m, settings=MapSettings(assets_dir=tmp_path))


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="https://x/leaflet.js"></script>',
        '<link rel="stylesheet" href="//x/a.css"/>',
        "<style>@import 'a.css';</style>",
        "<style>.a{background:url(https://x/y.png)}</style>",
        'L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png")',
    ],
)
def test_remote_references_are_detected(snippet: str) -> None:
    assert remote_references(snippet)


def test_online_resources_are_the_pinned_files_on_the_cdn() -> None:
    """The online variant loads the same files, at the same versions, as the offline one."""
    from geo.maps import elements
    from geo.maps.assets import cdn_resources

    pins = json.loads((REPO_ROOT / "package.json").read_text())["dependencies"]
    online = [
        *elements._MARKERCLUSTER_JS,
        *elements._MARKERCLUSTER_CSS,
        *elements._HEAT_JS,
        *elements._MINIMAP_JS,
        *elements._MINIMAP_CSS,
    ]
    for name, url in online:
        package, _, path = ASSETS[name].partition("/")
        assert url == f"https://cdn.jsdelivr.net/npm/{package}@{pins[package]}/{path}"
    assert cdn_resources("markerclusterjs")[0][1].endswith(
        "/leaflet.markercluster@1.5.3/dist/leaflet.markercluster.js"
    )
