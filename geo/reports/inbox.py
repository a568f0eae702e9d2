"""The staff inbox of reports: filtered, paged, the most urgent first, each row with its clock.

The console's Laporan page and its Beranda counts read from here. Clocks come from
:func:`geo.reports.clocks.evaluate` (the one place that knows the agency's deadlines), which
reads every report: :func:`running_clocks` gives its map once, and an adapter may reuse it for
a few seconds. The filters run in PostgreSQL, which returns only ids; they are ordered by clock
in Python and the rows of one page are read by id. Rows pass through the one
redaction gate (:func:`geo.reports.privacy.redact`) for the reader's role; the inbox never
carries a reporter's identity.

Examples
--------
>>> page = inbox(session=session, filters=InboxFilters(status="received"), page_size=5)
>>> len(page.rows) <= 5, page.total >= len(page.rows)
(True, True)
>>> sorted(counts(session=session))
['due_soon', 'new', 'overdue']
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.errors import N_, ValidationError
from geo.reports.clocks import ClockStatus, evaluate
from geo.reports.config import LOCAL_TIMEZONE
from geo.reports.models import CHANNELS, REPORT_STATUSES
from geo.reports.privacy import redact

__all__ = [
    "CLOCK_FILTERS",
    "InboxFilters",
    "InboxPage",
    "inbox",
    "running_clocks",
    "counts",
    "weekly",
    "kabupaten_names",
    "grid",
    "linked_codes",
]

#: Values of the clock filter: a running clock in that state, or no running clock at all.
CLOCK_FILTERS: tuple[str, ...] = ("overdue", "due_soon", "running", "none")
_URGENCY = {"overdue": 0, "due_soon": 1, "running": 2}
_WITA = ZoneInfo(LOCAL_TIMEZONE)


@dataclass(frozen=True)
class InboxFilters:
    """What the inbox is narrowed to; ``None`` (or empty) means any."""

    status: str | None = None
    clock: str | None = None
    channel: str | None = None
    kabupaten: str | None = None
    site: str | None = None
    hotspot: str | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None

    def check(self) -> None:
        """Raise :class:`ValidationError` naming the first field with an unknown value."""
        for name, value, allowed in (
            ("status", self.status, REPORT_STATUSES),
            ("clock", self.clock, CLOCK_FILTERS),
            ("channel", self.channel, CHANNELS),
        ):
            if value and value not in allowed:
                raise ValidationError.of(
                    N_("{field} was {value!r} but is expected to be one of {allowed}"),
                    field=name,
                    value=value,
                    allowed=", ".join(allowed),
                )
        if self.received_from and self.received_to and self.received_from > self.received_to:
            raise ValidationError.of(
                N_("the start date is after the end date"), field="received_from"
            )


@dataclass(frozen=True)
class InboxPage:
    """One page of the inbox: its rows, how many match in all, and where it is."""

    rows: list[dict[str, Any]]
    total: int
    page: int
    page_size: int
    filters: InboxFilters = field(default_factory=InboxFilters)

    @property
    def pages(self) -> int:
        """How many pages the matching reports fill (at least one)."""
        return max(1, math.ceil(self.total / self.page_size))


def _most_urgent(clocks: Sequence[ClockStatus]) -> dict[int, ClockStatus]:
    """Pick the most urgent running clock of each report (worst state, then earliest due)."""
    out: dict[int, ClockStatus] = {}
    for c in clocks:
        if c.state not in _URGENCY:
            continue
        best = out.get(c.report_id)
        if best is None or (_URGENCY[c.state], c.due_at) < (_URGENCY[best.state], best.due_at):
            out[c.report_id] = c
    return out


_JOINS = """
  FROM reports r
  LEFT JOIN report_matches m ON m.report_id = r.id
  LEFT JOIN sites s ON s.id = m.site_id
  LEFT JOIN hotspots h ON h.id = r.hotspot_id
"""
#: The filters of the ids query: (parameter, condition, joins it needs). Only the joins a
#: filter asks for are made, so the unfiltered inbox is one index scan of ``reports``.
_CONDITIONS: tuple[tuple[str, str, str], ...] = (
    ("status", "r.status = :status", ""),
    ("channel", "r.channel = :channel", ""),
    ("since", "r.received_at >= :since", ""),
    ("until", "r.received_at < :until", ""),
    ("kabupaten", "s.kabupaten = :kabupaten", "site"),
    ("site", "s.code = :site", "site"),
    ("hotspot", "h.code = :hotspot", "hotspot"),
)
_SITE_JOIN = " JOIN report_matches m ON m.report_id = r.id JOIN sites s ON s.id = m.site_id"
_HOTSPOT_JOIN = " JOIN hotspots h ON h.id = r.hotspot_id"


def _ids_query(params: dict[str, Any]) -> Any:
    """Every report matching the filters but the clock's, newest first: ids only."""
    used = [(cond, join) for name, cond, join in _CONDITIONS if params.get(name) is not None]
    joins = {join for _, join in used}
    sql = "SELECT r.id FROM reports r"
    sql += _SITE_JOIN if "site" in joins else ""
    sql += _HOTSPOT_JOIN if "hotspot" in joins else ""
    if used:
        sql += " WHERE " + " AND ".join(cond for cond, _ in used)
    return text(sql + " ORDER BY r.received_at DESC, r.id DESC").bindparams(
        **{k: v for k, v in params.items() if v is not None}
    )


#: The rows of one page, by id.
_ROWS = text(
    "SELECT r.id, r.code, r.received_at, r.channel, r.status, r.title, r.confidentiality,"
    " left(r.description, 160) AS description, r.location_text, r.activity,"
    " s.code AS site_code, s.kabupaten, h.code AS hotspot_code"
    + _JOINS
    + " WHERE r.id = ANY(CAST(:ids AS int[]))"
)


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=_WITA)


def _params(filters: InboxFilters) -> dict[str, Any]:
    until = filters.received_to + dt.timedelta(days=1) if filters.received_to else None
    return {
        "status": filters.status or None,
        "channel": filters.channel or None,
        "kabupaten": filters.kabupaten or None,
        "site": (filters.site or "").strip().upper() or None,
        "hotspot": (filters.hotspot or "").strip().upper() or None,
        "since": _local_midnight(filters.received_from) if filters.received_from else None,
        "until": _local_midnight(until) if until else None,
    }


def running_clocks(
    *,
    session: Session,
    now: dt.datetime | None = None,
    report_ids: Sequence[int] | None = None,
    zone: ZoneInfo | None = None,
) -> dict[int, ClockStatus]:
    """Return the most urgent running clock of every report that has one, by report id.

    The inbox and the counts take this map as an argument, so an adapter may reuse it for a
    few seconds (:func:`geo.reports.clocks.evaluate` reads every report), and update the
    reports it changed with ``report_ids``.

    Examples
    --------
    >>> clocks = running_clocks(session=session)
    >>> {c.state for c in clocks.values()} <= {"overdue", "due_soon", "running"}
    True
    """
    return _most_urgent(evaluate(session=session, now=now, report_ids=report_ids, zone=zone))


def _urgency(clock: ClockStatus) -> tuple[int, dt.datetime, str]:
    return _URGENCY[clock.state], clock.due_at, clock.code


def _unfiltered(
    session: Session, clocks: Mapping[int, ClockStatus], clock: str | None, start: int, stop: int
) -> tuple[list[int], int] | None:
    """Find the page without any filter in SQL, from the clocks alone when it lies among them.

    The first pages of the inbox are the reports with the most urgent clocks: they need no
    query over every report (``None`` when the page reaches past them).
    """
    if clock == "none":
        return None
    timed = sorted(clocks, key=lambda i: _urgency(clocks[i]))
    if clock:
        timed = [i for i in timed if clocks[i].state == clock]
        return timed[start:stop], len(timed)
    if stop > len(timed):
        return None
    total = int(session.execute(text("SELECT count(*) FROM reports")).scalar_one())
    return timed[start:stop], total


def _ordered(ids: Sequence[int], clocks: Mapping[int, ClockStatus], clock: str | None) -> list[int]:
    """Order ids by their clock's urgency then due time; the rest keep their (newest) order."""
    timed = sorted((i for i in ids if i in clocks), key=lambda i: _urgency(clocks[i]))
    if clock == "none":
        return [i for i in ids if i not in clocks]
    if clock:
        return [i for i in timed if clocks[i].state == clock]
    return timed + [i for i in ids if i not in clocks]


def inbox(
    *,
    session: Session,
    filters: InboxFilters | None = None,
    page: int = 1,
    page_size: int = 25,
    role: str = "analyst",
    now: dt.datetime | None = None,
    clocks: Mapping[int, ClockStatus] | None = None,
) -> InboxPage:
    """Return one page of reports matching ``filters``, the most urgent clock first.

    Reports with an overdue clock come first, then due soon, then running (each by due time),
    then reports with no running clock, newest first. ``clocks`` is :func:`running_clocks`
    (computed here when not given).

    Raises
    ------
    ValidationError
        A filter with an unknown value, or a page below 1.
    """
    filters = filters or InboxFilters()
    filters.check()
    if page < 1:
        raise ValidationError.of(N_("the page must be 1 or more"), field="page")
    if clocks is None:
        clocks = running_clocks(session=session, now=now)
    start, stop = (page - 1) * page_size, page * page_size
    params = _params(filters)
    fast = None
    if all(v is None for v in params.values()):
        fast = _unfiltered(session, clocks, filters.clock, start, stop)
    if fast is None:
        ordered = _ordered(
            list(session.execute(_ids_query(params)).scalars()), clocks, filters.clock
        )
        fast = ordered[start:stop], len(ordered)
    wanted, total = fast
    found = {r["id"]: dict(r) for r in session.execute(_ROWS, {"ids": wanted}).mappings()}
    rows = []
    for report_id in wanted:
        if report_id not in found:
            continue  # deleted since the clocks were computed
        row = found[report_id]
        clock = clocks.get(report_id)
        row.update(
            due_at=clock.due_at if clock else None,
            clock_state=clock.state if clock else None,
            clock=clock.rule if clock else None,
            days_left=clock.days_left if clock else None,
        )
        rows.append(row)
    visible = redact(rows, role=role)
    return InboxPage(rows=visible, total=total, page=page, page_size=page_size, filters=filters)


def counts(
    *,
    session: Session,
    now: dt.datetime | None = None,
    clocks: Mapping[int, ClockStatus] | None = None,
) -> dict[str, int]:
    """Return how many reports are new (``received``), overdue and due soon."""
    if clocks is None:
        clocks = running_clocks(session=session, now=now)
    states = [c.state for c in clocks.values()]
    new = session.execute(text("SELECT count(*) FROM reports WHERE status = 'received'"))
    return {
        "new": int(new.scalar_one()),
        "overdue": states.count("overdue"),
        "due_soon": states.count("due_soon"),
    }


def weekly(
    *, session: Session, weeks: int = 12, now: dt.datetime | None = None
) -> list[tuple[dt.date, int]]:
    """Return ``(monday, reports received that week)`` for the last ``weeks`` weeks, oldest first.

    Examples
    --------
    >>> rows = weekly(session=session, weeks=4)
    >>> len(rows), rows[0][0].weekday()
    (4, 0)
    """
    today = (now or dt.datetime.now(dt.UTC)).astimezone(_WITA).date()
    monday = today - dt.timedelta(days=today.weekday())
    first = monday - dt.timedelta(weeks=weeks - 1)
    rows = session.execute(
        text(
            "SELECT date_trunc('week', received_at AT TIME ZONE :tz)::date, count(*) "
            "FROM reports WHERE received_at >= :since GROUP BY 1"
        ),
        {"since": _local_midnight(first), "tz": LOCAL_TIMEZONE},
    ).all()
    found: dict[dt.date, int] = {day: int(n) for day, n in rows}
    return [
        (first + dt.timedelta(weeks=i), int(found.get(first + dt.timedelta(weeks=i), 0)))
        for i in range(weeks)
    ]


def kabupaten_names(*, session: Session) -> list[str]:
    """Return the kabupaten of the registry, for the inbox's filter."""
    return list(session.scalars(text("SELECT DISTINCT kabupaten FROM sites ORDER BY 1")))


def grid(
    *,
    session: Session,
    cell_deg: float,
    bbox: tuple[float, float, float, float] | None = None,
) -> list[dict[str, Any]]:
    """Return reports counted per square cell of ``cell_deg`` degrees, at the cells' mean point.

    The console's map asks for a cell size fitting its zoom, so it draws at most a few thousand
    circles whatever the number of reports. Each item has ``lon``, ``lat`` and ``n``.

    Examples
    --------
    >>> cells = grid(session=session, cell_deg=1.0)
    >>> sum(c["n"] for c in cells) > 0
    True
    """
    if not 0 < cell_deg <= 10:
        raise ValidationError.of(
            N_("the cell size must be above 0 and at most 10 degrees"), field="cell"
        )
    west, south, east, north = bbox or (-180.0, -90.0, 180.0, 90.0)
    rows = session.execute(
        text(
            "SELECT avg(ST_X(geom)) AS lon, avg(ST_Y(geom)) AS lat, count(*) AS n FROM reports "
            "WHERE geom IS NOT NULL AND geom && ST_MakeEnvelope(:w, :s, :e, :n, 4326) "
            "GROUP BY floor(ST_X(geom) / :cell), floor(ST_Y(geom) / :cell)"
        ),
        {"w": west, "s": south, "e": east, "n": north, "cell": cell_deg},
    ).mappings()
    return [{"lon": float(r["lon"]), "lat": float(r["lat"]), "n": int(r["n"])} for r in rows]


def linked_codes(*, session: Session, report_id: int) -> dict[str, str | None]:
    """Return the codes of a report's matched site, hotspot and original (if a duplicate).

    Examples
    --------
    >>> sorted(linked_codes(session=session, report_id=1))
    ['duplicate_of_code', 'hotspot_code', 'matched_site_code']
    """
    row = (
        session.execute(
            text(
                "SELECT s.code AS matched_site_code, h.code AS hotspot_code,"
                " d.code AS duplicate_of_code FROM reports r "
                "LEFT JOIN report_matches m ON m.report_id = r.id "
                "LEFT JOIN sites s ON s.id = m.site_id "
                "LEFT JOIN hotspots h ON h.id = r.hotspot_id "
                "LEFT JOIN reports d ON d.id = r.duplicate_of_id WHERE r.id = :id"
            ),
            {"id": report_id},
        )
        .mappings()
        .first()
    )
    keys = ("matched_site_code", "hotspot_code", "duplicate_of_code")
    return {k: (row[k] if row else None) for k in keys}
