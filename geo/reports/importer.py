"""Bulk import of report files, idempotent and safe to kill.

The policy, in order:

1. **Validate the whole file first.** Every row goes through the same
   :func:`~geo.reports.validation.clean_report` as a single submission; evidence files named
   in the ``evidence`` column (``;``-separated, relative to the file) are read and checked.
   With ``on_error="abort"`` (the default) any bad row stops the import before anything is
   written, with a message naming file, row and field for each of the first errors; with
   ``on_error="skip"`` bad rows are left out and listed in the summary.
2. **Drop exact duplicates**: a row whose content (or channel and external id, or evidence
   file) repeats an earlier row of the file or a stored report is counted, not written.
3. **Write in batches**, each in its own transaction: rows are ``COPY``-ed into a temporary
   staging table, then ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` into ``reports`` with
   their history and evidence links. The unique content hash and the unique
   (channel, external id) make a rerun skip what an interrupted run (even ``kill -9``)
   committed, so every row ends up exactly once.
4. **Link near duplicates** over every report of the file, then **match** them to known
   sites (:mod:`geo.matching`).

The content hash includes the keyed reporter hash: rerun an import with the same
``PANTAU_SECRET_KEY``.

Examples
--------
>>> summary = import_file(engine=engine, path=Path("data/demo_reports.csv"))  # doctest: +SKIP
>>> summary.inserted, summary.duplicates  # doctest: +SKIP
(1970, 30)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from geo.errors import InputFileError, ValidationError
from geo.reports.config import ReportSettings, get_report_settings
from geo.reports.dedup import link_near_duplicates, match_new_reports
from geo.reports.evidence import EvidenceFile, evidence_path, inspect_evidence, write_once
from geo.reports.intake import new_code
from geo.reports.readers import FileFormat, RawRow, read_rows
from geo.reports.validation import CleanReport, clean_report
from geo.settings import Settings, get_settings

__all__ = ["RowError", "ImportSummary", "import_file"]

log = logging.getLogger(__name__)
_MAX_LISTED_ERRORS = 10

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


@dataclass(frozen=True)
class RowError:
    """A refused row: which file, which row (line or feature), which field, and why."""

    file: str
    row: int
    field: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}: {self.message}"


@dataclass
class ImportSummary:
    """What an import did. ``duplicates`` counts rows already stored or repeated in the file."""

    path: str
    format: str
    rows: int = 0
    inserted: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    flagged: int = 0
    batches: int = 0
    rejected: list[RowError] = field(default_factory=list)


@dataclass
class _Prepared:
    row: int
    clean: CleanReport
    content_hash: str


def _validate(
    rows: Sequence[RawRow],
    *,
    path: Path,
    channel: str | None,
    settings: Settings,
    limits: ReportSettings,
    now: dt.datetime,
) -> tuple[list[_Prepared], list[RowError]]:
    good: list[_Prepared] = []
    errors: list[RowError] = []
    for raw in rows:
        fields = dict(raw.fields)
        if channel and not fields.get("channel"):
            fields["channel"] = channel
        try:
            files: list[EvidenceFile] = []
            names = [p.strip() for p in str(fields.get("evidence") or "").split(";") if p.strip()]
            for i, name in enumerate(names):
                checked = inspect_evidence(
                    path.parent / name, field=f"evidence[{i}]", report_settings=limits
                )
                # Keep the hash and EXIF, not the bytes: the file is read again when written,
                # so that a file with thousands of photos does not have to fit in memory.
                files.append(replace(checked, content=b"", source=path.parent / name))
            if not fields.get("channel"):
                raise ValidationError(
                    "channel: the file has no channel column and no channel was given "
                    "(use --channel)",
                    field="channel",
                )
            clean = clean_report(
                fields, evidence=files, settings=settings, report_settings=limits, now=now
            )
        except ValidationError as exc:
            errors.append(RowError(path.name, raw.row, exc.field, exc.message))
            continue
        good.append(_Prepared(raw.row, clean, clean.content_hash()))
    return good, errors


def _drop_repeats(items: Sequence[_Prepared]) -> tuple[list[_Prepared], int]:
    seen_content: set[str] = set()
    seen_ext: set[tuple[str, str]] = set()
    seen_evidence: set[str] = set()
    kept: list[_Prepared] = []
    for item in items:
        ext = (item.clean.channel, item.clean.external_id) if item.clean.external_id else None
        hashes = {e.sha256 for e in item.clean.evidence}
        if (
            item.content_hash in seen_content
            or (ext is not None and ext in seen_ext)
            or hashes & seen_evidence
        ):
            continue
        seen_content.add(item.content_hash)
        if ext is not None:
            seen_ext.add(ext)
        seen_evidence |= hashes
        kept.append(item)
    return kept, len(items) - len(kept)


def _chunks(items: Sequence[_Prepared], size: int) -> Iterator[Sequence[_Prepared]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _staging_record(item: _Prepared, code: str) -> tuple[Any, ...]:
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


def _store_files(conn: Connection, batch: Sequence[_Prepared], settings: Settings) -> None:
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
    conn: Connection, batch: Sequence[_Prepared], *, actor: str, reason: str, settings: Settings
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


def _write_all(
    *,
    engine: Engine,
    items: Sequence[_Prepared],
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


def import_file(
    *,
    engine: Engine,
    path: Path | str,
    format: FileFormat = "auto",
    channel: str | None = None,
    on_error: Literal["abort", "skip"] = "abort",
    batch_size: int | None = None,
    actor: str | None = None,
    settings: Settings | None = None,
    report_settings: ReportSettings | None = None,
    now: dt.datetime | None = None,
    progress: bool = True,
    on_batch: Callable[[int], None] | None = None,
    match: bool = True,
) -> ImportSummary:
    """Import a CSV, GeoJSON or SP4N-LAPOR! export file of reports.

    Parameters
    ----------
    engine
        Database engine; each batch commits on its own connection.
    path
        The file. CSV columns and GeoJSON properties use the field names of
        :func:`geo.reports.submit` or their Indonesian aliases (see
        :data:`geo.reports.readers.ALIASES`); GeoJSON points give the location.
    format
        ``auto`` (from extension and header), ``csv``, ``geojson`` or ``lapor``.
    channel
        Channel for rows without one (``lapor`` for a LAPOR! export).
    on_error
        ``abort``: any bad row stops the import before writing anything; ``skip``: bad rows
        are listed in the summary and the others imported.
    batch_size
        Rows per transaction (``PANTAU_REPORTS_IMPORT_BATCH_SIZE``, 1000, by default).
    actor
        Written into each report's history (``settings.actor`` by default).
    settings, report_settings, now
        Injected configuration and clock.
    progress
        Show a Rich progress bar on stderr.
    on_batch
        Called with the number of batches committed so far, after each commit.
    match
        Match the file's reports to known sites (:mod:`geo.matching`) once written.

    Returns
    -------
    ImportSummary

    Raises
    ------
    InputFileError
        The file cannot be read, or (``abort``) a row is bad; each error names file, row and
        field.

    Examples
    --------
    >>> import_file(engine=engine, path="lapor_export.csv", format="lapor")  # doctest: +SKIP
    ImportSummary(path='lapor_export.csv', format='lapor', rows=250, inserted=250, ...)
    """
    settings = settings or get_settings()
    limits = report_settings or get_report_settings()
    now = now or dt.datetime.now(dt.UTC)
    path = Path(path)
    if on_error not in ("abort", "skip"):
        raise ValidationError(
            f"on_error: expected 'abort' or 'skip', got {on_error!r}", field="on_error"
        )
    fmt, rows = read_rows(path, format)
    summary = ImportSummary(path=str(path), format=fmt, rows=len(rows))
    good, errors = _validate(
        rows, path=path, channel=channel, settings=settings, limits=limits, now=now
    )
    if errors and on_error == "abort":
        listed = "\n".join(f"  {e}" for e in errors[:_MAX_LISTED_ERRORS])
        more = len(errors) - _MAX_LISTED_ERRORS
        raise InputFileError(
            f"{path.name}: {len(errors)} of {len(rows)} rows are not valid; nothing was "
            f"imported:\n{listed}" + (f"\n  ... and {more} more" if more > 0 else ""),
            field=errors[0].field,
        )
    summary.rejected = errors
    unique, repeats = _drop_repeats(good)
    unique, known_evidence = _drop_known_evidence(engine, unique)
    summary.flagged = sum(1 for item in unique if item.clean.flags)
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]Importing[/] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not progress,
        transient=True,
    ) as bar:
        task = bar.add_task(path.name, total=len(unique))
        inserted, skipped, summary.batches = _write_all(
            engine=engine,
            items=unique,
            batch_size=batch_size or limits.import_batch_size,
            actor=actor or settings.actor,
            reason=f"imported from {path.name}",
            settings=settings,
            progress=bar,
            task=task,
            on_batch=on_batch,
        )
    summary.inserted = len(inserted)
    summary.duplicates = repeats + known_evidence + skipped
    with Session(engine) as session, session.begin():
        ids = list(
            session.execute(
                text("SELECT id FROM reports WHERE content_hash = ANY(:h)"),
                {"h": [item.content_hash for item in unique]},
            ).scalars()
        )
        link_near_duplicates(session=session, report_ids=ids, report_settings=limits)
        if match:
            match_new_reports(session=session, report_ids=ids)
        summary.near_duplicates = int(
            session.execute(
                text(
                    "SELECT count(*) FROM reports WHERE content_hash = ANY(:h) "
                    "AND duplicate_of_id IS NOT NULL"
                ),
                {"h": inserted},
            ).scalar()
            or 0
        )
    log.info(
        "imported %s: %d rows, %d new, %d duplicates, %d near duplicates, %d rejected",
        path.name,
        summary.rows,
        summary.inserted,
        summary.duplicates,
        summary.near_duplicates,
        len(summary.rejected),
    )
    return summary


def _drop_known_evidence(engine: Engine, items: Sequence[_Prepared]) -> tuple[list[_Prepared], int]:
    """Leave out rows whose evidence file already backs another report of another content."""
    hashes = sorted({e.sha256 for item in items for e in item.clean.evidence})
    if not hashes:
        return list(items), 0
    with engine.connect() as conn:
        owners: dict[str, str | None] = dict(
            conn.execute(
                text(
                    "SELECT re.sha256, r.content_hash FROM report_evidence re "
                    "JOIN reports r ON r.id = re.report_id WHERE re.sha256 = ANY(:h)"
                ),
                {"h": hashes},
            ).all()
        )
    kept = [
        item
        for item in items
        # The same row re-imported owns its own evidence: let ON CONFLICT count it.
        if all(owners.get(e.sha256) in (None, item.content_hash) for e in item.clean.evidence)
    ]
    return kept, len(items) - len(kept)
