"""Satellite alerts: import and patch N alert points against a raw COPY and a raw DBSCAN.

Makes N synthetic GFW integrated alerts over East Kalimantan (a Data API CSV answer: 90 % in
clearings of 10 m pixels, 10 % scattered), on a fresh migrated database with the 108 demo
sites, then times:

- ``import``: ``pantau alerts import`` without patches (parse and check the CSV, binary COPY
  into a staging table, ``INSERT ... ON CONFLICT DO NOTHING`` on the unique key, with the
  point geometry and its GiST index), and the same file again (adds nothing); the parse alone
  is timed too;
- ``patch``: the patch build (``ST_ClusterDBSCAN`` in metres over the 90-day window, hulls,
  matching to sites, hotspots and reports, classification by the layers);

against references in the same run: a raw ``COPY`` of the same CSV into an unindexed table of
four columns, and a raw ``ST_ClusterDBSCAN`` (same radius and minimum, same CRS) over those
points, returning the cluster count only.

Usage: ``.venv/bin/python benchmarks/alerts.py [--points 1000000] [--seed 18]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo import migrate, sites  # noqa: E402
from geo.alerts import patches, readers, service  # noqa: E402
from geo.alerts.config import SOURCE_GFW  # noqa: E402
from geo.alerts.readers import CONFIDENCE, DATE  # noqa: E402
from geo.db import make_engine, session_scope  # noqa: E402
from geo.settings import Settings  # noqa: E402
from tests.dbutil import throwaway_database  # noqa: E402

LAST_DAY = dt.date(2026, 11, 30)
PIXEL = 0.0000898  # 10 m in degrees near the equator


def synthetic_csv(path: Path, n: int, seed: int) -> int:
    """Write ``n`` alerts (90 % in clearings of 40 pixels) as a Data API CSV answer."""
    rng = np.random.default_rng(seed)
    clustered = int(n * 0.9)
    clearings = max(1, clustered // 40)
    cx = rng.uniform(114.5, 118.5, clearings)
    cy = rng.uniform(-2.0, 2.0, clearings)
    which = rng.integers(0, clearings, clustered)
    # Pixels on the 10 m grid around each clearing's centre (a blob of about 7 × 7 pixels).
    dx = rng.integers(-3, 4, clustered) * PIXEL
    dy = rng.integers(-3, 4, clustered) * PIXEL
    lon = np.concatenate([cx[which] + dx, rng.uniform(114.0, 119.0, n - clustered)])
    lat = np.concatenate([cy[which] + dy, rng.uniform(-2.5, 2.5, n - clustered)])
    start = rng.integers(0, 80, clearings)
    days = np.concatenate(
        [start[which] + rng.integers(0, 10, clustered), rng.integers(0, 90, n - clustered)]
    )
    dates = (np.datetime64(LAST_DAY, "D") - days.astype("timedelta64[D]")).astype(str)
    words = np.array(["nominal", "high", "highest"])[rng.integers(0, 3, n)]
    frame = pd.DataFrame(
        {"latitude": lat.round(6), "longitude": lon.round(6), DATE: dates, CONFIDENCE: words}
    )
    frame.to_csv(path, index=False)
    # Pixels drawn twice on the same day are one alert (the key): the distinct count.
    return int(frame.drop_duplicates(["latitude", "longitude", DATE]).shape[0])


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def raw_copy(engine: Engine, path: Path) -> float:
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE UNLOGGED TABLE raw_alerts "
                "(latitude float8, longitude float8, d date, c text)"
            )
        )

    def run() -> None:
        with engine.begin() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            with (
                raw.cursor() as cur,
                cur.copy("COPY raw_alerts FROM STDIN (FORMAT csv, HEADER true)") as copy,
                path.open("rb") as f,
            ):
                while chunk := f.read(1 << 20):
                    copy.write(chunk)

    return timed(run)[0]


def raw_dbscan(engine: Engine, settings: Settings) -> tuple[float, int]:
    cfg = settings.alerts
    sql = text(
        "SELECT count(DISTINCT cid) FROM (SELECT ST_ClusterDBSCAN(ST_Transform(ST_SetSRID("
        "ST_MakePoint(longitude, latitude), 4326), :srid), :eps, :minpts) OVER () AS cid "
        "FROM raw_alerts WHERE d > CAST(:since AS date)) c"
    )
    params = {
        "srid": cfg.srid,
        "eps": cfg.patch_eps_m,
        "minpts": cfg.patch_min_alerts,
        "since": LAST_DAY - dt.timedelta(days=cfg.patch_window_days),
    }

    def run() -> int:
        with engine.connect() as conn:
            return int(conn.execute(sql, params).scalar_one())

    return timed(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    with TemporaryDirectory() as tmp, throwaway_database("pantau_bench_alerts") as url:
        path = Path(tmp) / "alerts.csv"
        distinct = synthetic_csv(path, args.points, args.seed)
        engine = make_engine(url)
        migrate.upgrade(engine)
        sites.import_file(engine, ROOT / "data" / "sites.geojson", actor="demo")
        settings = Settings(_env_file=None, database={"url": url}, secret_key="x" * 48)

        def do_import() -> service.ImportResult:
            with session_scope(engine) as session:
                return service.import_alerts(
                    session=session, settings=settings, path=path, actor="bench", patch=False
                )

        def do_patch() -> patches.PatchSummary:
            with session_scope(engine) as session:
                return patches.build_patches(
                    session=session,
                    settings=settings.alerts,
                    layers=settings.layers,
                    source=SOURCE_GFW,
                )

        t_read, _ = timed(lambda: readers.read_alerts(path, aoi=settings.aoi_bbox))
        t_import, first = timed(do_import)
        t_again, again = timed(do_import)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE alerts"))
        t_patch, built = timed(do_patch)
        t_copy = raw_copy(engine, path)
        t_dbscan, clusters = raw_dbscan(engine, settings)
        engine.dispose()
    assert first.added == distinct and again.added == 0, (first, again, distinct)
    rows = [
        ("of which: read and check the CSV", t_read, t_copy, "raw COPY"),
        ("import (new)", t_import, t_copy, "raw COPY"),
        ("import again (adds 0)", t_again, t_copy, "raw COPY"),
        ("patch (cluster, match, classify)", t_patch, t_dbscan, "raw ST_ClusterDBSCAN"),
    ]
    print(
        f"points: {args.points:,}; distinct alerts stored: {first.added:,}; inside the area: "
        f"{first.rows_read - first.outside_aoi:,}"
    )
    print(
        f"patches: {built.patches:,} ({built.alerts:,} alerts, {built.candidates:,} candidates);"
        f" raw DBSCAN clusters: {clusters:,}"
    )
    print()
    print("| step | ours s | reference | reference s | ratio |")
    print("|---|---:|---|---:|---:|")
    for name, ours, ref, label in rows:
        print(f"| {name} | {ours:.2f} | {label} | {ref:.2f} | {ours / ref:.2f} |")


if __name__ == "__main__":
    main()
