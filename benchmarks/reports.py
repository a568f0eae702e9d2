"""Benchmark of the report pipeline: ingest, matching to sites, hotspot clustering.

For 10^4 and 10^5 synthetic reports (and 10^6 with ``--million``) against 108 sites (the demo
registry) and 2,741 sites (ESDM's national count of PETI locations, here placed synthetically
over East Kalimantan so that the density is the hard case), it prints reports per second for:

* ``copy``: a raw psycopg ``COPY`` of prepared rows into ``reports`` (the reference for ingest);
* ``import``: ``geo.reports.import_file(..., match=False)`` on a CSV of the same rows: reading,
  validation of every row, keyed reporter hash and encrypted identity, exact-duplicate checks,
  committed batches of COPY with a history row per report, near-duplicate linking; up to
  ``--import-max`` rows. Matching, which ``import_file`` runs at the end by default, is left
  out here: it is timed on its own in the ``match`` rows;
* ``match``: ``geo.matching.match_reports`` (full run, writes every report's match), with
  ``match query``: the same nearest-site query without writing;
* ``plain dwithin``: the reference ``SELECT count(*) ... JOIN ... ON ST_DWithin(geography)``
  (every pair within the radius, no nearest selection, nothing written);
* ``balltree``: scikit-learn's ``BallTree`` (haversine) nearest site, built and queried, on
  site centroids (polygons become points, so it answers an easier question);
* ``cluster``: ``geo.hotspots.cluster_reports`` on the unmatched reports (eps 300 m, 3 reports).

It works in its own database (``pantau_bench_reports_<pid>``, made from the ``pantau_template``
template and dropped at the end unless ``--keep-db``).

Usage::

    .venv/bin/python benchmarks/reports.py                 # 10^4 and 10^5
    .venv/bin/python benchmarks/reports.py --million       # and 10^6
    .venv/bin/python benchmarks/reports.py --steps import  # only the copy and import rows

Each row's note ends with the 1-minute load average when the step ended (the machine is shared).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from statistics import median
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Geod
from sklearn.neighbors import BallTree
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from geo import matching, migrate
from geo.db import make_engine, session_scope
from geo.hotspots import cluster_reports
from geo.matching import match_reports
from geo.reports.row import HISTORY_COLUMNS, NAMES
from geo.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
# One database per run, so that two runs on one machine never drop each other's.
DB_NAME = f"pantau_bench_reports_{os.getpid()}"
EARTH_M = 6_371_008.8
CHANNELS = np.array(["hotline", "lapor", "web", "field_team", "media"])
GEOD = Geod(ellps="WGS84")
RADIUS_M = 1000.0
# Where synthetic extra sites and hotspots fall: the mining belt of East Kalimantan.
BOX = (115.0, -2.0, 118.0, 2.3)


@contextmanager
def bench_database(keep: bool) -> Iterator[Engine]:
    admin_url = Settings().database.url
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DB_NAME}" TEMPLATE pantau_template'))
    url = make_url(admin_url).set(database=DB_NAME).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        admin.dispose()


def site_sets(rng: np.random.Generator) -> dict[int, gpd.GeoDataFrame]:
    demo = gpd.read_file(ROOT / "data" / "sites.geojson")
    extra_n = 2741 - len(demo)
    lon = rng.uniform(BOX[0], BOX[2], extra_n)
    lat = rng.uniform(BOX[1], BOX[3], extra_n)
    geoms: list[shapely.Geometry] = []
    for i, (x, y) in enumerate(zip(lon, lat, strict=True)):
        if i % 3 == 0:  # a third are small pits drawn as ~300 m squares
            d = 0.0015
            geoms.append(shapely.box(x - d, y - d, x + d, y + d))
        else:
            geoms.append(shapely.Point(x, y))
    extra = gpd.GeoDataFrame(
        {
            "code": [f"SYN-{i:04d}" for i in range(extra_n)],
            "kabupaten": "Kutai Kartanegara",
            "commodity": "batubara",
        },
        geometry=geoms,
        crs=4326,
    )
    both = gpd.GeoDataFrame(
        [
            *demo[["code", "kabupaten", "commodity", "geometry"]].to_dict("records"),
            *extra.to_dict("records"),
        ],
        geometry="geometry",
        crs=4326,
    )
    return {108: demo, 2741: both}


def synth_reports(
    rng: np.random.Generator, n: int, sites: gpd.GeoDataFrame
) -> dict[str, np.ndarray]:
    """70 % near a site (within ~1.5 km), 20 % in 25 unlisted hotspots, 10 % scattered."""
    near, hot = int(n * 0.7), int(n * 0.2)
    scatter = n - near - hot
    anchors = sites.geometry.representative_point()
    pick = rng.integers(0, len(anchors), near)
    ax = np.array([p.x for p in anchors])[pick]
    ay = np.array([p.y for p in anchors])[pick]
    nx, ny, _ = GEOD.fwd(ax, ay, rng.uniform(0, 360, near), np.abs(rng.normal(0, 700, near)))
    centres_x = rng.uniform(BOX[0], BOX[2], 25)
    centres_y = rng.uniform(BOX[1], BOX[3], 25)
    which = rng.integers(0, 25, hot)
    hx, hy, _ = GEOD.fwd(
        centres_x[which],
        centres_y[which],
        rng.uniform(0, 360, hot),
        np.abs(rng.normal(0, 250, hot)),
    )
    sx = rng.uniform(BOX[0], BOX[2], scatter)
    sy = rng.uniform(BOX[1], BOX[3], scatter)
    lon = np.concatenate([nx, hx, sx])
    lat = np.concatenate([ny, hy, sy])
    order = rng.permutation(n)
    return {
        "lon": lon[order],
        "lat": lat[order],
        "days_ago": rng.uniform(0, 365, n),
        "channel": CHANNELS[rng.integers(0, len(CHANNELS), n)],
        "reporter": rng.integers(0, max(n // 3, 1), n),
    }


def _lines(rep: dict[str, np.ndarray], start: int, stop: int) -> str:
    out = io.StringIO()
    for i in range(start, stop):
        out.write(
            f"BR{i:09d}\t{rep['channel'][i]}\tB-{i}\t"
            f"{time.strftime('%Y-%m-%d', time.gmtime(1_793_000_000 - rep['days_ago'][i] * 86400))}"
            f" 08:00:00+00\tdevice_gps\tSRID=4326;POINT({rep['lon'][i]:.7f} {rep['lat'][i]:.7f})\t"
            f"r{rep['reporter'][i]:08d}\n"
        )
    return out.getvalue()


def raw_copy(engine: Engine, rep: dict[str, np.ndarray]) -> float:
    n = len(rep["lon"])
    chunks = [_lines(rep, a, min(a + 50_000, n)) for a in range(0, n, 50_000)]
    raw = engine.raw_connection()
    try:
        start = time.perf_counter()
        sql = (
            "COPY reports (code, channel, external_id, received_at, location_source, geom,"
            " reporter_hash) FROM STDIN"
        )
        with raw.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[attr-defined]
            for chunk in chunks:
                copy.write(chunk)
        raw.commit()
        return time.perf_counter() - start
    finally:
        raw.close()


# The columns a new report fills (geo.reports.row), and its first history row.
_STORED = {
    "reports": ", ".join(NAMES),
    "report_status_history": ", ".join(HISTORY_COLUMNS),
}


def copy_stored_rows(engine: Engine) -> float:
    """Time a raw COPY of exactly the rows the import stored (same tables, columns and bytes).

    The bare reference above copies only the input's own columns into ``reports``; the import
    also stores the encrypted identity, the content hash (with its unique index), flags and
    status, and a first history row per report. This is the raw COPY of those same rows,
    ``reports`` and ``report_status_history`` in one transaction, ids kept.
    """
    raw = engine.raw_connection()
    try:
        data: dict[str, bytearray] = {}
        with raw.cursor() as cur:  # type: ignore[attr-defined]
            for table, columns in _STORED.items():
                data[table] = bytearray()
                dump = f"COPY (SELECT id, {columns} FROM {table} ORDER BY id) TO STDOUT"
                with cur.copy(dump) as out:
                    for chunk in out:
                        data[table] += chunk
            cur.execute("TRUNCATE reports, hotspots, match_runs RESTART IDENTITY CASCADE")
        raw.commit()
        start = time.perf_counter()
        with raw.cursor() as cur:  # type: ignore[attr-defined]
            for table, columns in _STORED.items():
                with cur.copy(f"COPY {table} (id, {columns}) FROM STDIN") as copy:
                    blob = data[table]
                    for i in range(0, len(blob), 1 << 20):
                        copy.write(bytes(blob[i : i + (1 << 20)]))
        raw.commit()
        return time.perf_counter() - start
    finally:
        raw.close()


def write_csv(rep: dict[str, np.ndarray], path: Path) -> None:
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(
            [
                "external_id",
                "channel",
                "received_at",
                "lat",
                "lon",
                "location_source",
                "reporter_phone",
            ]
        )
        for i in range(len(rep["lon"])):
            day = time.gmtime(1_793_000_000 - rep["days_ago"][i] * 86400)
            out.writerow(
                [
                    f"B-{i}",
                    rep["channel"][i],
                    time.strftime("%Y-%m-%dT08:00:00+00:00", day),
                    f"{rep['lat'][i]:.7f}",
                    f"{rep['lon'][i]:.7f}",
                    "device_gps",
                    f"+62812{rep['reporter'][i]:07d}",
                ]
            )


def bulk_import(engine: Engine, path: Path) -> float | str:
    try:
        from geo.reports.importer import import_file
    except ImportError:  # the intake helper's bulk path is not there yet
        return "geo.reports.importer not available"
    settings = Settings()
    start = time.perf_counter()
    try:
        summary = import_file(
            engine=engine, path=path, settings=settings, progress=False, match=False
        )
    except Exception as exc:  # noqa: BLE001 - the table records the failure and goes on
        return f"failed: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    if summary.inserted != int(path.stem.split("_")[-1]):
        return f"inserted {summary.inserted} rows, expected {path.stem.split('_')[-1]}"
    return time.perf_counter() - start


def load_sites(engine: Engine, sites: gpd.GeoDataFrame) -> None:
    with engine.begin() as conn:
        # DELETE, not TRUNCATE: the site audit trail refuses TRUNCATE (these sites have none).
        conn.execute(text("TRUNCATE reports, hotspots, match_runs RESTART IDENTITY CASCADE"))
        conn.execute(text("DELETE FROM sites"))
        conn.execute(
            text(
                "INSERT INTO sites (code, name, geom, kabupaten, commodity) "
                "VALUES (:code, :code, ST_GeomFromText(:wkt, 4326), :kabupaten, :commodity)"
            ),
            [
                {
                    "code": r["code"],
                    "wkt": r["geometry"].wkt,
                    "kabupaten": r["kabupaten"],
                    "commodity": r["commodity"],
                }
                for r in sites.to_dict("records")
            ],
        )
        conn.execute(text("ANALYZE sites"))


def empty_reports(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE reports, hotspots, match_runs RESTART IDENTITY CASCADE"))


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def query_only() -> str:
    """The nearest-site query match_reports runs for a full run, counted instead of written."""
    cand = matching._CAND_BY_SITE.format(scope="TRUE", dist=getattr(matching, "_DIST", ""))
    return "SELECT count(*) FROM (" + cand + ") x"


PLAIN = """
SELECT count(*) FROM reports r
  JOIN sites s ON ST_DWithin(s.geom::geography, r.geom::geography, :radius)
"""


def balltree(sites: gpd.GeoDataFrame, rep: dict[str, np.ndarray]) -> tuple[float, int]:
    pts = sites.geometry.representative_point()
    start = time.perf_counter()
    tree = BallTree(np.radians(np.column_stack([pts.y, pts.x])), metric="haversine")
    dist, _ = tree.query(np.radians(np.column_stack([rep["lat"], rep["lon"]])), k=1)
    matched = int((dist[:, 0] * EARTH_M <= RADIUS_M).sum())
    return time.perf_counter() - start, matched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--million", action="store_true", help="also run 10^6 reports")
    parser.add_argument(
        "--import-max",
        type=int,
        default=100_000,
        help="largest size run through geo.reports.import_file",
    )
    parser.add_argument(
        "--sites",
        type=int,
        nargs="*",
        default=[108, 2741],
        help="site sets to run (108 and/or 2741)",
    )
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="import rows: runs of copy, import and copy of the stored rows; "
        "the medians are printed",
    )
    parser.add_argument(
        "--steps",
        nargs="*",
        choices=["import", "match"],
        default=["import", "match"],
        help="import: the copy and import rows; match: matching, references and clustering",
    )
    args = parser.parse_args()
    sizes = [*args.sizes, *([1_000_000] if args.million else [])]
    rng = np.random.default_rng(20261124)
    sets = site_sets(rng)
    rows: list[tuple[str, ...]] = []

    def record(
        n: int, n_sites: int | str, step: str, seconds: float, ref: float | None, note: str = ""
    ) -> None:
        rate = n / seconds if seconds > 0 else float("inf")
        ratio = "" if ref is None else f"{seconds / ref:.2f}"
        load = f"load {os.getloadavg()[0]:.1f}"
        note = f"{note}; {load}" if note else load
        rows.append((f"{n:,}", str(n_sites), step, f"{seconds:.2f}", f"{rate:,.0f}", ratio, note))
        print(" | ".join(rows[-1]), flush=True)

    print("reports | sites | step | seconds | reports/s | time ratio | note")
    with bench_database(args.keep_db) as engine, tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            rep = synth_reports(rng, n, sets[108])
            if "import" in args.steps and n <= args.import_max:
                load_sites(engine, sets[108])
                path = Path(tmp) / f"reports_{n}.csv"
                write_csv(rep, path)
                bare: list[float] = []
                same: list[float] = []
                imports: list[float] = []
                failure = ""
                for _ in range(args.repeat):
                    empty_reports(engine)
                    bare.append(raw_copy(engine, rep))
                    empty_reports(engine)
                    imp = bulk_import(engine, path)
                    if isinstance(imp, str):
                        failure = imp
                        break
                    imports.append(imp)
                    same.append(copy_stored_rows(engine))
                runs = f"median of {len(bare)}"
                record(
                    n,
                    "-",
                    "copy (raw psycopg COPY)",
                    median(bare),
                    None,
                    f"{runs}; input columns only, into reports",
                )
                if failure:
                    rows.append(
                        (f"{n:,}", "-", "import (geo.reports.import_file)", "", "", "", failure)
                    )
                    print(" | ".join(rows[-1]), flush=True)
                else:
                    record(
                        n,
                        "-",
                        "copy (raw COPY of the rows import stored)",
                        median(same),
                        None,
                        f"{runs}; reports and history rows, same columns and bytes",
                    )
                    record(
                        n,
                        "-",
                        "import (geo.reports.import_file)",
                        median(imports),
                        median(same),
                        f"{runs} ({', '.join(f'{t:.2f}' for t in imports)} s); ratio = "
                        f"import / raw COPY of the same rows; / bare COPY = "
                        f"{median(imports) / median(bare):.2f}",
                    )
            for n_sites, sites in sets.items():
                if n_sites not in args.sites or "match" not in args.steps:
                    continue
                rep = synth_reports(rng, n, sites)
                load_sites(engine, sites)
                empty_reports(engine)
                copy_s = raw_copy(engine, rep)
                with engine.begin() as conn:
                    conn.execute(text("ANALYZE reports"))
                with engine.connect() as conn:
                    conn.execute(text("SET jit = off"))  # as match_reports does
                    plain_s, pairs = timed(
                        lambda c=conn: c.execute(text(PLAIN), {"radius": RADIUS_M}).scalar()
                    )
                    query_s, nearest = timed(
                        lambda c=conn: c.execute(text(query_only()), {"radius": RADIUS_M}).scalar()
                    )
                with session_scope(engine) as session:
                    match_s, summary = timed(
                        lambda s=session: match_reports(session=s, radius_m=RADIUS_M)
                    )
                with session_scope(engine) as session:
                    again_s, again = timed(
                        lambda s=session: match_reports(session=s, radius_m=RADIUS_M)
                    )
                bt_s, bt_matched = balltree(sites, rep)
                record(
                    n,
                    n_sites,
                    "match (match_reports, writes)",
                    match_s,
                    plain_s,
                    f"{summary.matched:,} matched; ratio vs plain ST_DWithin",
                )
                record(
                    n,
                    n_sites,
                    "match again (nothing changed)",
                    again_s,
                    plain_s,
                    f"{again.changed:,} changed",
                )
                record(
                    n,
                    n_sites,
                    "match query only",
                    query_s,
                    plain_s,
                    f"{nearest:,} nearest; ratio vs plain ST_DWithin",
                )
                record(n, n_sites, "plain ST_DWithin count", plain_s, None, f"{pairs:,} pairs")
                record(
                    n,
                    n_sites,
                    "BallTree haversine",
                    bt_s,
                    None,
                    f"{bt_matched:,} matched; match/BallTree = {match_s / bt_s:.1f}",
                )
                with engine.begin() as conn:
                    conn.execute(text("ANALYZE reports"))
                with session_scope(engine) as session:
                    cl_s, cs = timed(
                        lambda s=session: cluster_reports(session=s, eps_m=300, min_reports=3)
                    )
                unmatched = cs.clustered_reports + cs.noise_reports
                rows.append(
                    (
                        f"{n:,}",
                        str(n_sites),
                        "cluster (cluster_reports)",
                        f"{cl_s:.2f}",
                        f"{unmatched / cl_s:,.0f}",
                        "",
                        f"{unmatched:,} unmatched -> {cs.clusters} clusters",
                    )
                )
                print(" | ".join(rows[-1]), flush=True)
                del copy_s
    print()
    print("| reports | sites | step | seconds | reports/s | time ratio | note |")
    print("| ---: | ---: | --- | ---: | ---: | ---: | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
