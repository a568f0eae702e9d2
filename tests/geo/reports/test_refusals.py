"""A bulk import's listing of refused rows keeps its English text and reads in Indonesian."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from geo.errors import InputFileError, ValidationError
from geo.i18n import translator
from geo.reports.config import ReportSettings
from geo.reports.importer import import_file
from geo.reports.refusals import RowRefusal, RowsRefused
from geo.reports.validation import clean_report
from geo.settings import Settings
from tests.geo.reports.conftest import NOW

S = Settings(secret_key="unit-test-key")


def _refused(row: int, **raw: object) -> RowRefusal:
    try:
        clean_report(raw, settings=S, report_settings=ReportSettings(), now=NOW)
    except ValidationError as exc:
        return RowRefusal("laporan.csv", row, exc)
    raise AssertionError(f"accepted {raw!r}")


def test_a_row_reads_as_before_in_english_and_in_indonesian() -> None:
    refusal = _refused(7, channel="sms", lat=-0.4, lon=117.0)
    assert str(refusal) == f"laporan.csv, row 7: {refusal.message}"
    assert refusal.field == "channel"
    assert refusal.localized(translator("id")).startswith(
        "laporan.csv, baris 7: channel: nilai 'sms' tidak dikenal"
    )


def test_the_listing_keeps_its_english_text_and_counts_the_unlisted() -> None:
    refusals = [_refused(i, channel="web", lat=95, lon=117.0) for i in range(2, 14)]
    error = RowsRefused("laporan.csv", refusals, total=40)
    assert isinstance(error, InputFileError) and error.field == "lat"
    lines = str(error).split("\n")
    assert lines[0] == "laporan.csv: 12 of 40 rows are not valid; nothing was imported:"
    assert lines[1] == f"  laporan.csv, row 2: {refusals[0].message}"
    assert len(lines) == 1 + 10 + 1 and lines[-1] == "  ... and 2 more"


def test_the_listing_reads_in_indonesian() -> None:
    refusals = [_refused(i, channel="web", lat=95, lon=117.0) for i in range(2, 14)]
    text = RowsRefused("laporan.csv", refusals, total=40).localized(translator("id"))
    lines = text.split("\n")
    assert lines[0] == "laporan.csv: 12 dari 40 baris tidak sah; tidak ada yang diimpor:"
    assert lines[1] == (
        "  laporan.csv, baris 2: lat: lintang 95.0 di luar rentang -90 sampai 90 derajat"
    )
    assert lines[-1] == "  ... dan 2 lainnya"
    for english in ("row", "rows", "expected", "latitude", "more"):
        assert english not in text.split(), english


def test_an_import_refusing_rows_can_be_read_in_indonesian(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "laporan.csv"
    path.write_text(
        "external_id,channel,lat,lon\nRF-1,web,-0.4,117.0\nRF-2,sms,-0.4,117.0\nRF-3,web,0,0\n"
    )
    with pytest.raises(RowsRefused) as info:
        import_file(engine=engine, path=path, settings=settings, now=NOW, progress=False)
    english = str(info.value)
    assert english.startswith("laporan.csv: 2 of 3 rows are not valid; nothing was imported:")
    assert [(r.row, r.field) for r in info.value.refusals] == [(3, "channel"), (4, "lat")]
    indonesian = info.value.localized(translator("id")).split("\n")
    assert indonesian == [
        "laporan.csv: 2 dari 3 baris tidak sah; tidak ada yang diimpor:",
        "  laporan.csv, baris 3: channel: nilai 'sms' tidak dikenal; pilih salah satu dari "
        "hotline, lapor, web, field_team, media, satellite",
        "  laporan.csv, baris 4: lat/lon: terisi 0, 0, yaitu nilai yang ditulis perangkat saat "
        "belum mendapat sinyal posisi; isikan posisi sebenarnya atau cukup uraian lokasinya",
    ]


def test_a_file_without_channels_is_refused_in_indonesian_too(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "tanpa_kanal.csv"
    path.write_text("external_id,lat,lon\nRF-9,-0.4,117.0\n")
    summary = import_file(
        engine=engine, path=path, settings=settings, now=NOW, progress=False, on_error="skip"
    )
    [refusal] = summary.rejected
    assert refusal.message.startswith("channel: the file has no channel column")
    assert refusal.localized(translator("id")) == (
        "tanpa_kanal.csv, baris 2: channel: berkas tidak memiliki kolom kanal dan kanal tidak "
        "diberikan (gunakan --channel)"
    )
