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
batch in the importer's thread.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Connection, text

from geo.errors import InputFileError
from geo.reports.bulkcheck import Proven
from geo.reports.bulkcheck import seal as seal_one
from geo.reports.evidence import EvidenceFile, evidence_path, write_once
from geo.reports.intake import CODE_ALPHABET
from geo.reports.privacy import IdentityCache
from geo.reports.validation import CleanReport
from geo.settings import Settings

__all__ = [
    "PreparedRow",
    "Written",
    "new_codes",
    "fresh_codes",
    "report_lines",
    "seal",
    "write_direct",
    "write_staged",
]

_STAGING_COLUMNS = (
    "code",
    "channel",
    "external_id",
    "received_at",
    "observed_at",
    "lon",
    "lat",
    "location_source",
    "accuracy_m",
    "location_text",
    "title",
    "description",
    "activity",
    "commodity_guess",
    "confidentiality",
    "reporter_name_enc",
    "reporter_phone_enc",
    "reporter_hash",
    "flags",
    "content_hash",
    "evidence",
)

_REPORT_COLUMNS = (
    "id",
    "code",
    "channel",
    "external_id",
    "received_at",
    "observed_at",
    "geom",
    "location_source",
    "accuracy_m",
    "location_text",
    "title",
    "description",
    "activity",
    "commodity_guess",
    "confidentiality",
    "reporter_name_enc",
    "reporter_phone_enc",
    "reporter_hash",
    "status",
    "status_changed_at",
    "flags",
    "content_hash",
)

_CREATE_STAGING = """
CREATE TEMP TABLE report_staging (
    code text, channel text, external_id text, received_at timestamptz, observed_at timestamptz,
    lon double precision, lat double precision, location_source text, accuracy_m double precision,
    location_text text, title text, description text, activity text, commodity_guess text,
    confidentiality text, reporter_name_enc bytea, reporter_phone_enc bytea, reporter_hash text,
    flags text[], content_hash text, evidence text[],
    done boolean NOT NULL DEFAULT false, duplicate boolean NOT NULL DEFAULT false
) ON COMMIT DROP
"""

_INSERT_FROM_STAGING = """
WITH ins AS (
    INSERT INTO reports (
        code, channel, external_id, received_at, observed_at, geom, location_source, accuracy_m,
        location_text, title, description, activity, commodity_guess, confidentiality,
        reporter_name_enc, reporter_phone_enc, reporter_hash, status, status_changed_at, flags,
        content_hash)
    SELECT code, channel, external_id, received_at, observed_at,
           CASE WHEN lon IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(lon, lat), 4326) END,
           location_source, accuracy_m, location_text, title, description, activity,
           commodity_guess, confidentiality, reporter_name_enc, reporter_phone_enc,
           reporter_hash, 'received', received_at, flags, content_hash
    FROM report_staging
    WHERE NOT done
    ON CONFLICT DO NOTHING
    RETURNING id, code, received_at, content_hash
), hist AS (
    INSERT INTO report_status_history (report_id, from_status, to_status, actor, at, reason)
    SELECT id, NULL, 'received', :actor, received_at, :reason FROM ins
){links}
SELECT id, content_hash FROM ins
"""

# Only for batches that carry evidence files.
_LINKS = """, links AS (
    INSERT INTO report_evidence (report_id, sha256)
    SELECT DISTINCT ins.id, unnest(s.evidence) FROM ins JOIN report_staging s USING (code)
)"""

# Rows not inserted that are already stored (same content or same channel and external id).
_ALREADY_STORED = """
UPDATE report_staging s SET done = true, duplicate = true
WHERE NOT s.done AND EXISTS (
    SELECT 1 FROM reports r
    WHERE r.content_hash = s.content_hash
       OR (s.external_id IS NOT NULL AND r.channel = s.channel AND r.external_id = s.external_id)
)
"""


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


_CODE_SPACE = len(CODE_ALPHABET) ** 6
_ALPHABET = np.array(list(CODE_ALPHABET))


def new_codes(n: int) -> list[str]:
    """Return ``n`` fresh tracking codes, as :func:`geo.reports.intake.new_code` draws them.

    Drawn from the operating system's CSPRNG 64 bits at a time (the modulo bias over 31^6 codes
    is below 10^-10); the last character is the most significant digit, as in ``new_code``.

    Examples
    --------
    >>> codes = new_codes(3)
    >>> len(codes), all(c.startswith("PTM-") and len(c) == 10 for c in codes)
    (3, True)
    """
    if n <= 0:
        return []
    values = np.frombuffer(secrets.token_bytes(8 * n), dtype=np.uint64) % np.uint64(_CODE_SPACE)
    digits = np.empty((n, 6), dtype=np.int64)
    base = np.uint64(len(CODE_ALPHABET))
    for i in range(6):
        digits[:, i] = values % base
        values = values // base
    chars = _ALPHABET[digits]
    return ["PTM-" + "".join(row) for row in chars.tolist()]


def fresh_codes(n: int, taken: set[str]) -> list[str]:
    """Return ``n`` new tracking codes, none of them in ``taken``, and add them to it.

    An import keeps every code it drew in ``taken``: two of its writers inserting the same
    code would each wait for the other's open transaction.

    Examples
    --------
    >>> taken = set()
    >>> codes = fresh_codes(3, taken)
    >>> len(set(codes)), taken == set(codes)
    (3, True)
    """
    codes = new_codes(n)
    for i, code in enumerate(codes):
        while code in taken:
            code = new_codes(1)[0]
        codes[i] = code
        taken.add(code)
    return codes


_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _text(value: str | None) -> str:
    """Return a value in COPY text format (NULL and backslash escapes)."""
    if value is None:
        return "\\N"
    if "\\" in value or "\n" in value or "\r" in value or "\t" in value:
        return value.translate(_ESCAPES)
    return value


def _bytea(value: bytes | None, memo: dict[int, tuple[bytes, str]]) -> str:
    if value is None:
        return "\\N"
    # The identity cache hands out one ciphertext object per phone: hex it once.
    known = memo.get(id(value))
    if known is not None and known[0] is value:
        return known[1]
    text = "\\\\x" + value.hex()
    memo[id(value)] = (value, text)
    return text


def _float(value: float | None) -> str:
    return "\\N" if value is None else repr(value)


def seal(batch: Sequence[PreparedRow], identities: IdentityCache | None) -> None:
    """Encrypt the identity of rows that still carry it in clear, and forget the clear values."""
    for item in batch:
        if item.identity is not None:
            if identities is None:
                raise ValueError("rows with an identity to encrypt need an IdentityCache")
            seal_one(Proven(item.clean, *item.identity), identities)
            item.identity = None


def report_lines(items: Sequence[PreparedRow], codes: Sequence[str]) -> list[str]:
    """Each row as COPY text for ``_REPORT_COLUMNS`` without the leading id."""
    lines = []
    hexed: dict[int, tuple[bytes, str]] = {}
    for item, code in zip(items, codes, strict=True):
        c = item.clean
        received = c.received_at.isoformat()
        lines.append(
            "\t".join(
                (
                    code,
                    c.channel,
                    _text(c.external_id),
                    received,
                    "\\N" if c.observed_at is None else c.observed_at.isoformat(),
                    "\\N" if c.lat is None or c.lon is None else c.ewkt or "\\N",
                    c.location_source,
                    _float(c.accuracy_m),
                    _text(c.location_text),
                    _text(c.title),
                    _text(c.description),
                    c.activity,
                    _text(c.commodity_guess),
                    c.confidentiality,
                    _bytea(c.reporter_name_enc, hexed),
                    _bytea(c.reporter_phone_enc, hexed),
                    _text(c.reporter_hash),
                    "received",
                    received,
                    "{" + ",".join(c.flags) + "}",
                    item.content_hash,
                )
            )
            + "\n"
        )
    return lines


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
                "path": str(target),
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


def _staging_record(item: PreparedRow, code: str) -> tuple[Any, ...]:
    c = item.clean
    return (
        code,
        c.channel,
        c.external_id,
        c.received_at,
        c.observed_at,
        c.lon,
        c.lat,
        c.location_source,
        c.accuracy_m,
        c.location_text,
        c.title,
        c.description,
        c.activity,
        c.commodity_guess,
        c.confidentiality,
        c.reporter_name_enc,
        c.reporter_phone_enc,
        c.reporter_hash,
        c.flags,
        item.content_hash,
        [e.sha256 for e in c.evidence],
    )


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
    rows' tracking codes (drawn when not given); ``taken`` as for :func:`write_direct`.
    """
    taken = set() if taken is None else taken
    codes = fresh_codes(len(batch), taken) if codes is None else codes
    _store_files(conn, batch, settings)
    # Several batches may share one transaction (see geo.reports.batches).
    conn.execute(text("DROP TABLE IF EXISTS report_staging"))
    conn.execute(text(_CREATE_STAGING))
    raw = conn.connection.driver_connection
    assert raw is not None
    columns = ", ".join(_STAGING_COLUMNS)
    with raw.cursor() as cur, cur.copy(f"COPY report_staging ({columns}) FROM STDIN") as copy:
        for item, code in zip(batch, codes, strict=True):
            copy.write_row(_staging_record(item, code))
    insert = text(
        _INSERT_FROM_STAGING.format(links=_LINKS if any(i.clean.evidence for i in batch) else "")
    )
    params = {"actor": actor, "reason": reason}
    inserted = [(int(r.id), str(r.content_hash)) for r in conn.execute(insert, params)]
    for attempt in range(11):
        if len(inserted) == len(batch):
            break
        conn.execute(
            text("UPDATE report_staging SET done = true WHERE content_hash = ANY(:h)"),
            {"h": [h for _, h in inserted]},
        )
        conn.execute(text(_ALREADY_STORED))
        left = conn.execute(text("SELECT count(*) FROM report_staging WHERE NOT done")).scalar()
        if not left:
            break
        if attempt == 10:  # never with 31^6 codes; a row must not vanish unnoticed if it does
            raise RuntimeError(f"{left} report rows left unwritten: their codes kept clashing")
        # Only a clash of random tracking codes is left: draw new ones and try again.
        for (content_hash,) in conn.execute(
            text("SELECT content_hash FROM report_staging WHERE NOT done")
        ):
            conn.execute(
                text("UPDATE report_staging SET code = :code WHERE content_hash = :h"),
                {"code": fresh_codes(1, taken)[0], "h": content_hash},
            )
        inserted += [(int(r.id), str(r.content_hash)) for r in conn.execute(insert, params)]
    skipped = int(
        conn.execute(text("SELECT count(*) FROM report_staging WHERE duplicate")).scalar() or 0
    )
    stored = [
        int(i)
        for i in conn.execute(
            text(
                "SELECT r.id FROM reports r JOIN report_staging s "
                "ON r.content_hash = s.content_hash WHERE s.duplicate"
            )
        ).scalars()
    ]
    return inserted, stored, skipped


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

    ``taken`` holds the codes drawn for the whole import; a code drawn again here joins it.

    Optimistic: a row already stored (same content, or same channel and external id) makes the
    COPY fail with a unique violation, and the caller writes the batch again through
    :func:`write_staged`, whose ``ON CONFLICT DO NOTHING`` skips it. Tracking codes that clash
    with stored ones are drawn again first. ``ids`` were reserved for the rows, in file order.
    """
    codes = [line[:10] for line in lines]
    taken = set() if taken is None else taken
    raw = conn.connection.driver_connection
    assert raw is not None
    for _attempt in range(10):
        # Planned afresh each time (prepare=False): psycopg prepares a statement run five times
        # on one connection, and PostgreSQL may then keep a generic plan made while the table
        # was nearly empty, a scan of the whole table per batch once it is not (an import of
        # 10^5 rows after a TRUNCATE took 39 s instead of 5).
        with raw.cursor() as cur:
            cur.execute("SELECT code FROM reports WHERE code = ANY(%s)", [codes], prepare=False)
            clash = {str(code) for (code,) in cur}
        if not clash and len(set(codes)) == len(codes):
            break
        seen: set[str] = set()
        for n, code in enumerate(codes):
            while code in clash or code in seen:
                code = fresh_codes(1, taken)[0]
            codes[n] = code
            seen.add(code)
    who = _text(actor) + "\t" + _text(reason) + "\n"
    with raw.cursor() as cur:
        with cur.copy(f"COPY reports ({', '.join(_REPORT_COLUMNS)}) FROM STDIN") as copy:
            copy.write(
                "".join(
                    f"{rid}\t{code}{line[10:]}"
                    for rid, code, line in zip(ids, codes, lines, strict=True)
                )
            )
        with cur.copy(
            "COPY report_status_history (report_id, from_status, to_status, at, actor, reason) "
            "FROM STDIN"
        ) as copy:
            copy.write(
                "".join(
                    f"{rid}\t\\N\treceived\t{item.clean.received_at.isoformat()}\t{who}"
                    for rid, item in zip(ids, batch, strict=True)
                )
            )
    return [(rid, item.content_hash) for rid, item in zip(ids, batch, strict=True)], [], 0
