"""Report import with and without the batch classification by the permit and forest layers.

On two fresh migrated databases, each with the demo permit (WIUP) and forest estate layers,
times ``geo.reports.service.import_reports`` of the same N synthetic hotline reports over East
Kalimantan: once with the classification of the imported batch switched off, once as shipped
(every imported report classified in one statement set before the rescoring). Prints both
times and their ratio.

Usage: ``.venv/bin/python benchmarks/reclassify.py [--size 10000]``.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from unittest import mock

from sqlalchemy import text

from geo import migrate
from geo.db import make_engine, session_scope
from geo.layers import service as layers
from geo.reports import service as reports
from geo.settings import get_settings
from tests.dbutil import throwaway_database

ROOT = Path(__file__).resolve().parents[1]
LAYERS = (("wiup", "demo_wiup.geojson"), ("kawasan_hutan", "demo_kawasan_hutan.geojson"))


def write_reports(path: Path, size: int) -> Path:
    """Write ``size`` hotline reports at random places over East Kalimantan."""
    rnd = random.Random(7)
    lines = ["external_id,channel,received_at,lat,lon,activity"]
    for i in range(size):
        lat, lon = rnd.uniform(-1.5, 1.5), rnd.uniform(115.5, 118.5)
        lines.append(f"B-{i},hotline,2026-10-01T09:00:00+08:00,{lat:.5f},{lon:.5f},excavator")
    path.write_text("\n".join(lines) + "\n")
    return path


def run(path: Path, *, classify: bool) -> tuple[float, int]:
    """Return the import's seconds and the number of reports classified afterwards."""
    settings = get_settings()
    with throwaway_database("pantau_bench_reclassify") as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        database = settings.database.model_copy(update={"url": url})
        s = settings.model_copy(update={"database": database})
        with session_scope(engine) as session:
            for kind, name in LAYERS:
                layers.import_layer(
                    session=session, kind=kind, path=ROOT / "data" / name, actor="b", settings=s
                )
        off = mock.patch.object(reports, "_classify_unclassified", lambda *a, **k: None)
        with off if not classify else mock.MagicMock():
            start = time.perf_counter()
            reports.import_reports(settings=s, engine=engine, path=path, actor="bench")
            took = time.perf_counter() - start
        with engine.connect() as conn:
            count = conn.execute(
                text("SELECT count(*) FROM layer_classifications WHERE object_kind = 'report'")
            ).scalar_one()
        engine.dispose()
    return took, int(count)


def main() -> None:
    """Run both imports and print the times and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    args = parser.parse_args()
    with TemporaryDirectory() as tmp:
        path = write_reports(Path(tmp) / "reports.csv", args.size)
        without, _ = run(path, classify=False)
        with_, classified = run(path, classify=True)
    print(f"{args.size:,} reports: import {without:.2f} s without classification")
    print(f"{args.size:,} reports: import {with_:.2f} s with ({classified:,} classified)")
    print(f"ratio: {with_ / without:.2f}")


if __name__ == "__main__":
    main()
