"""Writing one batch of checked report rows: straight COPY, or staging and ON CONFLICT.

- :func:`write_direct` (batches without evidence files) ``COPY``-es the rows straight into
  ``reports`` and their first history rows into ``report_status_history``, with ids reserved
  beforehand. A row already stored makes it fail with a unique violation.
- :func:`write_staged` (batches with evidence files, and after such a failure) writes the
  evidence files (by content hash), ``COPY``-es the rows into a temporary staging table, then
  inserts them into ``reports`` with their history row and evidence links by one
  ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``.

The unique content hash and the unique (channel, external id) make a rerun skip whatever an
interrupted run committed. :mod:`geo.reports.batches` runs these on writer threads for
:func:`geo.reports.importer.import_file`; :func:`seal` and :func:`report_lines` prepare a
batch in the importer's thread. Every column list, the COPY text of a row and the staging
table come from :mod:`geo.reports.row`; tracking codes and their redraws from
:mod:`geo.reports.codes`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, Text, bindparam, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.schema import CreateTable, DropTable

from geo.errors import InputFileError
from geo.reports import row as report_row
from geo.reports.bulkcheck import Proven
from geo.reports.bulkcheck import seal as seal_one
from geo.reports.codes import CODE_LENGTH, CODE_PREFIX, fresh_codes, settle
from geo.reports.evidence import EvidenceFile, evidence_path, stored_name, write_once
from geo.reports.models import ReportEvidence
from geo.reports.privacy import IdentityCache
from geo.reports.validation import CleanReport
from geo.settings import Settings

__all__ = [
    "PreparedRow",
    "Written",
    "report_lines",
    "seal",
    "write_direct",
    "write_staged",
]

_REPORTS = report_row.REPORTS
_STAGING = report_row.STAGING
_WIDTH = len(CODE_PREFIX) + CODE_LENGTH  # of a tracking code
_LINKS: Table = ReportEvidence.__table__  # type: ignore[assignment]  # typed FromClause
_HISTORY_COPY = report_row.copy_sql(report_row.HISTORY, report_row.HISTORY_COLUMNS)


def _insert_from_staging(*, links: bool) -> Any:
    """``INSERT INTO reports ... SELECT ... FROM report_staging ... ON CONFLICT DO NOTHING``.

    In one statement with the first history row of each new report and, for batches with
    evidence files, the links to its files; returns the new ids and content hashes. Bound
    parameters: ``actor`` and ``reason``.
    """
    new = (
        pg_insert(_REPORTS)
        .from_select(
            report_row.NAMES,
            select(*(_STAGING.c[n] for n in report_row.NAMES)).where(~_STAGING.c.done),
        )
        .on_conflict_do_nothing()
        .returning(_REPORTS.c.id, _REPORTS.c.code, _REPORTS.c.received_at, _REPORTS.c.content_hash)
        .cte("ins")
    )
    history = report_row.first_history(
        new,
        at=new.c.received_at,
        actor=bindparam("actor", type_=Text),
        reason=bindparam("reason", type_=Text),
    )
    stmt = select(new.c.id, new.c.content_hash).add_cte(history.cte("hist"))
    if links:
        link = insert(_LINKS).from_select(
            ["report_id", "sha256"],
            select(new.c.id, func.unnest(_STAGING.c.evidence))
            .distinct()
            .join_from(new, _STAGING, new.c.code == _STAGING.c.code),
        )
        stmt = stmt.add_cte(link.cte("links"))
    return stmt


@dataclass
class PreparedRow:
    """A checked row of a file: its line (or feature) number, content and content hash.

    ``identity`` holds the reporter's name and phone while they still have to be encrypted
    (rows proven by :func:`geo.reports.bulkcheck.clean_many`); the writer encrypts them just
    before the row is sent and forgets the clear values.
    """

    row: int
    clean: CleanReport
    content_hash: str
    identity: tuple[str | None, str | None] | None = field(default=None, repr=False)


def seal(batch: Sequence[PreparedRow], identities: IdentityCache | None) -> None:
    """Encrypt the identity of rows that still carry it in clear, and forget the clear values."""
    for item in batch:
        if item.identity is not None:
            if identities is None:
                raise ValueError("rows with an identity to encrypt need an IdentityCache")
            seal_one(Proven(item.clean, *item.identity), identities)
            item.identity = None


def report_lines(items: Sequence[PreparedRow], codes: Sequence[str]) -> list[str]:
    """Each row as a line of COPY text for :data:`geo.reports.report_row.NAMES` (the code first)."""
    hexed: dict[int, tuple[bytes, str]] = {}
    line = report_row.copy_line
    return [
        line(item.clean, code, item.content_hash, hexed)
        for item, code in zip(items, codes, strict=True)
    ]


def _reread(file: EvidenceFile, *, row: int) -> bytes:
    """Read an evidence file again for writing, refusing one changed since it was checked."""
    assert file.source is not None
    try:
        content = file.source.read_bytes()
    except OSError as exc:
        raise InputFileError(
            f"row {row}: evidence: cannot read {file.source.name!r} any more ({exc.strerror})",
            field="evidence",
        ) from None
    if hashlib.sha256(content).hexdigest() != file.sha256:
        raise InputFileError(
            f"row {row}: evidence: {file.source.name!r} changed during the import; run it again",
            field="evidence",
        )
    return content


def _store_files(conn: Connection, batch: Sequence[PreparedRow], settings: Settings) -> None:
    rows: dict[str, dict[str, Any]] = {}
    for item in batch:
        for e in item.clean.evidence:
            target = evidence_path(e.sha256, e.mime, settings=settings)
            if not target.exists():
                write_once(target, _reread(e, row=item.row))
            rows[e.sha256] = {
                "sha256": e.sha256,
                "path": stored_name(target, settings=settings),
                "size_bytes": e.size_bytes,
                "mime": e.mime,
                "original_name": e.original_name,
                "exif_lat": e.exif.lat,
                "exif_lon": e.exif.lon,
                "exif_time": e.exif.taken_at,
            }
    if rows:
        conn.execute(
            text(
                "INSERT INTO evidence (sha256, path, size_bytes, mime, original_name, exif_lat, "
                "exif_lon, exif_time) VALUES (:sha256, :path, :size_bytes, :mime, "
                ":original_name, :exif_lat, :exif_lon, :exif_time) ON CONFLICT DO NOTHING"
            ),
            list(rows.values()),
        )


#: New (id, content hash) pairs, ids of rows already stored, and how many rows those were.
Written = tuple[list[tuple[int, str]], list[int], int]


def _staging_lines(batch: Sequence[PreparedRow], codes: Sequence[str]) -> str:
    """Return the rows as COPY text for the staging table: a report's line, its evidence."""
    return "".join(
        line[:-1] + "\t" + report_row.array_text([e.sha256 for e in item.clean.evidence]) + "\n"
        for item, line in zip(batch, report_lines(batch, codes), strict=True)
    )


# Rows not inserted that are already stored (same content or same channel and external id).
# Kept as text: a correlated EXISTS with an OR that reads as the rule it states.
_ALREADY_STORED = """
UPDATE report_staging s SET done = true, duplicate = true
WHERE NOT s.done AND EXISTS (
    SELECT 1 FROM reports r
    WHERE r.content_hash = s.content_hash
       OR (s.external_id IS NOT NULL AND r.channel = s.channel AND r.external_id = s.external_id)
)
"""


class _Staged:
    """One batch in the staging table, inserted into ``reports`` until no code clashes."""

    def __init__(self, conn: Connection, batch: Sequence[PreparedRow], codes: list[str]) -> None:
        self.conn = conn
        self.batch = batch
        self.sent = list(codes)  # the codes in the staging table
        self.position = {item.content_hash: i for i, item in enumerate(batch)}
        self.inserted: list[tuple[int, str]] = []

    def fill(self) -> None:
        # Several batches may share one transaction (see geo.reports.batches).
        self.conn.execute(DropTable(_STAGING, if_exists=True))
        self.conn.execute(CreateTable(_STAGING))
        raw = self.conn.connection.driver_connection
        assert raw is not None
        sql = report_row.copy_sql(_STAGING, report_row.STAGING_COLUMNS)
        with raw.cursor() as cur, cur.copy(sql) as copy:
            copy.write(_staging_lines(self.batch, self.sent))

    def attempt(self, codes: list[str], params: dict[str, str], insert: Any) -> list[int]:
        """Insert the rows not done, with ``codes``; return the positions whose code clashed."""
        redrawn = [
            {"code": code, "h": self.batch[i].content_hash}
            for i, code in enumerate(codes)
            if code != self.sent[i]
        ]
        if redrawn:
            self.conn.execute(
                text("UPDATE report_staging SET code = :code WHERE content_hash = :h"), redrawn
            )
            self.sent = list(codes)
        result = self.conn.execute(insert, params)
        self.inserted += [(int(r.id), str(r.content_hash)) for r in result]
        if len(self.inserted) == len(self.batch):
            return []
        self.conn.execute(
            text("UPDATE report_staging SET done = true WHERE content_hash = ANY(:h)"),
            {"h": [h for _, h in self.inserted]},
        )
        self.conn.execute(text(_ALREADY_STORED))
        # Only a clash of random tracking codes is left.
        left = self.conn.execute(text("SELECT content_hash FROM report_staging WHERE NOT done"))
        return [self.position[str(h)] for (h,) in left]

    def already_stored(self) -> tuple[list[int], int]:
        """Ids of the rows already stored, and how many rows those were."""
        skipped = self.conn.execute(
            text("SELECT count(*) FROM report_staging WHERE duplicate")
        ).scalar()
        stored = self.conn.execute(
            text(
                "SELECT r.id FROM reports r JOIN report_staging s "
                "ON r.content_hash = s.content_hash WHERE s.duplicate"
            )
        ).scalars()
        return [int(i) for i in stored], int(skipped or 0)


def write_staged(
    conn: Connection,
    batch: Sequence[PreparedRow],
    *,
    actor: str,
    reason: str,
    settings: Settings,
    codes: Sequence[str] | None = None,
    taken: set[str] | None = None,
) -> Written:
    """Write one batch through a staging table and ``INSERT ... ON CONFLICT DO NOTHING``.

    For batches with evidence files, and when a direct COPY met a unique conflict (a report
    stored meanwhile by someone else, or a clash of random tracking codes). ``codes`` are the
    rows' tracking codes (drawn when not given); ``taken`` as for :func:`write_direct`. Codes
    that clash with stored ones are drawn again (:func:`geo.reports.codes.settle`).
    """
    taken = set() if taken is None else taken
    drawn = fresh_codes(len(batch), taken) if codes is None else list(codes)
    _store_files(conn, batch, settings)
    staged = _Staged(conn, batch, drawn)
    staged.fill()
    insert = _insert_from_staging(links=any(i.clean.evidence for i in batch))
    params = {"actor": actor, "reason": reason}
    settle(drawn, lambda current: staged.attempt(current, params, insert), taken=taken)
    stored, skipped = staged.already_stored()
    return staged.inserted, stored, skipped


def _clashing(raw: Any, codes: list[str]) -> list[int]:
    """Positions of codes already stored, or repeated earlier in the batch."""
    # Planned afresh each time (prepare=False): psycopg prepares a statement run five times
    # on one connection, and PostgreSQL may then keep a generic plan made while the table
    # was nearly empty, a scan of the whole table per batch once it is not (an import of
    # 10^5 rows after a TRUNCATE took 39 s instead of 5).
    with raw.cursor() as cur:
        cur.execute("SELECT code FROM reports WHERE code = ANY(%s)", [codes], prepare=False)
        stored = {str(code) for (code,) in cur}
    seen: set[str] = set()
    clashing = []
    for i, code in enumerate(codes):
        if code in stored or code in seen:
            clashing.append(i)
        seen.add(code)
    return clashing


def write_direct(
    conn: Connection,
    batch: Sequence[PreparedRow],
    lines: Sequence[str],
    ids: Sequence[int],
    *,
    actor: str,
    reason: str,
    taken: set[str] | None = None,
) -> Written:
    """Write one batch without evidence by COPY straight into ``reports`` and its history.

    ``lines`` are the rows' :func:`report_lines`; ``taken`` holds the codes drawn for the
    whole import, and a code drawn again here joins it.

    Optimistic: a row already stored (same content, or same channel and external id) makes the
    COPY fail with a unique violation, and the caller writes the batch again through
    :func:`write_staged`, whose ``ON CONFLICT DO NOTHING`` skips it. Tracking codes that clash
    with stored ones are drawn again first (:func:`geo.reports.codes.settle`). ``ids`` were
    reserved for the rows, in file order.
    """
    taken = set() if taken is None else taken
    raw = conn.connection.driver_connection
    assert raw is not None
    # Every line starts with its code (geo.reports.row puts the code first).
    codes = settle([line[:_WIDTH] for line in lines], lambda c: _clashing(raw, c), taken=taken)
    who = report_row.text_value(actor) + "\t" + report_row.text_value(reason) + "\n"
    with raw.cursor() as cur:
        with cur.copy(report_row.copy_sql(_REPORTS, report_row.COPY_COLUMNS)) as copy:
            copy.write(
                "".join(
                    f"{rid}\t{code}{line[_WIDTH:]}"
                    for rid, code, line in zip(ids, codes, lines, strict=True)
                )
            )
        with cur.copy(_HISTORY_COPY) as copy:
            copy.write(
                "".join(
                    f"{rid}\t\\N\treceived\t{item.clean.received_at.isoformat()}\t{who}"
                    for rid, item in zip(ids, batch, strict=True)
                )
            )
    return [(rid, item.content_hash) for rid, item in zip(ids, batch, strict=True)], [], 0
