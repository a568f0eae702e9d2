"""Bulk import of report files, idempotent and safe to kill.

The policy, in order:

1. **Check every row.** Every row goes through the same
   :func:`~geo.reports.validation.clean_report` as a single submission (ordinary rows through
   its bulk twin :func:`~geo.reports.bulkcheck.clean_many`); evidence files named in the
   ``evidence`` column (``;``-separated, relative to the file) are read and checked. With
   ``on_error="abort"`` (the default) any bad row stops the import and nothing is written,
   with a message naming file, row and field for each of the first errors; with
   ``on_error="skip"`` bad rows are left out and listed in the summary.
2. **Drop exact duplicates**: a row whose content (or channel and external id, or evidence
   file) repeats an earlier row of the file or a stored report is counted, not written.
3. **Write in batches** (:mod:`geo.reports.batches`), each committed on its own: rows are
   ``COPY``-ed into ``reports`` with their history rows, or through a staging table and
   ``INSERT ... ON CONFLICT DO NOTHING`` when some are already stored or carry evidence. The
   unique content hash and the unique (channel, external id) make a rerun skip what an
   interrupted run (even ``kill -9``) committed, so every row ends up exactly once. The file
   is checked chunk by chunk while writer threads send the chunks already checked; with
   ``on_error="abort"`` they hold those batches uncommitted until the last row is checked.
4. **Link near duplicates** over every report of the file, then **match** them to known
   sites (:mod:`geo.matching`).

The content hash includes the keyed reporter hash: rerun an import with the same
``PANTAU_SECRET_KEY``.

File formats (UTF-8; CSV separated by ``,`` ``;`` or tab):

- **CSV**: one report per row, columns named as the arguments of :func:`geo.reports.submit`
  (``channel``, ``external_id``, ``received_at``, ``observed_at``, ``lat``, ``lon``,
  ``location_source``, ``accuracy_m``, ``location_text``, ``title``, ``description``,
  ``activity``, ``commodity_guess``, ``confidentiality``, ``reporter_name``,
  ``reporter_phone``) plus ``evidence``; Indonesian headers are accepted too (``lintang``,
  ``bujur``, ``judul``, ``isi``, ``lokasi``, ``nama_pelapor``, ``no_hp``..., see
  :data:`geo.reports.readers.ALIASES`). Times are ISO 8601 or ``dd/mm/yyyy HH:MM`` (WITA when
  no offset is given); decimal commas are accepted.
- **GeoJSON**: a FeatureCollection of Point features (or ``null`` geometry for a described
  place) with the same names as properties.
- **SP4N-LAPOR! export**: a CSV with ``Nomor Tracking``, ``Tanggal Laporan``,
  ``Judul Laporan``, ``Isi Laporan``, ``Lokasi Kejadian`` and, when present, ``Latitude`` /
  ``Longitude``; its rows get the ``lapor`` channel and the tracking number as external id.

Examples
--------
>>> summary = import_file(engine=engine, path=Path("data/demo_reports.csv"), settings=settings)
>>> summary.format, summary.duplicates > 0  # loaded already: its rows are duplicates now
('csv', True)
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from geo.errors import N_, ValidationError
from geo.reports.batches import BatchWriter, WriteResult
from geo.reports.bulkcheck import clean_many, content_hashes
from geo.reports.dedup import link_near_duplicates, match_new_reports
from geo.reports.evidence import EvidenceFile, inspect_evidence
from geo.reports.privacy import IdentityCache
from geo.reports.readers import FileFormat, RawRow, read_rows, unknown_columns
from geo.reports.refusals import RowRefusal, RowsRefused
from geo.reports.validation import clean_report
from geo.reports.writer import PreparedRow
from geo.settings import ReportSettings, Settings

__all__ = ["RowError", "ImportSummary", "import_file"]

log = logging.getLogger(__name__)
_MAX_LISTED_ERRORS = 10


#: A refused row: which file, which row (line or feature), which field, and why (kept as the
#: refusal itself, so that it can be shown in Indonesian: ``RowError.localized(t)``).
RowError = RowRefusal


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
    #: Columns no field reads, each with the field it most resembles (or None): never dropped
    #: without a word.
    unknown_columns: list[tuple[str, str | None]] = field(default_factory=list)


def _validate(rows: Sequence[RawRow], run: _Run) -> tuple[list[PreparedRow], list[RowError]]:
    """Check a chunk of rows: the rows to write (in order) and the refused ones."""
    path, channel, settings = run.path, run.channel, run.settings
    limits, now, identities = run.limits, run.now, run.identities
    good: list[PreparedRow] = []
    errors: list[RowError] = []
    fields_of: list[dict[str, Any]] = []
    for raw in rows:
        fields = raw.fields
        if channel and not fields.get("channel"):
            fields = {**fields, "channel": channel}
        fields_of.append(fields)
    # Ordinary rows are proven valid in bulk; any row the fast path cannot prove (a bad value,
    # evidence, an unusual spelling) goes through clean_report, which owns every message.
    fast = clean_many(fields_of, identities=identities, report_settings=limits, now=now)
    hashes = iter(content_hashes([p.clean for p in fast if p is not None]))
    for raw, fields, proven in zip(rows, fields_of, fast, strict=True):
        if proven is not None:
            good.append(
                PreparedRow(raw.row, proven.clean, next(hashes), (proven.name, proven.phone))
            )
            continue
        try:
            files: list[EvidenceFile] = []
            names = [p.strip() for p in str(fields.get("evidence") or "").split(";") if p.strip()]
            for i, name in enumerate(names):
                checked = inspect_evidence(
                    path.parent / name,
                    field=f"evidence[{i}]",
                    report_settings=limits,
                    zone=settings.province_profile.zone,
                )
                # Keep the hash and EXIF, not the bytes: the file is read again when written,
                # so that a file with thousands of photos does not have to fit in memory.
                files.append(replace(checked, content=b"", source=path.parent / name))
            if not fields.get("channel"):
                raise ValidationError.of(
                    N_(
                        "{field}: the file has no channel column and no channel was given "
                        "(use --channel)"
                    ),
                    field="channel",
                )
            clean = clean_report(
                fields, evidence=files, settings=settings, report_settings=limits, now=now
            )
        except ValidationError as exc:
            errors.append(RowRefusal(path.name, raw.row, exc))
            continue
        good.append(PreparedRow(raw.row, clean, clean.content_hash()))
    return good, errors


class _Repeats:
    """Drops rows that repeat an earlier row of the file, fed chunk by chunk in file order.

    A repeat has the same content, the same channel and external id, or an evidence file.
    """

    def __init__(self) -> None:
        self.content: set[str] = set()
        self.external: set[tuple[str, str]] = set()
        self.evidence: set[str] = set()

    def drop(self, items: Sequence[PreparedRow]) -> tuple[list[PreparedRow], int]:
        kept: list[PreparedRow] = []
        for item in items:
            ext = (item.clean.channel, item.clean.external_id) if item.clean.external_id else None
            hashes = {e.sha256 for e in item.clean.evidence}
            if (
                item.content_hash in self.content
                or (ext is not None and ext in self.external)
                or hashes & self.evidence
            ):
                continue
            self.content.add(item.content_hash)
            if ext is not None:
                self.external.add(ext)
            self.evidence |= hashes
            kept.append(item)
        return kept, len(items) - len(kept)


def import_file(
    *,
    engine: Engine,
    path: Path | str,
    format: FileFormat = "auto",
    channel: str | None = None,
    on_error: Literal["abort", "skip"] = "abort",
    batch_size: int | None = None,
    actor: str | None = None,
    settings: Settings,
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
        Injected configuration and clock. Adapters pass ``settings``; a notebook may leave it
        out for the process-wide tree. ``report_settings`` is ``settings.reports`` unless given.
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
    >>> import csv
    >>> with open("lapor_export.csv", "w", newline="") as fh:
    ...     csv.writer(fh).writerows([
    ...         ["Nomor Tracking", "Tanggal Laporan", "Judul Laporan", "Isi Laporan",
    ...          "Lokasi Kejadian"],
    ...         ["LAP-DOC-1", "2026-11-02 09:00", "Tambang emas", "Ekskavator di sungai",
    ...          "Desa Bukit Pariaman"]])
    >>> import_file(engine=engine, path="lapor_export.csv", format="lapor", settings=settings)
    ImportSummary(path='lapor_export.csv', format='lapor', rows=1, inserted=..., ...)
    """
    limits = report_settings or settings.reports
    now = now or dt.datetime.now(dt.UTC)
    path = Path(path)
    if on_error not in ("abort", "skip"):
        raise ValidationError(
            f"on_error: expected 'abort' or 'skip', got {on_error!r}", field="on_error"
        )
    with _no_cycle_collection():
        return _import(
            engine=engine,
            path=path,
            format=format,
            channel=channel,
            on_error=on_error,
            batch_size=batch_size,
            actor=actor,
            settings=settings,
            limits=limits,
            now=now,
            progress=progress,
            on_batch=on_batch,
            match=match,
        )


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while an import builds its rows.

    An import creates millions of small objects that live until it ends; each full collection
    would walk them all (it doubled the time of validation at 10^5 rows). The import creates no
    cycles worth collecting, and the collector's previous state is restored afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class _Run:
    """What one import works with, and what it has counted so far."""

    path: Path
    rows: Sequence[RawRow]
    channel: str | None
    abort_on_error: bool
    settings: Settings
    limits: ReportSettings
    now: dt.datetime
    identities: IdentityCache
    errors: list[RowError] = field(default_factory=list)
    repeats: _Repeats = field(default_factory=_Repeats)
    dropped: int = 0
    flagged: int = 0


def _import(
    *,
    engine: Engine,
    path: Path,
    format: FileFormat,
    channel: str | None,
    on_error: Literal["abort", "skip"],
    batch_size: int | None,
    actor: str | None,
    settings: Settings,
    limits: ReportSettings,
    now: dt.datetime,
    progress: bool,
    on_batch: Callable[[int], None] | None,
    match: bool,
) -> ImportSummary:
    fmt, rows = read_rows(path, format)
    run = _Run(
        path=path,
        rows=rows,
        channel=channel,
        abort_on_error=on_error == "abort",
        settings=settings,
        limits=limits,
        now=now,
        identities=IdentityCache(settings),
    )
    with _progress_bar(enabled=progress) as bar:
        checking = bar.add_task(f"{path.name}: checked", total=len(rows))
        task = bar.add_task(f"{path.name}: written", total=len(rows))

        def committed(batches: int, rows_in_batch: int) -> None:
            bar.advance(task, rows_in_batch)
            if on_batch is not None:
                on_batch(batches)

        # Each chunk of the file is checked while the writers send the chunks before it; with
        # on_error="abort" they commit nothing until the last row is checked.
        with BatchWriter(
            engine=engine,
            actor=actor or settings.actor,
            reason=f"imported from {path.name}",
            settings=settings,
            identities=run.identities,
            held=run.abort_on_error,
            on_commit=committed,
        ) as writer:
            size = batch_size or limits.import_batch_size
            for start in range(0, len(rows), size):
                chunk = rows[start : start + size]
                unique = _check_chunk(engine, run, chunk)
                bar.advance(checking, len(chunk))
                if not (run.errors and run.abort_on_error):
                    bar.advance(task, len(chunk) - len(unique))
                    writer.put(unique)
            if run.errors and run.abort_on_error:
                writer.abort()
                raise _refusal(run)
            writer.release()
            written = writer.finish()
    summary = ImportSummary(
        path=str(path),
        format=fmt,
        rows=len(rows),
        inserted=len(written.inserted),
        duplicates=run.dropped + written.skipped,
        flagged=run.flagged,
        batches=written.batches,
        rejected=run.errors,
        unknown_columns=unknown_columns(path),
    )
    summary.near_duplicates = _link_and_match(engine, written, limits=limits, match=match)
    _log_summary(summary)
    return summary


def _link_and_match(
    engine: Engine, written: WriteResult, *, limits: ReportSettings, match: bool
) -> int:
    """Link and match every report of the file; return how many new ones are near duplicates."""
    # Every report of the file, new or stored by an earlier (perhaps killed) run of it.
    ids = sorted({*written.inserted_ids, *written.stored_ids})
    with Session(engine) as session, session.begin():
        links = link_near_duplicates(session=session, report_ids=ids, report_settings=limits)
        if match:
            match_new_reports(session=session, report_ids=ids)
    # New reports start unlinked: those linked now are the file's near duplicates.
    return sum(1 for i in written.inserted_ids if links.get(i) is not None)


def _progress_bar(*, enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]Importing[/] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not enabled,
        transient=True,
    )


def _check_chunk(engine: Engine, run: _Run, chunk: Sequence[RawRow]) -> list[PreparedRow]:
    """Check a chunk of rows; return those to write (none once a row is bad and we abort)."""
    good, bad = _validate(chunk, run)
    run.errors += bad
    if run.errors and run.abort_on_error:
        return []  # keep checking, to count and list the bad rows
    unique, repeated = run.repeats.drop(good)
    unique, known = _drop_known_evidence(engine, unique)
    run.dropped += repeated + known
    run.flagged += sum(1 for item in unique if item.clean.flags)
    return unique


def _refusal(run: _Run) -> RowsRefused:
    """Return the error of an import with bad rows and ``on_error="abort"`` (names each row)."""
    return RowsRefused(run.path.name, run.errors, total=len(run.rows), listed=_MAX_LISTED_ERRORS)


def _log_summary(summary: ImportSummary) -> None:
    log.info(
        "imported %s: %d rows, %d new, %d duplicates, %d near duplicates, %d rejected",
        Path(summary.path).name,
        summary.rows,
        summary.inserted,
        summary.duplicates,
        summary.near_duplicates,
        len(summary.rejected),
    )


def _drop_known_evidence(
    engine: Engine, items: Sequence[PreparedRow]
) -> tuple[list[PreparedRow], int]:
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
