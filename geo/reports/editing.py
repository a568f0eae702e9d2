"""Correcting a stored report (a mistyped position, a better description), with a trail.

An operator may correct what a report says, never who sent it, through which channel or when it
was received. The same checks as at intake apply; flags are recomputed; the change is written
into the report's history (the status stays, the reason lists the fields changed, never their
values); and the report is deduplicated and matched again, as the issue asks for every edited
report. The content hash is kept, so re-importing the original file still recognises the row.

Examples
--------
>>> edit(session=session, code=code, actor="ani", lat=-0.512, lon=117.08, settings=settings)
['lat', 'lon']
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from geoalchemy2.shape import to_shape
from shapely.geometry import Point
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.errors import ValidationError
from geo.reports.dedup import link_near_duplicates, match_new_reports
from geo.reports.evidence import EvidenceFile, ExifInfo
from geo.reports.lifecycle import get_report
from geo.reports.models import Evidence, Report, ReportEvidence, ReportStatusHistory
from geo.reports.row import INPUT_FIELDS
from geo.reports.validation import CleanReport, clean_report
from geo.settings import ReportSettings, Settings

__all__ = ["EDITABLE", "edit"]

#: What a report keeps as it was received: who sent it, through which channel, when.
_FIXED_AT_INTAKE = ("channel", "external_id", "received_at", "reporter_name", "reporter_phone")
#: Fields an operator may correct: every field of a report (geo.reports.row.INPUT_FIELDS) but
#: those fixed at intake.
EDITABLE: tuple[str, ...] = tuple(f for f in INPUT_FIELDS if f not in _FIXED_AT_INTAKE)
#: The fields read back from a stored report to check it again (identity stays encrypted).
_CHECKED = tuple(f for f in INPUT_FIELDS if f not in ("reporter_name", "reporter_phone"))


def edit(
    *,
    session: Session,
    code: str,
    actor: str,
    reason: str | None = None,
    settings: Settings,
    report_settings: ReportSettings | None = None,
    now: dt.datetime | None = None,
    match: bool = True,
    **changes: Any,
) -> list[str]:
    """Correct fields of a report; return the names of the fields that changed.

    Parameters
    ----------
    session
        Open session; the caller commits.
    code
        The report's tracking code.
    actor
        Who corrects it (written into the history).
    reason
        Why, for the history.
    settings, report_settings, now
        Injected configuration and clock. Adapters pass ``settings``; a notebook may leave it
        out for the process-wide tree. ``report_settings`` is ``settings.reports`` unless given.
    match
        Match the report to known sites again when its position changed.
    **changes
        New values for fields of :data:`EDITABLE`; ``lat=None, lon=None`` removes the point
        (then ``location_text`` must describe the place).

    Raises
    ------
    ValidationError
        A field that may not be edited, or a bad value (same messages as at intake).
    NotFound
        No report has this code.

    Examples
    --------
    >>> edit(session=session, code=code, actor="ani", title="Ekskavator", settings=settings)
    ['title']
    """
    _check_request(actor, changes)
    limits = report_settings or settings.reports
    report = get_report(session=session, code=code, for_update=True)
    current = _current(report, moving="lat" in changes)
    if "lat" in changes and changes.get("lat") is None and "location_source" not in changes:
        changes = {**changes, "location_source": "described"}
    # Received long ago is fine: only the edited values must not lie in the future.
    clean = clean_report(
        {**current, **changes},
        evidence=[] if changes.get("lat", 0) is None else _evidence(session, report),
        settings=settings,
        report_settings=limits,
        now=now,
    )
    changed = [name for name in EDITABLE if getattr(clean, name) != current[name]]
    if not changed:
        return []
    _apply(session, report, clean, changed, actor=actor.strip(), reason=reason, now=now)
    if {"lat", "lon", "observed_at"} & set(changed):
        link_near_duplicates(session=session, report_ids=[report.id], report_settings=limits)
        if match:
            match_new_reports(session=session, report_ids=[report.id])
    if {"lat", "lon", "commodity_guess"} & set(changed):  # its place or its authority moved
        from geo.layers.service import reclassify  # the layers package reads reports' models

        reclassify(session=session, settings=settings, only={"report": [report.id]})
    return changed


def _check_request(actor: str, changes: dict[str, Any]) -> None:
    if not actor or not actor.strip():
        raise ValidationError("actor: who makes the change is required, got nothing", field="actor")
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValidationError(
            f"{unknown[0]}: may not be edited; editable fields are {', '.join(EDITABLE)}",
            field=unknown[0],
        )


def _current(report: Report, *, moving: bool) -> dict[str, Any]:
    """Return the stored report as the fields it would be submitted with (identity left out)."""
    point = to_shape(report.geom) if report.geom is not None else None
    assert point is None or isinstance(point, Point)  # the column is typed POINT
    located = {"lat": None, "lon": None} if point is None else {"lat": point.y, "lon": point.x}
    current = {f: located[f] if f in located else getattr(report, f) for f in _CHECKED}
    if point is None and not moving:
        current["location_source"] = "described"
    return current


def _evidence(session: Session, report: Report) -> list[EvidenceFile]:
    """Return the report's evidence files as checked at intake (hash and EXIF, no content)."""
    return [
        EvidenceFile(
            sha256=e.sha256,
            content=b"",
            mime=e.mime,
            original_name=e.original_name,
            exif=ExifInfo(lat=e.exif_lat, lon=e.exif_lon, taken_at=e.exif_time),
            size=e.size_bytes,
        )
        for e in session.scalars(
            select(Evidence)
            .join(ReportEvidence, ReportEvidence.sha256 == Evidence.sha256)
            .where(ReportEvidence.report_id == report.id)
        )
    ]


def _apply(
    session: Session,
    report: Report,
    clean: CleanReport,
    changed: list[str],
    *,
    actor: str,
    reason: str | None,
    now: dt.datetime | None,
) -> None:
    """Write the changed fields, the recomputed flags and a history row (names, no values)."""
    for name in changed:
        if name not in ("lat", "lon"):
            setattr(report, name, getattr(clean, name))
    if "lat" in changed or "lon" in changed:
        report.geom = clean.ewkt  # type: ignore[assignment]  # EWKT is bound as geometry
    report.flags = list(clean.flags)
    session.add(
        ReportStatusHistory(
            report_id=report.id,
            from_status=report.status,
            to_status=report.status,
            actor=actor,
            at=now or dt.datetime.now(dt.UTC),
            reason=f"edited: {', '.join(changed)}" + (f" ({reason})" if reason else ""),
        )
    )
    session.flush()
