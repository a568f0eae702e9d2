r"""Evidence of inspections: the field team's photos and videos, kept with the report evidence.

Files go into the same content-addressed store as the reports' evidence
(:mod:`geo.reports.evidence`: type checked by content, size limits, decodable, EXIF read; one
file per SHA-256 under ``<data_dir>/evidence/`` and one ``evidence`` row), and are linked to the
inspection by :class:`~geo.patrols.models.InspectionEvidence`, which says who added each file.
Every file of a call is checked before anything is written.

Examples
--------
>>> clean_name("C:\\DCIM\\foto\x07.jpg")
'foto.jpg'
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geo.errors import N_, NotFound, ValidationError
from geo.patrols.models import Inspection, InspectionEvidence
from geo.settings import Settings

if TYPE_CHECKING:
    from geo.reports.config import ReportSettings
    from geo.reports.evidence import EvidenceFile

__all__ = [
    "EvidenceItem",
    "StoredEvidence",
    "clean_name",
    "check_evidence",
    "store_and_link",
    "add_evidence",
    "list_evidence",
    "evidence_file",
]

log = logging.getLogger(__name__)

#: One evidence file: a path, the bytes of an upload, or ``(file name, bytes)``.
EvidenceItem = str | Path | bytes | tuple[str, bytes]

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class StoredEvidence:
    """An evidence file linked to an inspection: hash, size, type, name as sent, who added it."""

    sha256: str
    bytes: int
    mime: str
    name: str | None
    added_by: str
    added_at: dt.datetime | None
    #: Where the file is kept (under ``<data_dir>/evidence/``).
    path: Path


def clean_name(name: str | None) -> str | None:
    """Keep a sent file name printable, without folders, and short enough for its column."""
    if name is None:
        return None
    base = PurePosixPath(name.replace("\\", "/")).name
    base = _UNPRINTABLE.sub("", base).strip()[:300]
    return base or None


def check_evidence(
    items: Sequence[EvidenceItem], *, report_settings: ReportSettings
) -> list[EvidenceFile]:
    """Read and check every file (type, size, decodable) without writing anything."""
    from geo.reports.evidence import inspect_evidence

    files: list[EvidenceFile] = []
    for i, item in enumerate(items):
        where = f"evidence[{i}]"
        if isinstance(item, tuple):
            if len(item) != 2 or not isinstance(item[1], bytes):
                raise ValidationError.of(
                    N_("{where}: expected (file name, bytes), got a tuple of {types}"),
                    field=where,
                    where=where,
                    types=", ".join(type(v).__name__ for v in item),
                )
            name, content = item
            files.append(
                inspect_evidence(
                    content,
                    name=clean_name(str(name)),
                    field=where,
                    report_settings=report_settings,
                )
            )
        elif isinstance(item, bytes | str | Path):
            file = inspect_evidence(item, field=where, report_settings=report_settings)
            files.append(file)
        else:
            raise ValidationError.of(
                N_("{where}: expected a path, bytes or (file name, bytes), got {type}"),
                field=where,
                where=where,
                type=type(item).__name__,
            )
    return files


def store_and_link(
    session: Session,
    row: Inspection,
    files: Sequence[EvidenceFile],
    *,
    actor: str,
    settings: Settings,
) -> list[dict[str, Any]]:
    """Store each file once by hash, link it to ``row`` and extend its JSON summary."""
    from geo.reports.evidence import store_evidence

    linked = set(
        session.scalars(
            select(InspectionEvidence.sha256).where(InspectionEvidence.inspection_id == row.id)
        )
    )
    # Entries recorded before migration 0006 have a hash but no stored file: sending the file
    # again stores and links it, and replaces the old entry rather than repeating it.
    summary = [
        e for e in (row.evidence or []) if e.get("sha256") not in {f.sha256 for f in files} - linked
    ]
    added: list[dict[str, Any]] = []
    for file in files:
        if file.sha256 in linked:
            continue  # the same photo sent twice for one inspection is one piece of evidence
        linked.add(file.sha256)
        store_evidence(session=session, file=file, settings=settings)
        name = clean_name(file.original_name)
        session.execute(
            insert(InspectionEvidence)
            .values(inspection_id=row.id, sha256=file.sha256, name=name, added_by=actor)
            .on_conflict_do_nothing(index_elements=["inspection_id", "sha256"])
        )
        entry = {"name": name, "sha256": file.sha256, "bytes": file.size_bytes, "mime": file.mime}
        summary.append(entry)
        added.append(entry)
    row.evidence = summary  # a new list, so the JSONB change is flushed
    return added


def add_evidence(
    *,
    session: Session,
    inspection_id: int,
    evidence: Sequence[EvidenceItem],
    actor: str,
    settings: Settings,
    report_settings: ReportSettings | None = None,
) -> list[dict[str, Any]]:
    """Add photos or videos to an inspection already recorded (e.g. sent after the visit).

    Files are stored under ``settings.data_dir`` and checked against ``report_settings``
    (``settings.reports`` when not given). Every file is checked first, as in
    :func:`record_inspection`; one bad file and nothing is written. Files already linked to
    the inspection are skipped. Returns the summary entries added (``name``, ``sha256``,
    ``bytes``, ``mime``).

    Raises
    ------
    ValidationError
        No file, a bad file (named ``evidence[i]``) or no ``actor``.
    NotFound
        No inspection with that id.

    Examples
    --------
    >>> from geo.patrols.inspections import record_inspection
    >>> done = record_inspection(session=session, site_code="KKR-001", result="active",
    ...                          actor="tim-2", settings=settings)
    >>> [e["mime"] for e in add_evidence(session=session, inspection_id=done.inspection_id,
    ...                                  evidence=["lubang.jpg"], actor="tim-2",
    ...                                  settings=settings)]
    ['image/jpeg']
    """
    if not actor or not actor.strip():
        raise ValidationError.of(N_("`actor`: who adds the evidence is required"), field="actor")
    if not evidence:
        raise ValidationError.of(
            N_("`evidence`: at least one file is required, got none"), field="evidence"
        )
    files = check_evidence(evidence, report_settings=report_settings or settings.reports)
    row = session.get(Inspection, inspection_id, with_for_update=True)
    if row is None:
        raise NotFound.of(
            N_("no inspection {inspection_id}"), field="inspection_id", inspection_id=inspection_id
        )
    added = store_and_link(session, row, files, actor=actor, settings=settings)
    session.flush()
    log.info("inspection %d: %d evidence file(s) added", inspection_id, len(added))
    return added


def list_evidence(
    *, session: Session, inspection_id: int, settings: Settings
) -> list[StoredEvidence]:
    """Return the evidence files linked to an inspection, in the order they were added.

    ``settings.data_dir`` says where the files are stored.

    Examples
    --------
    >>> from geo.patrols.inspections import record_inspection
    >>> done = record_inspection(session=session, site_code="KKR-001", result="active",
    ...                          actor="tim-2", evidence=["lubang.jpg"], settings=settings)
    >>> [e.mime for e in list_evidence(session=session, inspection_id=done.inspection_id,
    ...                                settings=settings)]
    ['image/jpeg']
    """
    from geo.reports.evidence import evidence_path
    from geo.reports.models import Evidence

    rows = session.execute(
        select(InspectionEvidence, Evidence)
        .join(Evidence, Evidence.sha256 == InspectionEvidence.sha256)
        .where(InspectionEvidence.inspection_id == inspection_id)
        .order_by(InspectionEvidence.added_at, InspectionEvidence.sha256)
    ).all()
    return [
        StoredEvidence(
            sha256=link.sha256,
            bytes=int(ev.size_bytes),
            mime=ev.mime,
            name=link.name,
            added_by=link.added_by,
            added_at=link.added_at,
            path=evidence_path(ev.sha256, ev.mime, settings=settings),
        )
        for link, ev in rows
    ]


def evidence_file(
    *, session: Session, inspection_id: int, sha256: str, settings: Settings
) -> StoredEvidence:
    """Return one evidence file of an inspection, checked to be linked and present on disk.

    Raises
    ------
    NotFound
        The inspection has no such file, or the file is missing from storage.

    Examples
    --------
    >>> from geo.patrols.inspections import record_inspection
    >>> done = record_inspection(session=session, site_code="KKR-001", result="active",
    ...                          actor="tim-2", evidence=["lubang.jpg"], settings=settings)
    >>> sha = done.evidence[0]["sha256"]
    >>> evidence_file(session=session, inspection_id=done.inspection_id, sha256=sha,
    ...               settings=settings).mime
    'image/jpeg'
    """
    match = next(
        (
            e
            for e in list_evidence(session=session, inspection_id=inspection_id, settings=settings)
            if e.sha256 == sha256
        ),
        None,
    )
    if match is None:
        raise NotFound.of(
            N_("inspection {inspection_id} has no evidence {sha}…"),
            field="sha256",
            inspection_id=inspection_id,
            sha=sha256[:12],
        )
    if not match.path.is_file():
        raise NotFound.of(
            N_("evidence {sha}… is missing from storage"), field="sha256", sha=sha256[:12]
        )
    return match
