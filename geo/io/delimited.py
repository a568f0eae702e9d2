r"""Delimited text (CSV) that spreadsheets write and read, without guessing wrong or injecting.

Reading: a file from Python's ``csv`` module, from Excel or LibreOffice in an Indonesian locale
(``;`` between fields, decimal commas) or from a database export is parsed with each candidate
delimiter in full, and the one that gives every record the header's number of fields wins; a
sample-based sniffer alone guesses wrong on quoted commas, apostrophes and newlines inside
fields. Every field comes back as the exact text that was written.

Writing for spreadsheets: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return would be run as a formula by Excel or LibreOffice (CSV/formula injection, OWASP).
:func:`neutralise` puts an apostrophe before it, the spreadsheet's own mark for "this is text";
:func:`restore` takes it off again on import, so the data round-trips through the project's own
import.

Examples
--------
>>> neutralise("=HYPERLINK(\"http://x\")")
'\'=HYPERLINK("http://x")'
>>> restore(neutralise("-5 ekskavator"))
'-5 ekskavator'
>>> neutralise(-0.5)
-0.5
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from geo.errors import N_, InputFileError

__all__ = [
    "FORMULA_TRIGGERS",
    "neutralise",
    "restore",
    "neutralise_frame",
    "read_delimited",
    "detect_delimiter",
]

#: First characters that make a spreadsheet evaluate a cell (OWASP's list).
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
#: Delimiters tried, in order of preference when several fit.
DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
_GUARD = "'"
#: A record whose number of fields is not the header's (the first one is named).
WRONG_WIDTH = N_("{file}, row {row}: expected {expected} columns, got {got}")


def neutralise(value: object) -> object:
    """Return ``value`` safe for a spreadsheet cell: text that starts a formula gets a guard."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return _GUARD + value
    return value


def restore(value: str) -> str:
    """Undo :func:`neutralise` on a cell read back (an apostrophe before a formula trigger)."""
    if value.startswith(_GUARD) and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` with every text cell neutralised (numbers stay numbers)."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            out[column] = series.map(neutralise, na_action="ignore")
    return out


def _decode(raw: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputFileError(f"{name}: not a text file in UTF-8 or Windows-1252", field="file")


#: Characters of a file parsed with every candidate delimiter; the winner parses the whole file.
SAMPLE_CHARS = 256 * 1024


def _parse(text: str, delimiter: str, *, strict: bool = True) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    rows = list(reader)
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()  # trailing blank lines
    return rows


def _fits(rows: list[list[str]]) -> bool:
    width = len(rows[0])
    return all(len(r) == width or not any(c.strip() for c in r) for r in rows[1:])


def detect_delimiter(text: str, candidates: Iterable[str] = DELIMITERS) -> str:
    r"""Return the delimiter that gives every record the header's number of fields.

    Among fitting delimiters the one with the most header fields wins (a ``;`` file whose
    fields hold commas still splits widest on ``;``); a one-column file is ``,``.

    Examples
    --------
    >>> detect_delimiter('kode;catatan\nKKR-1;"ada, dua"\n')
    ';'
    >>> detect_delimiter('code,notes\nKKR-1,"a; b"\n')
    ','
    """
    best: tuple[int, str] | None = None
    sample = text[:SAMPLE_CHARS]
    cut = len(sample) < len(text)
    for delimiter in candidates:
        try:
            rows = _parse(sample, delimiter, strict=not cut)
        except csv.Error:
            continue
        if cut:
            rows = rows[:-1]  # the sample may end inside the last record
        if rows and len(rows[0]) > 1 and _fits(rows):
            width = len(rows[0])
            if best is None or width > best[0]:
                best = (width, delimiter)
    return best[1] if best else ","


def read_delimited(path: Path | str) -> pd.DataFrame:
    """Read a delimited text file as text, every field exactly as written.

    ``_row`` is the spreadsheet row of each record (the header is row 1). Cells guarded by
    :func:`neutralise` are restored.

    Raises
    ------
    InputFileError
        When the file is not text, is empty, or its records do not have the header's width
        (the message names the first such rows).
    """
    path = Path(path)
    text = _decode(path.read_bytes(), path.name)
    delimiter = detect_delimiter(text)
    try:
        rows = _parse(text, delimiter)
    except csv.Error as exc:
        raise InputFileError(f"{path.name}: not a readable CSV file: {exc}", field="file") from None
    if not rows:
        raise InputFileError(f"{path.name}: the file is empty", field="file")
    header, body = [h.strip() for h in rows[0]], rows[1:]
    bad = [(i, len(r)) for i, r in enumerate(body, start=2) if len(r) != len(header) and any(r)]
    if bad:
        raise InputFileError.of(
            WRONG_WIDTH,
            field="row",
            file=path.name,
            row=bad[0][0],
            expected=len(header),
            got=bad[0][1],
        )
    records = [[restore(c) for c in r] for r in body if len(r) == len(header)]
    frame = pd.DataFrame(records, columns=header, dtype=object)
    frame["_row"] = [i for i, r in enumerate(body, start=2) if len(r) == len(header)]
    return frame
