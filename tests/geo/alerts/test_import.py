"""Importing GFW integrated alerts: CSV and JSON answers, odd values, clipping, idempotence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.alerts import service
from geo.alerts.readers import CONFIDENCE, DATE, INTENSITY, read_alerts
from geo.errors import InputFileError
from geo.i18n import translator
from geo.settings import Settings
from tests.geo.alerts.conftest import AOI, count_alerts, row, write_csv, write_json


def test_csv_answer_with_odd_values(
    session: Session, tmp_path: Path, alert_settings: Settings
) -> None:
    path = write_csv(
        tmp_path / "alerts.csv",
        [
            row(117.5, 0.5, "2026-11-02", "High", 7),
            row(117.6, 0.6, " 2026-11-03 ", " nominal ", ""),  # no intensity, spaces, case
            row(117.7, 0.7, "2026-11-04T00:00:00", "highest", "3"),
            row(120.0, 0.5, "2026-11-02"),  # outside the area of interest
        ],
    )
    result = service.import_alerts(
        session=session, settings=alert_settings, path=path, actor="test", patch=False
    )
    assert (result.rows_read, result.outside_aoi, result.added) == (4, 1, 3)
    stored = session.execute(
        text("SELECT alert_date, confidence, intensity, lon_key, lat_key FROM alerts ORDER BY 1")
    ).all()
    assert stored == [
        (dt.date(2026, 11, 2), 3, 7, 11_750_000, 50_000),
        (dt.date(2026, 11, 3), 2, None, 11_760_000, 60_000),
        (dt.date(2026, 11, 4), 4, 3, 11_770_000, 70_000),
    ]


def test_reimport_adds_nothing_whatever_the_format(
    session: Session, tmp_path: Path, alert_settings: Settings
) -> None:
    rows = [row(117.5, 0.5, "2026-11-02"), row(117.5, 0.5, "2026-11-03")]
    csv_path = write_csv(tmp_path / "a.csv", rows)
    first = service.import_alerts(
        session=session, settings=alert_settings, path=csv_path, actor="t", patch=False
    )
    assert first.added == 2
    again = service.import_alerts(
        session=session, settings=alert_settings, path=csv_path, actor="t", patch=False
    )
    assert again.added == 0 and again.rows_read == 2
    # The same alerts from a JSON answer, positions off by less than the rounding: no new row.
    nudged = [{**r, "longitude": r["longitude"] + 0.000001} for r in rows]
    json_path = write_json(tmp_path / "a.json", [*nudged, row(117.5, 0.5, "2026-11-04")])
    third = service.import_alerts(
        session=session, settings=alert_settings, path=json_path, actor="t", patch=False
    )
    assert third.added == 1
    assert count_alerts(session) == 3
    # A row repeated within one file is stored once.
    dup = write_csv(tmp_path / "dup.csv", [row(117.8, 0.8, "2026-11-05")] * 3)
    assert (
        service.import_alerts(
            session=session, settings=alert_settings, path=dup, actor="t", patch=False
        ).added
        == 1
    )


def test_bad_confidence_is_named_and_nothing_is_written(
    session: Session, tmp_path: Path, alert_settings: Settings
) -> None:
    path = write_csv(
        tmp_path / "bad.csv", [row(117.5, 0.5, "2026-11-02"), row(117.5, 0.6, "2026-11-02", "low")]
    )
    with pytest.raises(InputFileError) as err:
        service.import_alerts(
            session=session, settings=alert_settings, path=path, actor="t", patch=False
        )
    assert err.value.field == CONFIDENCE
    assert "row 2" in str(err.value) and "'low'" in str(err.value)
    indonesian = err.value.localized(translator("id"))
    assert CONFIDENCE in indonesian and "baris 2" in indonesian
    assert count_alerts(session) == 0


@pytest.mark.parametrize(
    ("field", "bad"),
    [("latitude", "abc"), ("longitude", "200"), (DATE, "02/11/2026"), (INTENSITY, "tinggi")],
)
def test_other_bad_values_name_their_field(tmp_path: Path, field: str, bad: str) -> None:
    good = row(117.5, 0.5, "2026-11-02")
    path = write_csv(tmp_path / "bad.csv", [good, {**good, field: bad}])
    with pytest.raises(InputFileError) as err:
        read_alerts(path, aoi=AOI)
    assert err.value.field == field and "row 2" in str(err.value)


def test_missing_column_and_failed_answer(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [row(117.5, 0.5, "2026-11-02")], ["latitude", "longitude"])
    with pytest.raises(InputFileError, match=DATE) as err:
        read_alerts(path, aoi=AOI)
    assert err.value.field == DATE
    failed = write_json(tmp_path / "f.json", [], status="failed")
    with pytest.raises(InputFileError, match="failed"):
        read_alerts(failed, aoi=AOI)
    without_intensity = write_csv(
        tmp_path / "n.csv",
        [row(117.5, 0.5, "2026-11-02")],
        ["latitude", "longitude", DATE, CONFIDENCE],
    )
    rows = read_alerts(without_intensity, aoi=AOI)
    assert len(rows) == 1 and int(rows.confidence[0]) == 3
