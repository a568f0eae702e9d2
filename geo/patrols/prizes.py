"""What a visit to a site is worth and how long it takes: the planner's view of the registry.

:func:`site_priorities` is the one place that decides a site's priority for planning. With a
database it uses the explainable score of :mod:`geo.priority` (reports, reporters, channels,
days since inspection, status, commodity); without one, or for a database without the reports
tables, it falls back to status, risk level and days since the last inspection.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from geo.patrols.problem import DAYLIGHT, SiteTask, parse_clock

__all__ = ["fallback_priority", "site_priorities", "inspection_minutes", "tasks_from_frame"]

_STATUS_WEIGHT = {"active": 1.0, "suspected": 0.8, "inspected": 0.5, "dormant": 0.3,
                  "sealed": 0.2, "legalised": 0.0}
_RISK_WEIGHT = {"low": 0.25, "medium": 0.5, "high": 0.75, "critical": 1.0}
# Reasons are printed on the Indonesian field sheet.
_STATUS_ID = {"active": "aktif", "suspected": "diduga", "inspected": "sudah diperiksa",
              "dormant": "tidak aktif", "sealed": "disegel", "legalised": "berizin"}
_RISK_ID = {"low": "rendah", "medium": "sedang", "high": "tinggi", "critical": "kritis"}
#: After this many days without inspection, staleness counts in full.
STALE_DAYS = 180


def fallback_priority(
    status: str, risk_level: str, last_inspected: dt.date | None, *, today: dt.date
) -> tuple[float, tuple[str, ...]]:
    """Return a 0–100 priority and its reasons from status, risk and days since inspection.

    Weights: 35 for status, 40 for risk, 25 for staleness (never inspected counts as stale).
    Reasons are in Bahasa Indonesia, for the field sheet.

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
    since = "belum pernah diperiksa" if days is None else f"diperiksa {days} hari lalu"
    return score, (f"status {_STATUS_ID.get(status, status)}",
                   f"risiko {_RISK_ID.get(risk_level, risk_level)}", since)


def _scored(session: Session, today: dt.date) -> dict[str, tuple[float, tuple[str, ...]]]:
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
            frame = compute_priority(session=session, as_of=as_of, store=False)
    except ProgrammingError:  # a database without the reports tables: fall back
        return {}
    return {
        str(r["code"]): (float(r["score"]), tuple(str(r["reasons"]).split("; ")))
        for r in frame.to_dict("records")
    }


def site_priorities(
    sites: gpd.GeoDataFrame, *, today: dt.date, session: Session | None = None
) -> pd.DataFrame:
    """Return ``priority`` (0–100) and ``reasons`` per site code for planning.

    With a ``session``, the explainable score of :func:`geo.priority.compute_priority` is
    computed as of the planning day (not stored), so that reports and inspections recorded a
    minute ago count; sites it does not score, and every site without a session, get
    :func:`fallback_priority`.

    Examples
    --------
    >>> prio = site_priorities(sites, today=dt.date.today(), session=session)
    >>> len(prio) == len(sites), bool(prio["priority"].between(0, 100).all())
    (True, True)
    """
    rows = _priority_map(sites, today=today, session=session)
    return pd.DataFrame(
        {"priority": [v[0] for v in rows.values()], "reasons": [v[1] for v in rows.values()]},
        index=list(rows),
    )


def _priority_map(
    sites: gpd.GeoDataFrame, *, today: dt.date, session: Session | None
) -> dict[str, tuple[float, tuple[str, ...]]]:
    rows = {
        str(r["code"]): fallback_priority(
            str(r.get("status") or "suspected"), str(r.get("risk_level") or "medium"),
            _date(r.get("last_inspected")), today=today,
        )
        for r in sites.to_dict("records")
    }
    if session is not None:
        scored = _scored(session, today)
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
    sites: gpd.GeoDataFrame, *, today: dt.date, session: Session | None = None
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
    prio = _priority_map(sites, today=today, session=session)
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
                service_min=int(service if _present(service) else
                                inspection_minutes(geom, str(row.get("commodity") or ""))),
                status=str(row.get("status") or "suspected"),
                risk_level=str(row.get("risk_level") or "medium"),
                last_inspected=_date(row.get("last_inspected")),
                kabupaten=str(row.get("kabupaten") or ""),
                commodity=str(row.get("commodity") or ""),
                reasons=prio[code][1],
                window=(
                    parse_clock(str(row["window_open"]), field=f"{code}.window_open")
                    if _present(row.get("window_open")) else DAYLIGHT[0],
                    parse_clock(str(row["window_close"]), field=f"{code}.window_close")
                    if _present(row.get("window_close")) else DAYLIGHT[1],
                ),
            )
        )
    return tasks


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value))
