"""Load the running HTTP service from a second process on loopback with wrk.

GET sites as GeoJSON (108 and 2,741 features), GET one site, POST a report, each against a real
``pantau serve`` process; the reference is a minimal endpoint in this script that returns the
same GeoJSON built by one SQL query (``ST_AsGeoJSON`` + ``json_agg``) on the same database,
served by the same uvicorn with the same number of workers. GET /sites is measured twice: with
the registry cache (the default) and on a second ``pantau serve`` started with
``PANTAU_API_REGISTRY_CACHE=false``, which reads the database on every request. Prints requests
per second, p50/p99 latency and the ratios.

Usage: ``.venv/bin/python benchmarks/api.py [--seconds 10] [--connections 50] [--workers 1]
[--layers]`` (``--layers``: the demo permit and forest layers loaded, every site classified)
(needs ``wrk``: ``apt-get install -y wrk``; and the PostGIS template of ``scripts/dev-db``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import geopandas as gpd
import httpx
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo import bases, migrate, sites  # noqa: E402
from geo.db import make_engine, session_scope  # noqa: E402
from geo.settings import Settings  # noqa: E402
from geo.tokens import create_token  # noqa: E402

# The same answer as ``GET /sites`` in one query: the registry's columns and the class of each
# site (every key present, null when no layer classified it: issue 18). Labels are the codes and
# the guidance is null (both come from the message catalogue in the service), so with
# ``--layers`` this answer is somewhat shorter than the service's.
MINIMAL_SQL = """
SELECT json_build_object('type', 'FeatureCollection', 'features',
       coalesce(json_agg(json_build_object(
           'type', 'Feature', 'id', s.code,
           'geometry', ST_AsGeoJSON(s.geom, 7)::json,
           'properties', json_build_object('code', s.code, 'name', s.name,
               'kabupaten', s.kabupaten, 'kecamatan', s.kecamatan, 'commodity', s.commodity,
               'status', s.status, 'risk_level', s.risk_level,
               'first_reported', s.first_reported, 'last_inspected', s.last_inspected,
               'class_indicative', CASE WHEN c.id IS NOT NULL THEN true END,
               'permit_class', c.permit_class, 'permit_class_label', c.permit_class,
               'permit_share', c.permit_share,
               'permit_code', coalesce(nullif(c.permit ->> 'kode_wiup', ''),
                                       nullif(c.permit ->> 'sk_iup', '')),
               'forest_flags', c.forest_flags, 'forest_labels', c.forest_flags,
               'authority', c.authority, 'authority_label', c.authority,
               'wiup_snapshot_date', c.wiup_snapshot_date,
               'forest_snapshot_date', c.forest_snapshot_date, 'class_guidance', NULL))
           ORDER BY s.code), '[]'::json))::text
FROM sites s
LEFT JOIN layer_classifications c ON c.object_kind = 'site' AND c.object_id = s.id
"""


def minimal_app() -> object:
    """The reference: one route, one SQL query, the same engine settings and uvicorn."""
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    engine = make_engine(os.environ["PANTAU_DATABASE_URL"])

    def sites_geojson(request: object) -> Response:
        with engine.connect() as conn:
            body = conn.execute(text(MINIMAL_SQL)).scalar_one()
        return Response(body, media_type="application/geo+json")

    return Starlette(routes=[Route("/sites", sites_geojson)])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load_layers(engine: Engine) -> int:
    """Import the demo permit and forest layers and classify every site; return how many."""
    from geo.layers import service as layers

    settings = Settings()
    with session_scope(engine) as session:
        for kind in ("wiup", "kawasan_hutan"):
            layers.import_layer(
                session=session,
                kind=kind,
                path=ROOT / "data" / f"demo_{kind}.geojson",
                actor="bench",
                settings=settings,
                snapshot_date=dt.date(2026, 11, 1),
                reclassify=False,
            )
        summary = layers.classify(session=session, settings=settings)
    return int(sum(summary.by_class.values()))


def make_database(n_sites: int, *, with_layers: bool = False) -> str:
    admin_url = Settings().database.url
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"pantau_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "pantau_template"'))
    admin.dispose()
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    sites.import_file(engine, ROOT / "data" / "sites.geojson", actor="bench")
    bases.import_file(engine, ROOT / "data" / "bases.geojson")
    extra = n_sites - 108
    if extra > 0:
        demo = gpd.read_file(ROOT / "data" / "sites.geojson")
        rng = random.Random(7)
        rows = []
        for i in range(extra):
            src = demo.iloc[i % len(demo)]
            p = src.geometry.representative_point()
            rows.append(
                {
                    "code": f"SYN-{i + 1:04d}",
                    "name": f"Sintetis {i + 1}",
                    "kabupaten": src["kabupaten"],
                    "kecamatan": src["kecamatan"],
                    "commodity": src["commodity"],
                    "status": src["status"],
                    "risk_level": src["risk_level"],
                    "first_reported": src["first_reported"],
                    "geometry": type(p)(
                        p.x + rng.uniform(-0.05, 0.05), p.y + rng.uniform(-0.05, 0.05)
                    ),
                }
            )
        frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)
        records = sites.validate_frame(frame, source="bench")
        with session_scope(engine) as session:
            sites.upsert(session, records, actor="bench", source="bench")
    if with_layers:
        print(f"  {n_sites} sites: {load_layers(engine)} objects classified", file=sys.stderr)
    engine.dispose()
    return url


def drop_database(url: str) -> None:
    admin = create_engine(Settings().database.url, isolation_level="AUTOCOMMIT")
    name = make_url(url).database
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def start(args: list[str], env: dict[str, str], url_check: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url_check, timeout=1).status_code < 500:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server did not start: {args}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server; kill it when requests still queued (a slow route) hold it past 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def serve(port: int, env: dict[str, str], workers: int) -> subprocess.Popen[bytes]:
    """Start ``pantau serve`` with ``workers`` uvicorn workers and wait until it is ready."""
    return start(
        [
            sys.executable,
            "-m",
            "geo",
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--workers",
            str(workers),
        ],
        env,
        f"http://127.0.0.1:{port}/health/ready",
    )


def wrk(
    url: str, *, seconds: int, connections: int, headers: dict[str, str], script: str | None = None
) -> tuple[float, float, float]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def pct(p: str) -> float:
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert m, out
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
        return float(m.group(1)) * scale

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        print(f"  warning: {non2xx.group(1)} non-2xx responses for {url}")
    return rps, pct("50"), pct("99")


POST_SCRIPT = """
math.randomseed(os.time())
wrk.method = "POST"
counter = 0
request = function()
  counter = counter + 1
  local lat = -0.4 - math.random() * 0.3
  local lon = 117.0 + math.random() * 0.3
  local body = string.format(
    '{"lat": %.6f, "lon": %.6f, "activity": "excavator", "confidentiality": "anonim", ' ..
    '"description": "bench %d %d"}', lat, lon, counter, math.random(1, 1000000000))
  local headers = {["Content-Type"] = "application/json", ["X-Forwarded-For"] = address(counter)}
  return wrk.format(nil, "/reports", headers, body)
end
"""
#: Every request from one address (the rate limit's tokens come in leases), or from a new one
#: each time (each request takes from its own bucket in PostgreSQL).
SAME_ADDRESS = 'address = function(n) return "192.0.2.1" end\n'
NEW_ADDRESS = """
tid = 0
local threads = 0
setup = function(thread) threads = threads + 1; thread:set("tid", threads) end
address = function(n)
  return string.format("10.%d.%d.%d", tid, math.floor(n / 256) % 256, n % 256)
end
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn workers of every server (ours and minimal)"
    )
    parser.add_argument(
        "--layers",
        action="store_true",
        help="import the demo permit and forest layers, so every site carries its class "
        "(the minimal reference leaves out the catalogue's guidance texts)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")

    rows: list[tuple[str, int | str, float, float, float, str]] = []
    load_start = os.getloadavg()
    for n_sites in (108, 2741):
        url = make_database(n_sites, with_layers=args.layers)
        engine = make_engine(url)
        with session_scope(engine) as session:
            _, token = create_token(session=session, user="bench", role="analyst")
        engine.dispose()
        env = {
            **os.environ,
            "PANTAU_DATABASE_URL": url,
            "PANTAU_ENVIRONMENT": "test",
            "PANTAU_SECRET_KEY": secrets.token_urlsafe(48),  # the key rules want 32 random bytes
            "PANTAU_DATA_DIR": tempfile.mkdtemp(prefix="pantau-bench-"),
            "PANTAU_API_PUBLIC_RATE_PER_MINUTE": "100000000",
            "PANTAU_API_PUBLIC_BURST": "100000000",
            "PANTAU_API_TRUST_FORWARDED_FOR": "true",  # the POST rows choose their address
            "PYTHONPATH": str(ROOT),
        }
        api_port, off_port, ref_port = free_port(), free_port(), free_port()
        api = serve(api_port, env, args.workers)
        off = serve(off_port, {**env, "PANTAU_API_REGISTRY_CACHE": "false"}, args.workers)
        ref = start(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "benchmarks.api:minimal_app",
                "--port",
                str(ref_port),
                "--log-level",
                "warning",
                "--no-access-log",
                "--workers",
                str(args.workers),
            ],
            env,
            f"http://127.0.0.1:{ref_port}/sites",
        )
        try:
            auth = {"Authorization": f"Bearer {token}"}
            got = httpx.get(f"http://127.0.0.1:{api_port}/sites?limit=10000", headers=auth).json()
            ref_got = httpx.get(f"http://127.0.0.1:{ref_port}/sites").json()
            assert len(got["features"]) == len(ref_got["features"]) == n_sites
            # The reference answers with the same properties, so the ratio is the service's cost.
            assert set(ref_got["features"][0]["properties"]) == set(
                got["features"][0]["properties"]
            )
            kw = {"seconds": args.seconds, "connections": args.connections}
            base = wrk(f"http://127.0.0.1:{ref_port}/sites", headers={}, **kw)
            off_got = httpx.get(f"http://127.0.0.1:{off_port}/sites?limit=10000", headers=auth)
            assert off_got.json()["features"] == got["features"]
            ours = wrk(f"http://127.0.0.1:{api_port}/sites?limit=10000", headers=auth, **kw)
            uncached = wrk(f"http://127.0.0.1:{off_port}/sites?limit=10000", headers=auth, **kw)
            rows.append(("GET /sites (minimal: 1 SQL)", n_sites, *base, "1.00"))
            rows.append(("GET /sites", n_sites, *ours, f"{base[0] / ours[0]:.2f}"))
            rows.append(
                ("GET /sites (cache off)", n_sites, *uncached, f"{base[0] / uncached[0]:.2f}")
            )
            if n_sites == 108:
                # The floor of this machine at this moment: a route that does no work at all.
                live = wrk(f"http://127.0.0.1:{api_port}/health/live", headers={}, **kw)
                rows.append(("GET /health/live (no work)", "-", *live, "-"))
                one = wrk(f"http://127.0.0.1:{api_port}/sites/KKR-001", headers=auth, **kw)
                rows.append(("GET /sites/KKR-001", 1, *one, "-"))
                for name, address in (("", SAME_ADDRESS), (", new address", NEW_ADDRESS)):
                    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
                        f.write(address + POST_SCRIPT)
                    reports_url = f"http://127.0.0.1:{api_port}/reports"
                    post = wrk(reports_url, headers={}, script=f.name, **kw)
                    os.unlink(f.name)
                    rows.append((f"POST /reports (public{name})", "-", *post, "-"))
        finally:
            for proc in (api, off, ref):
                stop(proc)
            drop_database(url)

    load_end = os.getloadavg()
    print(
        f"\nwrk -t2 -c{args.connections} -d{args.seconds}s on loopback, "
        f"{os.cpu_count()} CPU cores, {args.workers} uvicorn worker(s) per server, "
        f"{'demo layers loaded (sites carry their class)' if args.layers else 'no layers'}; "
        f"load average (1/5/15 min) {'/'.join(f'{x:.2f}' for x in load_start)} at the start, "
        f"{'/'.join(f'{x:.2f}' for x in load_end)} at the end\n"
    )
    print(
        f"| {'endpoint':36} | {'features':>8} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} "
        f"| {'time vs minimal':>15} |"
    )
    print(f"|{'-' * 38}|{'-' * 10}:|{'-' * 9}:|{'-' * 8}:|{'-' * 8}:|{'-' * 16}:|")
    for name, n, rps, p50, p99, ratio in rows:
        print(f"| {name:36} | {n!s:>8} | {rps:8.0f} | {p50:7.1f} | {p99:7.1f} | {ratio:>15} |")


if __name__ == "__main__":
    main()
