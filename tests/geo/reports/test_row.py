from __future__ import annotations

import datetime as dt
import inspect

import pytest
from sqlalchemy import JSON, Column, text
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateTable

from geo.reports import row
from geo.reports.intake import submit
from geo.reports.models import Report
from geo.reports.validation import CleanReport
from geo.reports.writer import PreparedRow, report_lines

TABLE_COLUMNS = [c.name for c in Report.__table__.columns]


def _clean(**overrides: object) -> CleanReport:
    fields: dict[str, object] = {
        "channel": "hotline",
        "received_at": dt.datetime(2025, 3, 4, 5, 6, 7, 890123, tzinfo=dt.UTC),
        "location_source": "device_gps",
        "activity": "excavator",
        "confidentiality": "anonim",
        "external_id": "WA\t1\\x",
        "observed_at": dt.datetime(2025, 3, 3, 22, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        "lat": -0.123456789,
        "lon": 117.987654321,
        "accuracy_m": 12.5,
        "location_text": "two\nlines\r\\N",
        "title": 'emoji 🚜 "quoted"',
        "description": "\\",
        "commodity_guess": "emas",
        "reporter_name_enc": b"\x00\x01name\\",
        "reporter_phone_enc": b"\xffphone",
        "reporter_hash": "ab" * 32,
        "flags": ["outside_aoi", "exif_far"],
    }
    fields.update(overrides)
    return CleanReport(**fields)  # type: ignore[arg-type]


def test_every_column_of_the_table_is_in_the_row_or_left_for_later() -> None:
    # A column added to Report and to neither list fails here (and row.py refuses to load).
    assert set(row.NAMES) | row.LATER == set(TABLE_COLUMNS)
    assert not set(row.NAMES) & row.LATER
    assert list(row.NAMES) == [c for c in TABLE_COLUMNS if c not in row.LATER]  # table order
    assert [c.name for c in row.COLUMNS] == list(row.NAMES)


def test_values_copy_columns_and_staging_table_all_have_the_row_columns() -> None:
    values = row.values(_clean(), code="PTM-222222", content_hash="h" * 64)
    assert list(values) == list(row.NAMES)
    assert ("id", *row.NAMES) == row.COPY_COLUMNS
    staging = row.STAGING.c
    assert [c.name for c in staging][: len(row.NAMES)] == list(row.NAMES)
    assert [c.name for c in staging][len(row.NAMES) :] == ["evidence", "done", "duplicate"]
    assert (*row.NAMES, "evidence") == row.STAGING_COLUMNS
    for column in row.COLUMNS:
        assert type(staging[column.name].type) is type(column.type), column.name
    line = row.copy_line(_clean(), "PTM-222222", "h" * 64, {})
    assert line.endswith("\n") and line.count("\t") == len(row.NAMES) - 1


def test_the_database_table_has_the_model_columns(session: Session) -> None:
    # The migrations and the model agree, so the row derived from the model is the stored row.
    stored = session.execute(
        text(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'reports' AND table_schema = current_schema()"
        )
    ).scalars()
    assert set(stored) == set(TABLE_COLUMNS)


def test_a_column_nobody_fills_or_cannot_encode_is_refused() -> None:
    with pytest.raises(TypeError, match="reports.sighting_count: a new report has no value"):
        row._expression("sighting_count")
    with pytest.raises(TypeError, match="no COPY encoding"):
        row._encoder(Column("extra", JSON))


def test_input_fields_are_what_submit_takes() -> None:
    parameters = inspect.signature(submit).parameters
    assert set(row.INPUT_FIELDS) <= set(parameters)
    assert "reporter_phone" in row.INPUT_FIELDS and "reporter_hash" not in row.INPUT_FIELDS
    assert {"lat", "lon"} <= set(row.INPUT_FIELDS) and "geom" not in row.INPUT_FIELDS


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"lat": None, "lon": None, "location_source": "described", "flags": []},
        {"external_id": None, "observed_at": None, "accuracy_m": None, "title": None,
         "reporter_name_enc": None, "reporter_phone_enc": None, "reporter_hash": None},
        {"flags": ["a b", 'q"uote', "back\\slash", "comma,{brace}"]},
    ],
)  # fmt: skip
def test_copy_text_reads_back_as_the_values_dict(
    session: Session, overrides: dict[str, object]
) -> None:
    # The same row through COPY (the importer) and through values() (submit) must be equal.
    clean = _clean(**overrides)
    item = PreparedRow(1, clean, "c" * 64)
    conn = session.connection()
    conn.execute(text("DROP TABLE IF EXISTS report_staging"))
    conn.execute(CreateTable(row.STAGING))
    raw = conn.connection.driver_connection
    assert raw is not None
    sql = row.copy_sql(row.STAGING, row.NAMES)
    with raw.cursor() as cur, cur.copy(sql) as copy:
        copy.write("".join(report_lines([item], ["PTM-2345XY"])))
    columns = ", ".join(f"ST_AsEWKT({n})" if n == "geom" else n for n in row.NAMES)
    stored = conn.execute(text(f"SELECT {columns} FROM report_staging")).one()
    expected = row.values(clean, code="PTM-2345XY", content_hash="c" * 64)
    for name, got in zip(row.NAMES, stored, strict=True):
        want = expected[name]
        if name == "geom" and want is not None:
            assert got == f"SRID=4326;POINT({clean.lon} {clean.lat})"
        elif isinstance(want, bytes):
            assert bytes(got) == want, name
        else:
            assert got == want, name


def test_the_demo_files_have_every_input_field_as_a_column() -> None:
    from pathlib import Path

    data = Path(__file__).resolve().parents[3] / "data"
    for name in ("demo_reports.csv", "demo_reports_rejects.csv"):
        header = (data / name).read_text(encoding="utf-8").splitlines()[0].split(",")
        assert sorted(header) == sorted([*row.INPUT_FIELDS, "evidence"]), name
