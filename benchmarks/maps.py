"""Map benchmark: 108 demo sites with 10^3, 10^4 and 10^5 reports, with and without base map.

For each size: build time (build_map + render to HTML), HTML size, and time until the map is
ready in headless Chromium with the network cut (page load, layers built, clusters loaded,
view settled), once with the base map (the GSHHG demo base of ``geo.basemap``, or
``PANTAU_MAPS_BASEMAP``) and once without. The reference in the same run is folium's own
FastMarkerCluster with the same points (inlined offline the same way, no popups), the usual way
to put many points on a folium map.
Run: .venv/bin/python benchmarks/maps.py [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from folium import plugins

from geo.maps import MapOptions, Period, build_map, map_info
from geo.maps.assets import make_offline
from geo.maps.briefing import save_html
from geo.maps.browser import chromium, open_map
from geo.maps.build import CLUSTER_LIMIT
from geo.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
MAPS = get_settings().maps
TODAY = dt.date(2026, 11, 20)
WORDS = [
    "alat",
    "berat",
    "truk",
    "batubara",
    "malam",
    "sungai",
    "keruh",
    "hutan",
    "dibuka",
    "ekskavator",
    "tongkang",
]


def synthetic_reports(sites: gpd.GeoDataFrame, n: int, seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    anchors = sites.geometry.representative_point()
    pick = rng.integers(0, len(sites), n)
    x = anchors.x.to_numpy()[pick] + rng.normal(0, 0.01, n)
    y = anchors.y.to_numpy()[pick] + rng.normal(0, 0.01, n)
    text = [" ".join(rng.choice(WORDS, 8)) for _ in range(n)]
    return gpd.GeoDataFrame(
        {
            "code": [f"PTM-{i:07d}" for i in range(n)],
            "received_at": pd.Timestamp(TODAY, tz="UTC")
            - pd.to_timedelta(rng.integers(0, 360, n), unit="D"),
            "channel": rng.choice(["hotline", "lapor", "web"], n),
            "status": rng.choice(["received", "verified", "assigned"], n),
            "confidentiality": "anonim",
            "description": text,
            "site_code": sites["code"].to_numpy()[pick],
        },
        geometry=gpd.points_from_xy(x, y),
        crs=4326,
    )


def reference_map(reports: gpd.GeoDataFrame) -> folium.Map:
    m = folium.Map(tiles=None, location=[0.5, 116.5], zoom_start=7, maxZoom=19)
    coords = np.column_stack([reports.geometry.y, reports.geometry.x]).round(5).tolist()
    # No icon fonts offline: plain circle markers, as our layer uses.
    callback = "function (row) { return L.circleMarker(new L.LatLng(row[0], row[1])); }"
    plugins.FastMarkerCluster(coords, callback=callback).add_to(m)
    make_offline(m, settings=MAPS)
    return m


def time_ready(browser: object, path: Path, *, pantau: bool) -> float:
    start = time.perf_counter()
    with open_map(browser, path, wait_ready=pantau, timeout_s=120) as page:  # type: ignore[arg-type]
        if not pantau:
            page.page.wait_for_function("() => window.L !== undefined")
        elapsed = time.perf_counter() - start
        assert not page.errors, page.errors
    return elapsed


def _ours(
    browser: object, sites: gpd.GeoDataFrame, reports: gpd.GeoDataFrame, path: Path, *, base: bool
) -> tuple[bool, int, float, float, float]:
    """Build, save and open our map; return (base drawn, drawn, MB, build s, ready s)."""
    settings = MAPS.model_copy(update={"demo_basemap": True} if base else {"basemap": None})
    if not base:
        settings = settings.model_copy(update={"demo_basemap": False})
    period = Period(TODAY - dt.timedelta(days=364), TODAY)
    t0 = time.perf_counter()
    options = MapOptions(period=period, offline=True, demo=True)
    m = build_map(sites=sites, reports=reports, options=options, settings=settings)
    save_html(m, path)
    build_s = time.perf_counter() - t0
    ready_s = time_ready(browser, path, pantau=True)
    info = map_info(m)
    return info.base, info.counts["reports"], path.stat().st_size / 1e6, build_s, ready_s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    sites = gpd.read_file(ROOT / "data" / "sites.geojson")
    # The demo base is made once per process (GMT runs, then it is cached): time that apart.
    t0 = time.perf_counter()
    from geo.maps.basemap import base_layers

    has_base = base_layers(MAPS.model_copy(update={"demo_basemap": True})) is not None
    base_once = time.perf_counter() - t0
    # One small map first, so that imports and first-call costs fall on neither variant.
    warm = MapOptions(offline=True, demo=True)
    build_map(sites=sites, reports=synthetic_reports(sites, 10), options=warm, settings=MAPS)
    rows = []
    with tempfile.TemporaryDirectory() as tmp, chromium(settings=MAPS) as browser:
        for n in sizes:
            reports = synthetic_reports(sites, n)
            t0 = time.perf_counter()
            ref = Path(tmp) / f"ref-{n}.html"
            reference_map(reports).save(str(ref))
            ref_build = time.perf_counter() - t0
            ref_ready = time_ready(browser, ref, pantau=False)
            ref_mb = ref.stat().st_size / 1e6
            mode = "clustered" if n <= CLUSTER_LIMIT else "one canvas"
            for base in (True, False) if has_base else (False,):
                drawn_base, drawn, mb, b, r = _ours(
                    browser, sites, reports, Path(tmp) / f"map-{n}-{base}.html", base=base
                )
                rows.append((n, mode, drawn_base, drawn, mb, b, r, ref_mb, ref_build, ref_ready))
    print(f"base map made once per process in {base_once:.2f} s (drawn: {has_base})")
    header = (
        "| reports | markers | base map | drawn | HTML MB | build s | ready s | ref HTML MB "
        "| ref build s | ref ready s | size ratio | ready ratio |"
    )
    print(header)
    print("|" + "---|" * 12)
    for n, mode, base, drawn, mb, b, r, rmb, rb, rr in rows:
        print(
            f"| {n:,} | {mode} | {'yes' if base else 'no'} | {drawn:,} | {mb:.2f} | {b:.2f} "
            f"| {r:.2f} | {rmb:.2f} | {rb:.2f} | {rr:.2f} | {mb / rmb:.2f} | {r / rr:.2f} |"
        )


if __name__ == "__main__":
    main()
