"""Report files are read with their column aliases; an unreadable file says why, id and en."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.errors import InputFileError
from geo.i18n import translator
from geo.reports.readers import canonical_field, read_rows


def _refusal(path: Path) -> InputFileError:
    with pytest.raises(InputFileError) as info:
        read_rows(path)
    return info.value


def test_indonesian_and_lapor_column_names() -> None:
    assert canonical_field(" Nomor Tracking ") == "external_id"
    assert canonical_field("Lintang") == "lat"
    assert canonical_field("warna") is None


def test_a_lapor_export_gets_the_lapor_channel(tmp_path: Path) -> None:
    path = tmp_path / "lapor.csv"
    path.write_text("Nomor Tracking,Judul Laporan,Isi Laporan\nLAP-1,Tambang,alat berat\n")
    fmt, rows = read_rows(path)
    assert fmt == "lapor"
    assert rows[0].row == 2 and rows[0].fields["channel"] == "lapor"


def test_a_missing_file(tmp_path: Path) -> None:
    error = _refusal(tmp_path / "nope.csv")
    assert str(error) == f"{tmp_path / 'nope.csv'}: no such file" and error.field == "path"
    assert error.localized(translator("id")) == f"{tmp_path / 'nope.csv'}: berkas tidak ditemukan"


def test_a_row_with_too_many_columns(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("channel,lat\nweb,1,2,3\n")
    error = _refusal(path)
    assert str(error) == "r.csv, row 2: expected 2 columns, got 4"
    assert error.localized(translator("id")) == (
        "r.csv, baris 2: seharusnya 2 kolom, terdapat 4 kolom"
    )


def test_a_geojson_feature_without_a_point(tmp_path: Path) -> None:
    path = tmp_path / "r.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},'
        ' "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}]}'
    )
    error = _refusal(path)
    assert str(error) == "r.geojson, feature 1: geometry: expected a Point, got 'LineString'"
    assert error.localized(translator("id")) == (
        "r.geojson, fitur 1: geometry: harus berupa Point, yang ada 'LineString'"
    )


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes("channel,title\nweb,Tambang di Desa Loa Duri\xe9\n".encode("latin-1"))
    error = _refusal(path)
    assert "expected UTF-8 text" in str(error)
    assert "simpan berkas sebagai UTF-8" in error.localized(translator("id"))


def test_a_file_of_another_kind(tmp_path: Path) -> None:
    assert str(_refusal(_touch(tmp_path / "r.xlsx"))) == (
        "r.xlsx: expected a .csv or .geojson file, got '.xlsx'"
    )
    error = _refusal(_touch(tmp_path / "laporan"))
    assert str(error) == "laporan: expected a .csv or .geojson file, got 'no extension'"
    assert "tidak berekstensi" in error.localized(translator("id"))


def _touch(path: Path) -> Path:
    path.write_text("x")
    return path


def test_every_column_name_of_the_field_table_is_recognised_as_its_field() -> None:
    from geo.reports.fieldrules import FIELD_RULES

    seen: dict[str, str] = {}
    for rule in FIELD_RULES:
        for column in (rule.name, *rule.columns):
            assert column not in seen, f"{column} names both {seen[column]} and {rule.name}"
            seen[column] = rule.name
            assert canonical_field(column.replace("_", " ").title()) == rule.name, column
