"""Correcting a stored report (a mistyped position, a better description), with a trail.

An operator may correct what a report says, never who sent it, through which channel or when it
was received. The same checks as at intake apply; flags are recomputed; the change is written
into the report's history (the status stays, the reason lists the fields changed, never their
values); and the report is deduplicated and matched again, as the issue asks for every edited
report. The content hash is kept, so re-importing the original file still recognises the row.

Examples
--------
>>> edit(session=session, code=code, actor="ani", lat=-0.512, lon=117.08)
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
from geo.reports.config import ReportSettings, get_report_settings
from geo.reports.dedup import link_near_duplicates, match_new_reports
from geo.reports.evidence import EvidenceFile, ExifInfo
from geo.reports.lifecycle import get_report
from geo.reports.models import Evidence, ReportEvidence, ReportStatusHistory
from geo.reports.validation import clean_report
from geo.settings import Settings, get_settings

__all__ = ["EDITABLE", "edit"]

#: Fields an operator may correct.
EDITABLE: tuple[str, ...] = (
    "lat",
    "lon",
    "location_source",
    "accuracy_m",
    "location_text",
    "title",
    "description",
    "activity",
    "commodity_guess",
    "confidentiality",
    "observed_at",
)


def edit(
    *,
    session: Session,
    code: str,
    actor: str,
    reason: str | None = None,
    settings: Settings | None = None,
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
        Injected configuration and clock.
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
    >>> edit(session=session, code=code, actor="ani", title="Ekskavator")
    ['title']
    """
    if not actor or not actor.strip():
        raise ValidationError("actor: who makes the change is required, got nothing", field="actor")
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValidationError(
            f"{unknown[0]}: may not be edited; editable fields are {', '.join(EDITABLE)}",
            field=unknown[0],
        )
    report = get_report(session=session, code=code, for_update=True)
    point = to_shape(report.geom) if report.geom is not None else None
    assert point is None or isinstance(point, Point)  # the column is typed POINT
    current: dict[str, Any] = {
        "channel": report.channel,
        "external_id": report.external_id,
        "received_at": report.received_at,
        "observed_at": report.observed_at,
        "lat": point.y if point is not None else None,
        "lon": point.x if point is not None else None,
        "location_source": report.location_source,
        "accuracy_m": report.accuracy_m,
        "location_text": report.location_text,
        "title": report.title,
        "description": report.description,
        "activity": report.activity,
        "commodity_guess": report.commodity_guess,
        "confidentiality": report.confidentiality,
    }
    if point is None and "lat" not in changes:
        current["location_source"] = "described"
    evidence = [
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
    if "lat" in changes and changes.get("lat") is None and "location_source" not in changes:
        changes = {**changes, "location_source": "described"}
    # Received long ago is fine: only the edited values must not lie in the future.
    clean = clean_report(
        {**current, **changes},
        evidence=[] if changes.get("lat", 0) is None else evidence,
        settings=settings or get_settings(),
        report_settings=report_settings or get_report_settings(),
        now=now,
    )
    new = {
        "observed_at": clean.observed_at,
        "lat": clean.lat,
        "lon": clean.lon,
        "location_source": clean.location_source,
        "accuracy_m": clean.accuracy_m,
        "location_text": clean.location_text,
        "title": clean.title,
        "description": clean.description,
        "activity": clean.activity,
        "commodity_guess": clean.commodity_guess,
        "confidentiality": clean.confidentiality,
    }
    changed = [name for name, value in new.items() if value != current[name]]
    if not changed:
        return []
    for name in changed:
        if name not in ("lat", "lon"):
            setattr(report, name, new[name])
    if "lat" in changed or "lon" in changed:
        report.geom = clean.ewkt  # type: ignore[assignment]  # EWKT is bound as geometry
    report.flags = list(clean.flags)
    session.add(
        ReportStatusHistory(
            report_id=report.id,
            from_status=report.status,
            to_status=report.status,
            actor=actor.strip(),
            at=now or dt.datetime.now(dt.UTC),
            reason=f"edited: {', '.join(changed)}" + (f" ({reason})" if reason else ""),
        )
    )
    session.flush()
    if {"lat", "lon", "observed_at"} & set(changed):
        link_near_duplicates(
            session=session, report_ids=[report.id], report_settings=report_settings
        )
        if match:
            match_new_reports(session=session, report_ids=[report.id])
    return changed
