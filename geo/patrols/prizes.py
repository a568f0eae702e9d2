"""What a visit to a site is worth and how long it takes: the planner's view of the registry.

:func:`site_priorities` is the one place that decides a site's priority for planning. With a
database it uses the explainable score of :mod:`geo.priority` (reports, reporters, channels,
days since inspection, status, commodity); without one, or for a database without the reports
tables, it falls back to status, risk level and days since the last inspection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping
from functools import partial
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from geo.errors import N_
from geo.labels import commodity, site_status
from geo.labels import risk_level as risk_level_label
from geo.patrols.problem import DAYLIGHT, SiteTask, parse_clock
from geo.patrols.text import Message, Value
from geo.settings import PrioritySettings

__all__ = [
    "fallback_priority",
    "score_reasons",
    "site_priorities",
    "inspection_minutes",
    "tasks_from_frame",
]

_STATUS_WEIGHT = {
    "active": 1.0,
    "suspected": 0.8,
    "inspected": 0.5,
    "dormant": 0.3,
    "sealed": 0.2,
    "legalised": 0.0,
}
_RISK_WEIGHT = {"low": 0.25, "medium": 0.5, "high": 0.75, "critical": 1.0}
#: After this many days without inspection, staleness counts in full.
STALE_DAYS = 180


def fallback_priority(
    status: str, risk_level: str, last_inspected: dt.date | None, *, today: dt.date
) -> tuple[float, tuple[str, ...]]:
    """Return a 0–100 priority and its reasons from status, risk and days since inspection.

    Weights: 35 for status, 40 for risk, 25 for staleness (never inspected counts as stale).
    Reasons are :class:`~geo.patrols.text.Message`: English text, shown in the reader's
    language by the exports.

    Examples
    --------
    >>> import datetime as dt
    >>> fallback_priority("active", "critical", None, today=dt.date(2026, 1, 1))[0]
    100.0
    """
    s = _STATUS_WEIGHT.get(status, 0.5)
    r = _RISK_WEIGHT.get(risk_level, 0.5)
    if last_inspected is None:
        days, stale = None, 1.0
    else:
        days = (today - last_inspected).days
        stale = min(max(days, 0) / STALE_DAYS, 1.0)
    score = round(35 * s + 40 * r + 25 * stale, 1)
    since = (
        Message(N_("never inspected"))
        if days is None
        else Message(N_("inspected {days} days ago"), days=days)
    )
    return score, (
        Message(N_("status {status}"), status=partial(site_status, code=status)),
        Message(N_("risk {risk}"), risk=partial(risk_level_label, code=risk_level)),
        since,
    )


#: How each point column of :func:`geo.priority.compute_priority` is explained to a team.
_POINTS_TEXT: dict[str, str] = {
    "pts_reports": N_("{recent_reports} recent reports (decayed): {points}"),
    "pts_reporters": N_("{reporter_count} reporters: {points}"),
    "pts_channels": N_("{channel_count} channels: {points}"),
    "pts_status": N_("status {status}: {points}"),
    "pts_commodity": N_("commodity {commodity}: {points}"),
    "pts_alerts": N_("{alert_patches} satellite alert patches nearby: {points}"),
    "pts_permit": N_("land status (indicative) {permit_class}: {points}"),
    "pts_forest": N_("forest estate (indicative) {forest_flag}: {points}"),
}


def score_reasons(row: Mapping[Hashable, Any]) -> tuple[str, ...]:
    """Explain a row of :func:`geo.priority.compute_priority`: each input's points, largest first.

    Examples
    --------
    >>> from geo.i18n import translator
    >>> row = {"recent_reports": 2.5, "reporter_count": 3, "channel_count": 1,
    ...        "days_since_inspection": None, "status": "active", "commodity": "emas",
    ...        "pts_reports": 8.75, "pts_reporters": 9.0, "pts_channels": 3.3,
    ...        "pts_inspection": 20.0, "pts_status": 10.0, "pts_commodity": 10.0}
    >>> [r.localized(translator("id")) for r in score_reasons(row)[:2]]
    ['belum pernah diperiksa: 20', 'status Aktif: 10']
    """
    from geo.priority import COMPONENTS

    days = row.get("days_since_inspection")
    values: dict[str, Value] = {
        "recent_reports": round(float(row.get("recent_reports") or 0), 1),
        "reporter_count": int(row.get("reporter_count") or 0),
        "channel_count": int(row.get("channel_count") or 0),
        "status": partial(site_status, code=str(row.get("status"))),
        "commodity": partial(commodity, code=str(row.get("commodity"))),
        "alert_patches": int(row.get("alert_patches") or 0),
        "permit_class": str(row.get("permit_class") or "-"),
        "forest_flag": str(row.get("forest_flag") or "-"),
    }
    lines: list[str] = []
    # Rows without the alert and land-status components count them as 0.
    pts = {c: float(row.get(c) or 0) for c in COMPONENTS}
    order = sorted(COMPONENTS, key=lambda c: (-pts[c], COMPONENTS.index(c)))
    for c in (c for c in order if pts[c] > 0):
        points = round(pts[c], 1)
        if c in _POINTS_TEXT:
            lines.append(Message(_POINTS_TEXT[c], **values, points=points))
        elif days is None or pd.isna(days):
            lines.append(Message(N_("never inspected: {points}"), points=points))
        else:
            lines.append(
                Message(N_("{days} days since inspection: {points}"), days=int(days), points=points)
            )
    return tuple(lines) or (Message(N_("no points")),)


def _scored(
    session: Session, today: dt.date, weights: PrioritySettings | None
) -> dict[str, tuple[float, tuple[str, ...]]]:
    """Scores from :func:`geo.priority.compute_priority`, computed now, not stored."""
    try:
        from geo.priority import compute_priority
    except ImportError:
        return {}
    from sqlalchemy.exc import ProgrammingError

    # Noon WITA of the planning day: reports up to then count.
    as_of = dt.datetime.combine(today, dt.time(4), tzinfo=dt.UTC)
    try:
        with session.begin_nested():
            frame = compute_priority(session=session, as_of=as_of, settings=weights, store=False)
    except ProgrammingError:  # a database without the reports tables: fall back
        return {}
    return {str(r["code"]): (float(r["score"]), score_reasons(r)) for r in frame.to_dict("records")}


def site_priorities(
    sites: gpd.GeoDataFrame,
    *,
    today: dt.date,
    session: Session | None = None,
    weights: PrioritySettings | None = None,
) -> pd.DataFrame:
    """Return ``priority`` (0–100) and ``reasons`` per site code for planning.

    With a ``session``, the explainable score of :func:`geo.priority.compute_priority` is
    computed as of the planning day (not stored) with the priority ``weights`` (the settings'
    ``priority`` section), so that reports and inspections recorded a minute ago count; sites
    it does not score, and every site without a session, get :func:`fallback_priority`.

    Examples
    --------
    >>> prio = site_priorities(sites, today=dt.date.today(), session=session)
    >>> len(prio) == len(sites), bool(prio["priority"].between(0, 100).all())
    (True, True)
    """
    rows = _priority_map(sites, today=today, session=session, weights=weights)
    return pd.DataFrame(
        {"priority": [v[0] for v in rows.values()], "reasons": [v[1] for v in rows.values()]},
        index=list(rows),
    )


def _priority_map(
    sites: gpd.GeoDataFrame,
    *,
    today: dt.date,
    session: Session | None,
    weights: PrioritySettings | None = None,
) -> dict[str, tuple[float, tuple[str, ...]]]:
    rows = {
        str(r["code"]): fallback_priority(
            str(r.get("status") or "suspected"),
            str(r.get("risk_level") or "medium"),
            _date(r.get("last_inspected")),
            today=today,
        )
        for r in sites.to_dict("records")
    }
    if session is not None:
        scored = _scored(session, today, weights)
        rows.update({code: value for code, value in scored.items() if code in rows})
    return rows


def _date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


def inspection_minutes(geom: BaseGeometry, commodity: str) -> int:
    """Return the time on site: 60 min for a point, more for larger polygons and gold sites.

    Polygons take 45 minutes plus 10 per hectare (walking the perimeter), capped at 4 hours;
    alluvial gold sites (``emas``) add 30 minutes for the river approach.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> inspection_minutes(Point(117, -0.5), "batubara")
    60
    """
    if geom.geom_type == "Point":
        minutes = 60
    else:
        # Degrees squared to hectares near the equator: 1° ≈ 111.32 km both ways.
        hectares = geom.area * 111_320.0**2 / 10_000
        minutes = min(240, 45 + round(10 * hectares))
    if commodity == "emas":
        minutes += 30
    return int(minutes)


def tasks_from_frame(
    sites: gpd.GeoDataFrame,
    *,
    today: dt.date,
    session: Session | None = None,
    weights: PrioritySettings | None = None,
) -> list[SiteTask]:
    """Turn a sites GeoDataFrame (as :func:`geo.sites.load` returns) into planner tasks.

    A polygon is visited at a point inside it (``representative_point``). Optional columns
    ``priority`` and ``service_min`` override the computed values, and ``window_open`` /
    ``window_close`` ("HH:MM") narrow the daylight window in which an inspection may start
    (e.g. a river site reachable only at high tide, or a pit worked at night).

    Examples
    --------
    >>> tasks = tasks_from_frame(sites, today=dt.date.today())
    >>> len(tasks) == len(sites)
    True
    """
    prio = _priority_map(sites, today=today, session=session, weights=weights)
    tasks = []
    for row in sites.to_dict("records"):
        code = str(row["code"])
        geom = row["geometry"]
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        priority = row.get("priority")
        service = row.get("service_min")
        tasks.append(
            SiteTask(
                code=code,
                name=str(row.get("name") or code),
                lon=float(point.x),
                lat=float(point.y),
                priority=float(priority) if _present(priority) else prio[code][0],
                service_min=int(
                    service
                    if _present(service)
                    else inspection_minutes(geom, str(row.get("commodity") or ""))
                ),
                status=str(row.get("status") or "suspected"),
                risk_level=str(row.get("risk_level") or "medium"),
                last_inspected=_date(row.get("last_inspected")),
                kabupaten=str(row.get("kabupaten") or ""),
                commodity=str(row.get("commodity") or ""),
                reasons=prio[code][1],
                window=(
                    parse_clock(str(row["window_open"]), field=f"{code}.window_open")
                    if _present(row.get("window_open"))
                    else DAYLIGHT[0],
                    parse_clock(str(row["window_close"]), field=f"{code}.window_close")
                    if _present(row.get("window_close"))
                    else DAYLIGHT[1],
                ),
            )
        )
    return tasks


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value))
