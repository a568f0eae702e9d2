"""Benchmark of the staff console with many reports: inbox, report page and the map's cells.

Fills a database of its own with the 108 demo sites and ``--reports`` synthetic reports (made
in SQL: statuses spread over the lifecycle, received over the last 400 days, each with its
history rows), starts ``pantau serve`` (one uvicorn worker), signs in as an analyst with a real
HTTP client (httpx, as a browser would: sign-in form, CSRF cookie, session cookie) and times
``--repeat`` requests of each page. The inbox reads each report's stored most urgent clock
(``report_clocks``, :mod:`geo.reports.clock_store`): the first request of a fresh database
computes and stores all of them (the "first" column), later ones only those a write made the
database forget. The reference is
``/health/live`` on the same server (the cost of a request that does nothing); the ratio column
divides each median by the reference's, measured in the same run, so runs on a busy and a quiet
machine can be compared.

Usage::

    .venv/bin/python benchmarks/console.py                     # 10^5 reports
    .venv/bin/python benchmarks/console.py --reports 10000

Prints a Markdown table; the figures are recorded in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo import accounts, migrate, sites  # noqa: E402 - after the path is set
from geo.db import make_engine, session_scope  # noqa: E402
from geo.settings import Settings  # noqa: E402
from tests.api.conftest import start_server  # noqa: E402

DB_NAME = f"pantau_bench_console_{os.getpid()}"
SECRET = "pantau-bench-Zq8vLr2Nw5Kx7Jt1Hd4Mb6Ys9Pc3Gf0UaQe"
PASSWORD = "sandi-benchmark-1"

_REPORTS = """
INSERT INTO reports (code, channel, received_at, geom, location_source, status, resolution,
                     confidentiality, activity, description)
SELECT 'PTM-' || lpad(upper(to_hex(g)), 6, '0'),
       (ARRAY['hotline','web','lapor','field_team'])[1 + g % 4],
       now() - (g % 400) * interval '1 day' - (g % 97) * interval '1 minute',
       ST_SetSRID(ST_MakePoint(115 + random() * 3, -1.5 + random() * 3), 4326), 'device_gps',
       (ARRAY['received','verified','assigned','closed','rejected'])[1 + g % 5],
       (ARRAY[NULL,NULL,NULL,'duplicate','insufficient_info'])[1 + g % 5],
       'rahasia', 'other', 'Laporan sintetis ' || g
  FROM generate_series(1, :n) g
"""
_HISTORY = [
    "INSERT INTO report_status_history (report_id, from_status, to_status, actor, at) "
    "SELECT id, NULL, 'received', 'bench', received_at FROM reports",
    "INSERT INTO report_status_history (report_id, from_status, to_status, actor, at) "
    "SELECT id, 'received', status, 'bench', received_at + interval '2 days' FROM reports "
    "WHERE status <> 'received'",
]


def fill(url: str, n: int) -> str:
    """Load the demo sites, ``n`` reports with history, and one analyst; return a report code."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    sites.import_file(engine, ROOT / "data" / "sites.geojson", actor="bench")
    with engine.begin() as conn:
        conn.execute(text(_REPORTS), {"n": n})
        for sql in _HISTORY:
            conn.execute(text(sql))
        conn.execute(text("ANALYZE"))
        code = str(conn.execute(text("SELECT code FROM reports ORDER BY id LIMIT 1")).scalar())
    with session_scope(engine) as session:
        accounts.create_user(session=session, username="analis", role="analyst", password=PASSWORD)
    engine.dispose()
    return code


def sign_in(client: httpx.Client) -> None:
    """Sign in as a browser does: the form's CSRF field and cookie, then the session cookie."""
    form = client.get("/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    answer = client.post(
        "/masuk", data={"username": "analis", "password": PASSWORD, "csrf_token": token[1]}
    )
    assert answer.status_code == 303, answer.text[:200]


def timed(client: httpx.Client, path: str, repeat: int) -> tuple[float, float]:
    """Return the first and the median time (ms) of ``repeat`` GETs of ``path``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    return times[0], statistics.median(times)


def main() -> None:
    """Fill, serve, sign in, time each page and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    admin_url = Settings(_env_file=None).database.url
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{DB_NAME}" TEMPLATE pantau_template'))
    url = make_url(admin_url).set(database=DB_NAME).render_as_string(hide_password=False)
    try:
        start = time.perf_counter()
        code = fill(url, args.reports)
        print(f"filled {args.reports:,} reports in {time.perf_counter() - start:.1f} s")
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                environment="test", database={"url": url}, secret_key=SECRET, data_dir=Path(tmp)
            )
            server = start_server(settings, PANTAU_CONSOLE_LOGIN_RATE_PER_MINUTE="1000")
            try:
                with httpx.Client(base_url=server.url, timeout=120) as client:
                    sign_in(client)
                    rows = [
                        ("inbox, first page", "/laporan"),
                        ("inbox, overdue filter", "/laporan?clock=overdue"),
                        ("inbox, page 50", "/laporan?page=50"),
                        ("report page", f"/laporan/{code}"),
                        ("map cells (zoom 7)", "/konsol/peta/laporan.json?z=7"),
                        (
                            "map cells (zoom 12, a view)",
                            "/konsol/peta/laporan.json?z=12&bbox=116.5,-0.6,116.9,-0.3",
                        ),
                        ("Beranda", "/"),
                        ("reference: /health/live", "/health/live"),
                    ]
                    _, reference = timed(client, "/health/live", args.repeat)
                    print(f"\n| page ({args.reports:,} reports) | first ms | median ms | ratio |")
                    print("|---|---|---|---|")
                    for label, path in rows:
                        first, median = timed(client, path, args.repeat)
                        ratio = median / reference
                        print(f"| {label} | {first:,.0f} | {median:,.0f} | {ratio:,.0f} |")
            finally:
                server.stop()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        admin.dispose()
    print(f"\nload average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
