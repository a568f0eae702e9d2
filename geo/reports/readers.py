"""Read report files (CSV, GeoJSON, SP4N-LAPOR! export CSV) into raw rows with line numbers.

Column names are matched loosely (case, spaces and punctuation ignored) against English and
Indonesian aliases, so that ``Nomor Tracking``, ``tracking_id`` and ``external_id`` are the same
field. A SP4N-LAPOR! export is recognised by its columns (tracking number, title, text) and its
rows get the ``lapor`` channel.

Examples
--------
>>> canonical_field("Nomor Tracking")
'external_id'
>>> canonical_field("Isi Laporan")
'description'
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from geo.errors import N_, InputFileError
from geo.io.delimited import read_delimited
from geo.reports.fieldrules import FIELD_RULES

__all__ = [
    "RawRow",
    "FileFormat",
    "read_rows",
    "detect_format",
    "canonical_field",
    "unknown_columns",
    "ALIASES",
]

FileFormat = Literal["auto", "csv", "geojson", "lapor"]

#: Canonical field name to the column names it may arrive under (normalised): each field's own
#: name and the other names its rule in :data:`~geo.reports.fieldrules.FIELD_RULES` lists, and
#: the evidence files' column, which the importer reads (it is no field of a report).
ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        **{rule.name: (rule.name, *rule.columns) for rule in FIELD_RULES},
        "evidence": ("evidence", "bukti", "lampiran", "foto"),
    }
)
_LOOKUP = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
# Refusals of a file that cannot be read: catalogue entries, ``{file}`` its name or path.
_NOT_A_REPORT_FILE = N_("{file}: expected a .csv or .geojson file, got {suffix}")
_NO_EXTENSION = N_("{file}: expected a .csv or .geojson file, got 'no extension'")
_CANNOT_OPEN = N_("{file}: cannot open the file ({reason})")
_EMPTY_FILE = N_("{file}: the file is empty")
_TOO_MANY_COLUMNS = N_("{file}, row {row}: expected {expected} columns, got {got}")
_MALFORMED_CSV = N_("{file}, row {row}: malformed CSV ({reason})")
_NOT_GEOJSON = N_("{file}: not readable as GeoJSON ({reason})")
_NOT_A_COLLECTION = N_("{file}: expected a GeoJSON FeatureCollection, got {got}")
_FEATURES_NOT_A_LIST = N_("{file}: features: expected a list, got {got}")
_NOT_A_FEATURE = N_("{file}, feature {number}: expected a GeoJSON Feature object, got {got}")
_PROPERTIES_NOT_AN_OBJECT = N_(
    "{file}, feature {number}: properties: expected an object, got {got}"
)
_NOT_A_POINT = N_("{file}, feature {number}: geometry: expected a Point, got {got}")
_NO_SUCH_FILE = N_("{file}: no such file")
_NOT_UTF8 = N_(
    "{file}: expected UTF-8 text, byte {byte} is not; save the file as UTF-8 (in Excel: CSV UTF-8)"
)

#: Columns only a SP4N-LAPOR! export has.
_LAPOR_MARKERS = {"nomor_tracking", "no_tracking", "kode_tracking", "judul_laporan", "isi_laporan"}


@dataclass(frozen=True)
class RawRow:
    """One row as read: where it came from (1-based line or feature number) and its fields."""

    row: int
    fields: dict[str, Any]


def _normalise(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower().lstrip("\ufeff")).strip("_")


def canonical_field(header: str) -> str | None:
    """Return the field a column header stands for, or ``None`` for an unknown column."""
    return _LOOKUP.get(_normalise(header))


def detect_format(path: Path) -> Literal["csv", "geojson", "lapor"]:
    """Guess the format from the extension and, for CSV, the header.

    Examples
    --------
    >>> detect_format(Path("reports.geojson"))
    'geojson'
    """
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        return "geojson"
    if suffix not in (".csv", ".txt"):
        if not suffix:
            raise InputFileError.of(_NO_EXTENSION, field="path", file=path.name)
        raise InputFileError.of(
            _NOT_A_REPORT_FILE, field="path", file=path.name, suffix=repr(suffix)
        )
    with _open_text(path) as handle:
        header = handle.readline()
    names = {_normalise(h) for h in re.split(r"[,;\t]", header)}
    return "lapor" if names & _LAPOR_MARKERS else "csv"


def _open_text(path: Path) -> Any:
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputFileError.of(
            _CANNOT_OPEN, field="path", file=str(path), reason=exc.strerror or exc
        ) from None


def _csv_rows(path: Path) -> Iterator[RawRow]:
    """Rows of a delimited file, read without guessing (:func:`geo.io.delimited.read_delimited`).

    Every delimiter is tried on the file and the one that fits every record wins; cells that an
    export guarded against formula injection come back as they were written.
    """
    frame = read_delimited(path)
    names = [canonical_field(str(h)) for h in frame.columns if h != "_row"]
    for record in frame.itertuples(index=False, name=None):
        *cells, row = record
        if not any(str(cell).strip() for cell in cells):
            continue
        fields = {name: value for name, value in zip(names, cells, strict=True) if name}
        yield RawRow(row=int(row), fields=fields)


#: Columns of the project's own report export that describe a stored report (its code, status,
#: match) and are not read back on import; not worth a warning.
EXPORT_ONLY = frozenset({"code", "status", "matched_site_code", "hotspot_code", "wkt"})


def unknown_columns(path: Path) -> list[tuple[str, str | None]]:
    r"""Return the columns of a report file that no field reads, each with its likely meaning.

    A column is never dropped silently: the import names these in a warning, with the known
    field a misspelt name most resembles (``desc`` → ``description``).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "r.csv").write_text("lat,lon,deskrpsi,warna\n-0.5,117,x,merah\n") > 0
    True
    >>> unknown_columns(folder / "r.csv")
    [('deskrpsi', 'description'), ('warna', None)]
    """
    if path.suffix.lower() in (".geojson", ".json"):
        document = json.loads(path.read_text(encoding="utf-8-sig"))
        features = document.get("features") or [] if isinstance(document, dict) else []
        headers = list(
            dict.fromkeys(
                str(k)
                for f in features[:1000]
                if isinstance(f, dict)
                for k in (f.get("properties") or {})
            )
        )
    else:
        headers = [str(h) for h in read_delimited(path).columns if h != "_row"]
    known = sorted(_LOOKUP)
    notes = []
    for header in headers:
        if canonical_field(header) is None and _normalise(header) not in EXPORT_ONLY:
            close = difflib.get_close_matches(_normalise(header), known, n=1, cutoff=0.75)
            notes.append((header, _LOOKUP[close[0]] if close else None))
    return notes


def _geojson_rows(path: Path) -> Iterator[RawRow]:
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFileError.of(_NOT_GEOJSON, field="path", file=path.name, reason=exc) from None
    got = document.get("type") if isinstance(document, dict) else type(document).__name__
    if got != "FeatureCollection":
        raise InputFileError.of(_NOT_A_COLLECTION, field="path", file=path.name, got=repr(got))
    features = document.get("features") or []
    if not isinstance(features, list):
        raise InputFileError.of(
            _FEATURES_NOT_A_LIST, field="features", file=path.name, got=type(features).__name__
        )
    for number, feature in enumerate(features, start=1):
        where = {"file": path.name, "number": number}
        if not isinstance(feature, dict):
            raise InputFileError.of(
                _NOT_A_FEATURE, field="feature", got=type(feature).__name__, **where
            )
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise InputFileError.of(
                _PROPERTIES_NOT_AN_OBJECT, field="properties", got=type(props).__name__, **where
            )
        fields: dict[str, Any] = {}
        for key, value in props.items():
            name = canonical_field(str(key))
            if name:
                fields[name] = value
        if isinstance(fields.get("evidence"), list):
            fields["evidence"] = ";".join(str(v) for v in fields["evidence"])
        geometry = feature.get("geometry")
        if geometry is not None:
            kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
            coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
            if kind != "Point" or not isinstance(coords, list) or len(coords) < 2:
                raise InputFileError.of(_NOT_A_POINT, field="geometry", got=repr(kind), **where)
            fields["lon"], fields["lat"] = coords[0], coords[1]
        yield RawRow(row=number, fields=fields)


def read_rows(path: Path, fmt: FileFormat = "auto") -> tuple[str, list[RawRow]]:
    """Return the detected format and the rows of a report file.

    Raises
    ------
    InputFileError
        The file cannot be opened or parsed; the message names the file (and row).

    Examples
    --------
    >>> import geo
    >>> fmt, rows = read_rows(Path(geo.__file__).parents[1] / "data" / "demo_reports.csv")
    >>> fmt, rows[0].row  # the header is line 1
    ('csv', 2)
    """
    if not path.exists():
        raise InputFileError.of(_NO_SUCH_FILE, field="path", file=str(path))
    try:
        actual = detect_format(path) if fmt == "auto" else fmt
        if actual == "geojson":
            return actual, list(_geojson_rows(path))
        rows = list(_csv_rows(path))
    except UnicodeDecodeError as exc:
        raise InputFileError.of(_NOT_UTF8, field="path", file=path.name, byte=exc.start) from None
    if actual == "lapor":
        for raw in rows:
            raw.fields.setdefault("channel", "lapor")
    return actual, rows
