"""Writing checked report rows in committed batches: COPY to staging, INSERT ... ON CONFLICT.

Each batch is one transaction: evidence files are written (by content hash) and recorded, rows
are ``COPY``-ed into a temporary staging table, then inserted into ``reports`` with their
history row and evidence links by one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``. The
unique content hash and the unique (channel, external id) make a rerun skip whatever an
interrupted run committed. Used by :func:`geo.reports.importer.import_file`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from rich.progress import Progress
from sqlalchemy import Connection, Engine, text

from geo.errors import InputFileError
from geo.reports.evidence import EvidenceFile, evidence_path, write_once
from geo.reports.intake import new_code
from geo.reports.validation import CleanReport
from geo.settings import Settings

__all__ = ["PreparedRow", "write_batches"]

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
    RETURNING id, code, received_at, channel
), hist AS (
    INSERT INTO report_status_history (report_id, from_status, to_status, actor, at, reason)
    SELECT id, NULL, 'received', :actor, received_at, :reason FROM ins
), links AS (
    INSERT INTO report_evidence (report_id, sha256)
    SELECT DISTINCT ins.id, unnest(s.evidence) FROM ins JOIN report_staging s USING (code)
)
UPDATE report_staging s SET done = true FROM ins WHERE s.code = ins.code
RETURNING s.content_hash
"""

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
    """A checked row of a file: its line (or feature) number, content and content hash."""

    row: int
    clean: CleanReport
    content_hash: str


def _chunks(items: Sequence[PreparedRow], size: int) -> Iterator[Sequence[PreparedRow]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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


def _write_batch(
    conn: Connection, batch: Sequence[PreparedRow], *, actor: str, reason: str, settings: Settings
) -> tuple[list[str], int]:
    """Write one batch in the caller's transaction; return inserted hashes and skipped count."""
    _store_files(conn, batch, settings)
    conn.execute(text(_CREATE_STAGING))
    raw = conn.connection.driver_connection
    assert raw is not None
    columns = ", ".join(_STAGING_COLUMNS)
    with raw.cursor() as cur, cur.copy(f"COPY report_staging ({columns}) FROM STDIN") as copy:
        for item in batch:
            copy.write_row(_staging_record(item, new_code()))
    inserted: list[str] = []
    for _attempt in range(10):
        inserted += list(
            conn.execute(text(_INSERT_FROM_STAGING), {"actor": actor, "reason": reason}).scalars()
        )
        if len(inserted) == len(batch):
            return inserted, 0  # the usual case: every row was new
        conn.execute(text(_ALREADY_STORED))
        left = conn.execute(text("SELECT count(*) FROM report_staging WHERE NOT done")).scalar()
        if not left:
            break
        # Only a clash of random tracking codes is left: draw new ones and try again.
        for (content_hash,) in conn.execute(
            text("SELECT content_hash FROM report_staging WHERE NOT done")
        ):
            conn.execute(
                text("UPDATE report_staging SET code = :code WHERE content_hash = :h"),
                {"code": new_code(), "h": content_hash},
            )
    skipped = int(
        conn.execute(text("SELECT count(*) FROM report_staging WHERE duplicate")).scalar() or 0
    )
    return inserted, skipped


def write_batches(
    *,
    engine: Engine,
    items: Sequence[PreparedRow],
    batch_size: int,
    actor: str,
    reason: str,
    settings: Settings,
    progress: Progress | None = None,
    task: Any = None,
    on_batch: Callable[[int], None] | None = None,
) -> tuple[list[str], int, int]:
    """Write checked rows in committed batches; return inserted hashes, skips and batches."""
    inserted: list[str] = []
    skipped = 0
    batches = 0
    for batch in _chunks(items, batch_size):
        with engine.begin() as conn:
            done, dup = _write_batch(conn, batch, actor=actor, reason=reason, settings=settings)
        inserted += done
        skipped += dup
        batches += 1
        if progress is not None and task is not None:
            progress.advance(task, len(batch))
        if on_batch is not None:
            on_batch(batches)
    return inserted, skipped, batches
