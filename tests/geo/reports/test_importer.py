from __future__ import annotations

import csv
import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from geo.errors import InputFileError
from geo.reports.importer import import_file
from geo.settings import Settings
from tests.geo.reports.conftest import NOW, make_jpeg

FIELDS = [
    "external_id",
    "channel",
    "received_at",
    "lat",
    "lon",
    "activity",
    "description",
    "reporter_name",
    "reporter_phone",
    "evidence",
]
PHONE = "0813-5555-2468"


@pytest.fixture
def fresh(engine: Engine) -> Iterator[None]:
    """Imports commit: remove what the test wrote so other tests start clean."""
    with engine.connect() as conn:
        before = conn.execute(text("SELECT coalesce(max(id), 0) FROM reports")).scalar()
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM reports WHERE id > :b"), {"b": before})
        conn.execute(
            text(
                "DELETE FROM evidence e WHERE NOT EXISTS "
                "(SELECT 1 FROM report_evidence re WHERE re.sha256 = e.sha256)"
            )
        )


def _count(engine: Engine, where: str = "true") -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM reports WHERE {where}")).scalar() or 0)


def _rows(n: int, prefix: str) -> list[dict[str, object]]:
    # Spread 2 km apart and a day apart: no near duplicates among them.
    return [
        {
            "external_id": f"{prefix}-{i:05d}",
            "channel": "hotline",
            "received_at": f"2025-{1 + i // 200 % 12:02d}-{1 + i % 28:02d}"
            f"T10:{i % 60:02d}:00+08:00",
            "lat": round(-1.0 + (i % 40) * 0.02, 5),
            "lon": round(116.0 + (i // 40) * 0.02, 5),
            "activity": "excavator",
            "description": f"alat berat terlihat, laporan {i}",
            "reporter_name": "Rahmat Hidayat",
            "reporter_phone": PHONE,
            "evidence": "",
        }
        for i in range(n)
    ]


def _write_csv(path: Path, rows: list[dict[str, object]], fields: list[str] = FIELDS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_csv_import_then_rerun_changes_nothing(
    engine: Engine,
    settings: Settings,
    tmp_path: Path,
    fresh: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    rows = _rows(20, "CSV")
    (tmp_path / "foto").mkdir()
    (tmp_path / "foto" / "a.jpg").write_bytes(make_jpeg(-1.0, 116.0, colour=(3, 1, 4)))
    rows[0]["evidence"] = "foto/a.jpg"
    rows.append(dict(rows[5]))  # the same row twice in one file
    path = _write_csv(tmp_path / "reports.csv", rows)

    first = import_file(
        engine=engine, path=path, settings=settings, now=NOW, progress=False, batch_size=7
    )
    assert (first.rows, first.inserted, first.duplicates, first.batches) == (21, 20, 1, 3)
    assert first.rejected == []
    again = import_file(engine=engine, path=path, settings=settings, now=NOW, progress=False)
    assert (again.inserted, again.duplicates) == (0, 21)
    assert _count(engine, "external_id LIKE 'CSV-%'") == 20
    with engine.connect() as conn:
        history = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT report_id) FROM report_status_history h "
                "JOIN reports r ON r.id = h.report_id WHERE r.external_id LIKE 'CSV-%'"
            )
        ).one()
        assert tuple(history) == (20, 20)
        linked = conn.execute(
            text(
                "SELECT e.exif_lat FROM report_evidence re JOIN evidence e USING (sha256) "
                "JOIN reports r ON r.id = re.report_id WHERE r.external_id = 'CSV-00000'"
            )
        ).scalar()
        assert linked == pytest.approx(-1.0, abs=1e-5)
        stored = conn.execute(
            text("SELECT reporter_name_enc FROM reports WHERE external_id = 'CSV-00001'")
        ).scalar()
        assert stored is not None and b"Rahmat" not in stored
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "reports.csv" in logged
    assert "Rahmat" not in logged and "5555" not in logged


def test_a_bad_row_stops_the_import_and_names_file_row_and_field(
    engine: Engine, settings: Settings, tmp_path: Path, fresh: None
) -> None:
    rows = _rows(6, "BAD")
    rows[1]["lat"], rows[1]["lon"] = 0, 0  # line 3 of the file
    rows[3]["channel"] = "sms"  # line 5
    rows[4]["lat"] = "95"  # line 6
    path = _write_csv(tmp_path / "laporan.csv", rows)
    with pytest.raises(InputFileError) as info:
        import_file(engine=engine, path=path, settings=settings, now=NOW, progress=False)
    message = info.value.message
    assert "3 of 6 rows are not valid; nothing was imported" in message
    assert "laporan.csv, row 3: lat/lon: got 0, 0" in message
    assert "laporan.csv, row 5: channel: expected one of" in message
    assert "laporan.csv, row 6: lat: expected a latitude between -90 and 90" in message
    assert _count(engine, "external_id LIKE 'BAD-%'") == 0

    summary = import_file(
        engine=engine, path=path, settings=settings, now=NOW, progress=False, on_error="skip"
    )
    assert summary.inserted == 3
    assert [(e.row, e.field) for e in summary.rejected] == [(3, "lat"), (5, "channel"), (6, "lat")]


def test_a_bad_row_late_in_the_file_undoes_the_batches_already_sent(
    engine: Engine,
    settings: Settings,
    tmp_path: Path,
    fresh: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import geo.reports.importer as importer

    rows = _rows(40, "LATE")
    rows[37]["lat"] = "95"  # in the last chunk: the first ones are already with the writers
    path = _write_csv(tmp_path / "late.csv", rows)
    with engine.connect() as conn:
        before = int(conn.execute(text("SELECT nextval('reports_id_seq')")).scalar() or 0)
        conn.commit()

    def reserved() -> int:
        with engine.connect() as conn:
            last = conn.execute(text("SELECT last_value FROM reports_id_seq")).scalar()
        return int(last or 0) - before

    check = importer._validate
    chunks = 0

    def validate(*args: Any, **kwargs: Any) -> Any:
        # Before the last chunk is checked, wait until the writers have taken the other seven
        # (each reserves its ids just before it COPYs them into its open transaction).
        nonlocal chunks
        chunks += 1
        for _ in range(200):
            if chunks < 8 or reserved() >= 35:
                break
            time.sleep(0.05)
        return check(*args, **kwargs)

    monkeypatch.setattr(importer, "_validate", validate)
    with pytest.raises(InputFileError, match="1 of 40 rows are not valid; nothing was imported"):
        import_file(
            engine=engine, path=path, settings=settings, now=NOW, progress=False, batch_size=5
        )
    assert reserved() >= 35  # seven batches were written...
    assert _count(engine, "external_id LIKE 'LATE-%'") == 0  # ...and none of them stays
    monkeypatch.undo()

    rows[37]["lat"] = "-0.9"
    _write_csv(path, rows[:20])
    assert (
        import_file(engine=engine, path=path, settings=settings, now=NOW, progress=False).inserted
        == 20
    )
    # Stored rows met again in small batches: each conflict is sorted out inside its batch.
    _write_csv(path, rows)
    again = import_file(
        engine=engine, path=path, settings=settings, now=NOW, progress=False, batch_size=6
    )
    assert (again.inserted, again.duplicates, again.batches) == (20, 20, 7)
    with engine.connect() as conn:
        counts = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT external_id), "
                "(SELECT count(*) FROM report_status_history h JOIN reports r2 "
                " ON r2.id = h.report_id WHERE r2.external_id LIKE 'LATE-%') "
                "FROM reports WHERE external_id LIKE 'LATE-%'"
            )
        ).one()
    assert tuple(counts) == (40, 40, 40)


def test_two_writers_never_draw_the_same_code_in_one_import(
    engine: Engine,
    settings: Settings,
    tmp_path: Path,
    fresh: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With held batches, two writers inserting one code would wait for each other: a deadlock.
    # Draw from 64 codes only, so that 60 rows would repeat some if codes were not tracked.
    import random

    import geo.reports.codes as codes_module

    rng = random.Random(3)
    monkeypatch.setattr(
        codes_module,
        "new_codes",
        lambda n: ["PTM-QQQQ" + rng.choice("23456789") + rng.choice("23456789") for _ in range(n)],
    )
    path = _write_csv(tmp_path / "codes.csv", _rows(60, "CODE"))
    summary = import_file(
        engine=engine, path=path, settings=settings, now=NOW, progress=False, batch_size=6
    )
    assert summary.inserted == 60
    with engine.connect() as conn:
        codes = (
            conn.execute(text("SELECT code FROM reports WHERE external_id LIKE 'CODE-%'"))
            .scalars()
            .all()
        )
    assert len(set(codes)) == 60 and all(c.startswith("PTM-QQQQ") for c in codes)


def test_geojson_import(engine: Engine, settings: Settings, tmp_path: Path, fresh: None) -> None:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [116.9, -0.2]},
            "properties": {
                "channel": "field_team",
                "external_id": "GJ-1",
                "aktivitas": "stockpile",
                "komoditas": "batubara",
                "received_at": "2025-09-01T08:00:00+08:00",
            },
        },
        {
            "type": "Feature",
            "geometry": None,
            "properties": {
                "channel": "media",
                "external_id": "GJ-2",
                "lokasi": "Sungai Mahakam dekat Long Iram",
                "location_source": "described",
                "received_at": "2025-09-02T08:00:00+08:00",
            },
        },
    ]
    path = tmp_path / "reports.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    summary = import_file(engine=engine, path=path, settings=settings, now=NOW, progress=False)
    assert (summary.format, summary.inserted) == ("geojson", 2)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT external_id, activity, commodity_guess, ST_AsText(geom), location_source "
                "FROM reports WHERE external_id LIKE 'GJ-%' ORDER BY external_id"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("GJ-1", "stockpile", "batubara", "POINT(116.9 -0.2)", "map_pin"),
        ("GJ-2", "other", None, None, "described"),
    ]

    bad = tmp_path / "bad.geojson"
    bad.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]},
                        "properties": {},
                    }
                ],
            }
        )
    )
    with pytest.raises(InputFileError, match="bad.geojson, feature 1: geometry: expected a Point"):
        import_file(engine=engine, path=bad, settings=settings, now=NOW, progress=False)


def test_sp4n_lapor_export(engine: Engine, settings: Settings, tmp_path: Path, fresh: None) -> None:
    path = tmp_path / "lapor_export.csv"
    path.write_text(
        "Nomor Tracking;Tanggal Laporan;Judul Laporan;Isi Laporan;Lokasi Kejadian;"
        "Latitude;Longitude\n"
        "4829104;03/11/2025 09:15;Tambang ilegal;Ada ekskavator di kebun warga;"
        "Desa Loa Duri Ilir, Loa Janan;-0,6012;117,0893\n"
        "4829377;05/11/2025 14:02;Truk batubara;Truk lewat malam hari;"
        "Jl. Poros Samarinda-Bontang km 20;;\n",
        encoding="utf-8",
    )
    summary = import_file(engine=engine, path=path, settings=settings, now=NOW, progress=False)
    assert (summary.format, summary.inserted) == ("lapor", 2)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT external_id, channel, title, received_at AT TIME ZONE 'Asia/Makassar', "
                "ST_X(geom), location_source, confidentiality FROM reports "
                "WHERE external_id IN ('4829104', '4829377') "
                "ORDER BY external_id"
            )
        ).all()
    assert rows[0].external_id == "4829104" and rows[0].channel == "lapor"
    assert rows[0][3].isoformat() == "2025-11-03T09:15:00"
    assert rows[0][4] == pytest.approx(117.0893)
    assert rows[1].location_source == "described" and rows[1][4] is None
    assert {r.confidentiality for r in rows} == {"rahasia"}  # no flag in the export: safest
    again = import_file(engine=engine, path=path, settings=settings, now=NOW, progress=False)
    assert (again.inserted, again.duplicates) == (0, 2)


def test_near_duplicates_are_linked_after_import(
    engine: Engine, settings: Settings, tmp_path: Path, fresh: None
) -> None:
    rows = _rows(3, "NEAR")
    for row in rows:
        row["lat"], row["lon"] = -0.9, 116.5
    rows[0]["received_at"] = "2025-08-01T10:00:00+08:00"
    rows[1]["received_at"] = "2025-08-02T09:00:00+08:00"  # 23 h later: near duplicate
    rows[2]["received_at"] = "2025-08-09T09:00:00+08:00"  # a week later: independent
    path = _write_csv(tmp_path / "near.csv", rows)
    summary = import_file(engine=engine, path=path, settings=settings, now=NOW, progress=False)
    assert (summary.inserted, summary.near_duplicates) == (3, 1)
    with engine.connect() as conn:
        links: dict[str, str | None] = dict(
            conn.execute(
                text(
                    "SELECT r.external_id, d.external_id FROM reports r "
                    "LEFT JOIN reports d ON d.id = r.duplicate_of_id "
                    "WHERE r.external_id LIKE 'NEAR-%'"
                )
            ).all()
        )
    assert links == {"NEAR-00000": None, "NEAR-00001": "NEAR-00000", "NEAR-00002": None}


KILLED_IMPORT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from geo.db import make_engine
    from geo.reports.importer import import_file
    from geo.settings import Settings

    settings = Settings()
    def pause(n):
        print(n, flush=True)
        time.sleep(0.4)
    # on_error="skip" commits each batch as it is written; the default holds the batches written
    # while rows are still being checked and commits them together once all are checked.
    import_file(engine=make_engine(settings=settings), path=Path(sys.argv[1]), settings=settings,
                batch_size=50, progress=False, on_batch=pause, on_error="skip")
    print("finished", flush=True)
    """
)


def test_an_import_killed_with_sigkill_and_rerun_has_every_row_exactly_once(
    engine: Engine, settings: Settings, database_url: str, tmp_path: Path, fresh: None
) -> None:
    path = _write_csv(tmp_path / "big.csv", _rows(500, "KILL"))
    env = {
        **os.environ,
        "PANTAU_DATABASE_URL": database_url,
        "PANTAU_SECRET_KEY": settings.secret_key,
        "PANTAU_DATA_DIR": str(settings.data_dir),
        "PANTAU_ENVIRONMENT": "test",
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_IMPORT, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=Path(__file__).parents[3],
    )
    assert proc.stdout is not None
    try:
        for _ in range(3):
            line = proc.stdout.readline()
            assert line.strip().isdigit(), f"import ended early: {line!r}"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    partial = _count(engine, "external_id LIKE 'KILL-%'")
    assert 150 <= partial < 500 and partial % 50 == 0  # whole batches only

    summary = import_file(
        engine=engine, path=path, settings=settings, progress=False, batch_size=50
    )
    assert summary.inserted == 500 - partial and summary.duplicates == partial
    with engine.connect() as conn:
        counts = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT external_id), count(DISTINCT content_hash), "
                "(SELECT count(*) FROM report_status_history h JOIN reports r2 "
                " ON r2.id = h.report_id WHERE r2.external_id LIKE 'KILL-%') "
                "FROM reports WHERE external_id LIKE 'KILL-%'"
            )
        ).one()
    assert tuple(counts) == (500, 500, 500, 500)


def test_photos_are_read_again_when_written_and_must_not_change(
    engine: Engine, settings: Settings, tmp_path: Path, fresh: None
) -> None:
    rows = _rows(2, "PHOTO")
    for i, row in enumerate(rows):
        (tmp_path / f"p{i}.jpg").write_bytes(make_jpeg(-1.0, 116.0, colour=(i, 50, 60)))
        row["evidence"] = f"p{i}.jpg"
    path = _write_csv(tmp_path / "photos.csv", rows)

    def tamper(batches: int) -> None:
        (tmp_path / "p1.jpg").write_bytes(make_jpeg(-1.0, 116.0, colour=(200, 0, 0)))

    with pytest.raises(InputFileError, match="row 3: evidence: 'p1.jpg' changed during"):
        import_file(
            engine=engine,
            path=path,
            settings=settings,
            now=NOW,
            progress=False,
            batch_size=1,
            on_batch=tamper,
        )
    assert _count(engine, "external_id LIKE 'PHOTO-%'") == 1  # the first batch stands
    summary = import_file(engine=engine, path=path, settings=settings, now=NOW, progress=False)
    assert (summary.inserted, summary.duplicates) == (1, 1)


def test_file_level_problems_are_named(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="nope.csv: no such file"):
        import_file(engine=engine, path=tmp_path / "nope.csv", settings=settings, progress=False)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        "channel,lat,lon,description\nhotline,-0.5,117.1,tambang di sungai\xe9\n".encode("latin-1")
    )
    with pytest.raises(InputFileError, match="latin.csv.*UTF-8"):
        import_file(engine=engine, path=latin, settings=settings, progress=False)
    shp = tmp_path / "reports.shp"
    shp.write_bytes(b"\x00")
    with pytest.raises(InputFileError, match="expected a .csv or .geojson file, got '.shp'"):
        import_file(engine=engine, path=shp, settings=settings, progress=False)
    not_fc = tmp_path / "point.geojson"
    not_fc.write_text('{"type": "Point", "coordinates": [117, -0.5]}')
    with pytest.raises(InputFileError, match="expected a GeoJSON FeatureCollection, got 'Point'"):
        import_file(engine=engine, path=not_fc, settings=settings, progress=False)


def test_channel_for_a_file_without_one(
    engine: Engine, settings: Settings, tmp_path: Path, fresh: None
) -> None:
    path = tmp_path / "field.csv"
    path.write_text("external_id,lat,lon\nFT-1,-0.7,116.9\n")
    with pytest.raises(InputFileError, match="row 2: channel: the file has no channel column"):
        import_file(engine=engine, path=path, settings=settings, now=NOW, progress=False)
    summary = import_file(
        engine=engine, path=path, channel="field_team", settings=settings, now=NOW, progress=False
    )
    assert summary.inserted == 1
    assert _count(engine, "external_id = 'FT-1' AND channel = 'field_team'") == 1


def test_malformed_geojson_features_are_named(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "odd.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {"channel": "web"}, "geometry": None},
                    5,
                ],
            }
        )
    )
    with pytest.raises(InputFileError, match="odd.geojson, feature 2: expected a GeoJSON Feature"):
        import_file(engine=engine, path=path, settings=settings, progress=False)


def test_copy_text_keeps_odd_text_identity_and_history_exact(
    engine: Engine, settings: Settings, tmp_path: Path, fresh: None
) -> None:
    from geo.reports.privacy import decrypt_identity, reporter_hash

    odd = ["tab\there", "two\nlines", "back\\slash \\N \\.", 'emoji 🚜 "quoted"', "\\"]
    rows = _rows(25, "ODD")
    for i, row in enumerate(rows):
        row["description"] = odd[i % len(odd)] + f" #{i}"
        row["reporter_name"] = "Siti\tAminah" if i % 2 else ""
        row["reporter_phone"] = f"0812-0000-{i % 3:04d}"
    path = _write_csv(tmp_path / "odd.csv", rows)
    summary = import_file(
        engine=engine,
        path=path,
        settings=settings,
        now=NOW,
        progress=False,
        batch_size=4,
        actor="operator-7",
    )
    assert (summary.inserted, summary.batches) == (25, 7)
    with engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT r.external_id, r.description, r.reporter_name_enc, r.reporter_phone_enc, "
                "r.reporter_hash, ST_X(r.geom), ST_Y(r.geom), r.received_at, r.status, "
                "h.actor, h.reason, h.at, h.to_status, h.from_status "
                "FROM reports r JOIN report_status_history h ON h.report_id = r.id "
                "WHERE r.external_id LIKE 'ODD-%' ORDER BY r.id"
            )
        ).all()
    assert [r.external_id for r in stored] == [row["external_id"] for row in rows]  # file order
    for row, got in zip(rows, stored, strict=True):
        assert got.description == row["description"]
        assert decrypt_identity(got.reporter_name_enc, settings=settings) == (
            row["reporter_name"] or None
        )
        assert decrypt_identity(got.reporter_phone_enc, settings=settings) == row["reporter_phone"]
        assert got.reporter_hash == reporter_hash(str(row["reporter_phone"]), settings=settings)
        assert (got[5], got[6]) == (row["lon"], row["lat"])
        assert got.status == "received" and got.at == got.received_at
        assert (got.actor, got.reason) == ("operator-7", "imported from odd.csv")
        assert (got.from_status, got.to_status) == (None, "received")


def test_new_codes_look_like_tracking_codes() -> None:
    from geo.reports.codes import CODE_ALPHABET, new_codes

    codes = new_codes(5000)
    assert all(c[:4] == "PTM-" and len(c) == 10 for c in codes)
    assert set("".join(c[4:] for c in codes)) == set(CODE_ALPHABET)
    assert len(set(codes)) >= 4990
