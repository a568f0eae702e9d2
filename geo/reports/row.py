"""The ``reports`` row a checked report becomes, derived once from ``Report.__table__``.

Every writer of new reports takes its columns from here, in the table's order:
:func:`geo.reports.submit` inserts :func:`values`; the importer's straight ``COPY`` sends
:func:`copy_line` for :data:`COPY_COLUMNS`; its staging table :data:`STAGING` has the same
columns (plus the evidence hashes and two bookkeeping flags) and takes the same lines. The
fields a report is submitted with (:data:`INPUT_FIELDS`, the CSV header of an import file) are
derived from the same columns.

What the table cannot say is where a value comes from. A column is filled from the
:class:`~geo.reports.validation.CleanReport` attribute of the same name unless it is one of
:data:`LATER` (left to the database or to later steps), is a constant (:data:`_CONSTANTS`),
is read from another attribute (:data:`_EXPRESSIONS`), or is given per row (the tracking code
and the content hash). The module refuses to load when a
column of the table is none of these, or has a type it cannot encode for ``COPY``: a column
added to the model is a decision made here, never a silently missing value.

Examples
--------
>>> COPY_COLUMNS[:3], "geom" in NAMES, "hotspot_id" in NAMES
(('id', 'code', 'channel'), True, False)
>>> INPUT_FIELDS[:3], "lat" in INPUT_FIELDS, "reporter_hash" in INPUT_FIELDS
(('channel', 'external_id', 'received_at'), True, False)
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any, Final

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    false,
    insert,
    literal,
    null,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import ColumnElement, Insert
from sqlalchemy.sql.selectable import CTE
from sqlalchemy.types import TypeEngine

from geo.reports.models import Report, ReportStatusHistory
from geo.reports.validation import CleanReport

__all__ = [
    "COLUMNS",
    "COPY_COLUMNS",
    "HISTORY",
    "HISTORY_COLUMNS",
    "INPUT_FIELDS",
    "LATER",
    "NAMES",
    "REPORTS",
    "STAGING",
    "STAGING_COLUMNS",
    "array_text",
    "copy_line",
    "copy_sql",
    "first_history",
    "text_value",
    "values",
]

REPORTS: Final[Table] = Report.__table__  # type: ignore[assignment]  # a Table, typed FromClause

#: Columns a new report leaves to the database (id, timestamps) or to later steps
#: (lifecycle: resolution; dedup: duplicate_of_id, duplicate_rule; hotspots: hotspot_id).
LATER: Final = frozenset(
    {"id", "resolution", "duplicate_of_id", "duplicate_root_id", "duplicate_rule", "hotspot_id",
     "created_at", "updated_at"}
)  # fmt: skip

#: Given per row by the writer: the drawn tracking code and the (bulk-computed) content hash.
_PER_ROW = ("code", "content_hash")

#: The same value for every new report.
_CONSTANTS: dict[str, str] = {"status": "received"}
#: Columns read from another attribute of ``c`` (the CleanReport) than their own name.
_EXPRESSIONS: dict[str, str] = {"geom": "c.ewkt", "status_changed_at": "c.received_at"}

#: The submitted fields a column is checked from, where they are not the column's own name:
#: the point from ``lat``/``lon``, the identity from clear values (stored encrypted), and
#: nothing for values the check derives (the keyed reporter hash, the flags). Constants and
#: other columns of :data:`_EXPRESSIONS` are not submitted either.
_INPUTS: dict[str, tuple[str, ...]] = {
    "geom": ("lat", "lon"),
    "reporter_name_enc": ("reporter_name",),
    "reporter_phone_enc": ("reporter_phone",),
    "reporter_hash": (),
    "flags": (),
}

#: The columns of a new report, in table order.
COLUMNS: Final[tuple[Column[Any], ...]] = tuple(c for c in REPORTS.columns if c.name not in LATER)
NAMES: Final[tuple[str, ...]] = tuple(c.name for c in COLUMNS)
#: Columns of the importer's straight COPY into ``reports`` (ids reserved beforehand).
COPY_COLUMNS: Final[tuple[str, ...]] = ("id", *NAMES)
#: What a report is submitted with (``submit``'s arguments, an import file's columns).
INPUT_FIELDS: Final[tuple[str, ...]] = tuple(
    field
    for name in NAMES
    if name not in _PER_ROW
    for field in _INPUTS.get(name, () if name in _CONSTANTS or name in _EXPRESSIONS else (name,))
)

_CLEAN_FIELDS = {f.name for f in dataclasses.fields(CleanReport)}


def _expression(name: str) -> str:
    if name in _PER_ROW:
        return name
    if name in _CONSTANTS:
        return repr(_CONSTANTS[name])
    if name in _EXPRESSIONS:
        return _EXPRESSIONS[name]
    if name not in _CLEAN_FIELDS:
        raise TypeError(
            f"reports.{name}: a new report has no value for it; say where it comes from in "
            "geo.reports.row (LATER, _CONSTANTS, _EXPRESSIONS or a CleanReport field of that name)"
        )
    return f"c.{name}"


# -- COPY text format ---------------------------------------------------------------------------

_NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_PLAIN_ELEMENT = re.compile(r"[A-Za-z0-9_.:+-]+")


def text_value(value: str | None) -> str:
    r"""Return a text value in COPY text format (NULL and backslash escapes).

    Examples
    --------
    >>> print(text_value("a\tb"), text_value(None))
    a\tb \N
    """
    if value is None:
        return _NULL
    if "\\" in value or "\n" in value or "\r" in value or "\t" in value:
        return value.translate(_ESCAPES)
    return value


def _time(value: Any) -> str:
    return _NULL if value is None else value.isoformat()


def _number(value: float | int | None) -> str:
    return _NULL if value is None else repr(value)


def _bytea(value: bytes | None, memo: dict[int, tuple[bytes, str]]) -> str:
    if value is None:
        return _NULL
    # The identity cache hands out one ciphertext object per phone: hex it once per batch.
    known = memo.get(id(value))
    if known is not None and known[0] is value:
        return known[1]
    text = "\\\\x" + value.hex()
    memo[id(value)] = (value, text)
    return text


def array_text(values: list[str] | None) -> str:
    """Return a list of strings as a PostgreSQL array in COPY text format.

    Examples
    --------
    >>> array_text(["outside_aoi", "exif_far"]), array_text([])
    ('{outside_aoi,exif_far}', '{}')
    >>> print(array_text(["a b", "c"]))
    {"a b","c"}
    """
    if not values:
        return _NULL if values is None else "{}"
    if all(_PLAIN_ELEMENT.fullmatch(v) for v in values):
        return "{" + ",".join(values) + "}"
    quoted = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return text_value("{" + ",".join(quoted) + "}")


def _encoder(column: Column[Any]) -> str:
    """Return the COPY encoding of a column's value ``{}``, chosen by the column's type."""
    kind: TypeEngine[Any] = column.type
    if isinstance(kind, ARRAY) and isinstance(kind.item_type, String):
        return "_array({})"
    if isinstance(kind, Geometry | String):  # geometry goes as EWKT text
        return "_text({})"
    if isinstance(kind, DateTime):
        return "_time({})"
    if isinstance(kind, Float | Integer):
        return "_number({})"
    if isinstance(kind, LargeBinary):
        return "_bytea({}, hexed)"
    raise TypeError(f"reports.{column.name}: no COPY encoding for type {kind!r}")


# -- the two row functions, compiled once from the columns ----------------------------------------
#
# Written out per column, as a hand-written function would be: a generic loop over the columns
# calling a getter and an encoder for each value costs about twice as much per row, and the
# importer formats every row of a file (10^6 in the largest benchmark).

_VALUES_SOURCE = (
    "def values(c, *, code, content_hash):\n    return {\n"
    + "".join(f"        {n!r}: {_expression(n)},\n" for n in NAMES)
    + "    }\n"
)


def _line_source() -> str:
    """Source of ``copy_line``: one encoded value per column, each computed once."""
    encoded: list[str] = []
    for col in COLUMNS:
        expression = _expression(col.name)
        if col.name in _PER_ROW:  # a code of the alphabet and a hex digest: nothing to escape
            encoded.append(expression)
        elif col.name in _CONSTANTS:  # encoded once, here
            encoded.append(repr(text_value(_CONSTANTS[col.name])))
        else:
            encoded.append(_encoder(col).format(expression))
    # The same value twice (received_at is also the first status_changed_at): encode it once.
    repeated = sorted({e for e in encoded if encoded.count(e) > 1})
    local = {e: f"_v{i}" for i, e in enumerate(repeated)}
    return (
        "def copy_line(c, code, content_hash, hexed):\n"
        + "".join(f"    {name} = {e}\n" for e, name in local.items())
        + "    return '\\t'.join((\n"
        + "".join(f"        {local.get(e, e)},\n" for e in encoded)
        + "    )) + '\\n'\n"
    )


_LINE_SOURCE = _line_source()
_NAMESPACE: dict[str, Any] = {
    "_text": text_value,
    "_array": array_text,
    "_time": _time,
    "_number": _number,
    "_bytea": _bytea,
}
exec(_VALUES_SOURCE + _LINE_SOURCE, _NAMESPACE)  # noqa: S102 - source built from the table above

#: ``values(clean, *, code, content_hash) -> dict``: the column values of a new report, by name.
values: Final[Callable[..., dict[str, Any]]] = _NAMESPACE["values"]
#: ``copy_line(clean, code, content_hash, hexed) -> str``: the row as one line of COPY text for
#: :data:`NAMES` (``hexed`` is a dict shared by a batch, so that one ciphertext is hexed once).
copy_line: Final[Callable[[CleanReport, str, str, dict[int, tuple[bytes, str]]], str]] = _NAMESPACE[
    "copy_line"
]

if NAMES[0] != "code":  # geo.reports.writer swaps the code at the start of a COPY line
    raise TypeError(f"reports: the code must be the first column of a new report, not {NAMES[0]}")

# -- the importer's staging table -----------------------------------------------------------------

#: The same columns as a new report (same types), the evidence hashes of each row, and whether
#: a row is written (``done``) or already stored (``duplicate``). Dropped at commit.
STAGING: Final = Table(
    "report_staging",
    MetaData(),
    *(Column(c.name, c.type) for c in COLUMNS),
    Column("evidence", ARRAY(Text)),
    Column("done", Boolean, nullable=False, server_default=false()),
    Column("duplicate", Boolean, nullable=False, server_default=false()),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)
#: Columns COPY-ed into the staging table: a report's line, then its evidence hashes.
STAGING_COLUMNS: Final[tuple[str, ...]] = (*NAMES, "evidence")

# -- the first history row of a new report --------------------------------------------------------

HISTORY: Final[Table] = ReportStatusHistory.__table__  # type: ignore[assignment]  # typed FromClause
#: The columns of a report's first history row, as every writer of new reports fills them.
HISTORY_COLUMNS: Final[tuple[str, ...]] = (
    "report_id", "from_status", "to_status", "at", "actor", "reason"
)  # fmt: skip


def first_history(
    new: CTE, *, at: ColumnElement[Any], actor: ColumnElement[Any], reason: ColumnElement[Any]
) -> Insert:
    """Return the INSERT of the first history row (to ``received``) of each report in ``new``.

    ``new`` is the CTE of an ``INSERT INTO reports ... RETURNING id, ...``.
    """
    return insert(HISTORY).from_select(
        list(HISTORY_COLUMNS),
        select(new.c.id, null(), literal("received"), at, actor, reason),
    )


_QUOTE = postgresql.dialect().identifier_preparer.quote  # type: ignore[no-untyped-call]


def copy_sql(table: Table, columns: tuple[str, ...]) -> str:
    """Return ``COPY table (columns) FROM STDIN`` with quoted names of known columns.

    Examples
    --------
    >>> copy_sql(REPORTS, ("id", "code"))
    'COPY reports (id, code) FROM STDIN'
    """
    names = ", ".join(_QUOTE(table.c[name].name) for name in columns)
    return f"COPY {_QUOTE(table.name)} ({names}) FROM STDIN"
