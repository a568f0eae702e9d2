"""Webhook throughput of the WhatsApp hotline: signed deliveries accepted and queued per second.

Starts ``pantau serve`` (one uvicorn worker, the hotline on, its Graph API pointed at a local
stand-in) on a fresh database, then posts ``--count`` distinct signed deliveries (one text
message each, from 50 senders) from ``--concurrency`` client threads on loopback. A delivery is
"accepted and queued" when the answer is 200: its raw body is then committed, encrypted, in
``whatsapp_deliveries``. The reference is the same server's ``GET /health/live`` (no database),
loaded the same way. The background worker takes the deliveries in while they arrive; the time
until the queue is empty is printed too.

Usage: ``.venv/bin/python benchmarks/whatsapp.py [--count 1000] [--concurrency 8]``
(needs the PostGIS template of ``scripts/dev-db``).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo import migrate  # noqa: E402
from geo.db import make_engine  # noqa: E402
from tests.api.conftest import free_port  # noqa: E402
from tests.dbutil import throwaway_database  # noqa: E402
from tests.geo.whatsapp.fakes import (  # noqa: E402
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    T0,
    VERIFY_TOKEN,
    delivery,
    graph_stand_in,
    sign,
)
from tests.geo.whatsapp.fakes import text as text_message  # noqa: E402


def serve(url: str, data_dir: str, graph_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "PANTAU_ENVIRONMENT": "test",
        "PANTAU_DATABASE_URL": url,
        "PANTAU_SECRET_KEY": secrets.token_urlsafe(48),  # the key rules want 32 random bytes
        "PANTAU_DATA_DIR": data_dir,
        "PANTAU_WHATSAPP_APP_SECRET": APP_SECRET,
        "PANTAU_WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
        "PANTAU_WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
        "PANTAU_WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "PANTAU_WHATSAPP_GRAPH_URL": graph_url,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "geo",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health/ready", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("pantau serve did not become ready in 60 s")


def bodies(count: int) -> list[bytes]:
    out = []
    for i in range(count):
        sender = (f"62812{i % 50:08d}", f"Pelapor {i % 50}")
        message = text_message(f"wamid.bench{i}", f"Ada tambang di titik {i}", T0 + i)
        out.append(json.dumps(delivery(message, sender=sender)).encode())
    return out


def load(
    count: int, concurrency: int, request: Callable[[httpx.Client, int], int]
) -> tuple[float, list[float]]:
    """Run ``count`` requests from ``concurrency`` threads; return (seconds, latencies)."""
    latencies: list[float] = []
    share = [list(range(i, count, concurrency)) for i in range(concurrency)]

    def worker(indices: list[int]) -> None:
        with httpx.Client(timeout=30) as client:
            for i in indices:
                start = time.perf_counter()
                status = request(client, i)
                latencies.append(time.perf_counter() - start)
                if status != 200:
                    raise RuntimeError(f"request {i} answered {status}")

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, share))
    return time.perf_counter() - start, latencies


def row(name: str, count: int, seconds: float, lat: list[float], ref: float | None) -> str:
    rate = count / seconds
    cuts = statistics.quantiles(lat, n=100)
    ratio = "1.00" if ref is None else f"{ref / rate:.2f}"
    return (
        f"| {name:<34} | {count:>8,} | {rate:>8,.0f} | {cuts[49] * 1000:>7.1f} | "
        f"{cuts[98] * 1000:>7.1f} | {ratio:>14} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    payloads = bodies(args.count)
    with (
        throwaway_database("pantau_bench_wa") as url,
        graph_stand_in() as graph,
        TemporaryDirectory() as data_dir,
    ):
        engine = make_engine(url)
        migrate.upgrade(engine)
        process, base = serve(url, data_dir, graph.graph_url)
        try:
            live_s, live_lat = load(
                args.count, args.concurrency, lambda c, i: c.get(f"{base}/health/live").status_code
            )
            post_s, post_lat = load(
                args.count,
                args.concurrency,
                lambda c, i: (
                    c.post(
                        f"{base}/webhooks/whatsapp",
                        content=payloads[i],
                        headers={
                            "X-Hub-Signature-256": sign(payloads[i]),
                            "Content-Type": "application/json",
                        },
                    ).status_code
                ),
            )
            started = time.perf_counter()
            with engine.connect() as conn:
                stored = conn.execute(text("SELECT count(*) FROM whatsapp_deliveries")).scalar()
                while conn.execute(
                    text("SELECT count(*) FROM whatsapp_deliveries WHERE processed_at IS NULL")
                ).scalar():
                    time.sleep(0.2)
                    conn.rollback()
                messages = conn.execute(text("SELECT count(*) FROM whatsapp_messages")).scalar()
            drained = time.perf_counter() - started
        finally:
            process.terminate()
            process.wait(timeout=20)
            engine.dispose()
    live_rate = args.count / live_s
    print(f"{args.count:,} requests each, {args.concurrency} client threads, one uvicorn worker")
    print(
        "| endpoint                           | requests |    req/s |  p50 ms |  p99 ms "
        "| time vs live |"
    )
    print(
        "|------------------------------------|---------:|---------:|--------:|--------:"
        "|-------------:|"
    )
    print(row("GET /health/live (reference)", args.count, live_s, live_lat, None))
    print(row("POST /webhooks/whatsapp (signed)", args.count, post_s, post_lat, live_rate))
    print(
        f"deliveries stored: {stored:,}; messages taken in: {messages:,}; queue empty "
        f"{drained:.1f} s after the last delivery was accepted"
    )


if __name__ == "__main__":
    main()
