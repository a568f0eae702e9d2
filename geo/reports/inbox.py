"""The staff inbox of reports: filtered, paged, the most urgent first, each row with its clock.

The console's Laporan page and its Beranda counts read from here. Each report's most urgent
running clock is stored (:mod:`geo.reports.clock_store`: refreshed before each read, forgotten
by the database whenever a report changes, tested to give the clocks of
:func:`geo.reports.clocks.evaluate`), so the filters, the clock state and the order all run in
one plain query that returns only the page. Days (the clocks', the date filters', the weeks')
are the province's (``zone``: ``settings.province_profile.zone``). Rows pass through the one
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
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, text
from sqlalchemy.orm import Session

from geo.calendar import load_calendar
from geo.errors import N_, ValidationError
from geo.reports.clock_store import days_left, refresh, report_clocks, state_sql
from geo.reports.clocks import ClockStatus, evaluate, load_rules
from geo.reports.config import DEFAULT_ZONE
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
_REPORTS = Table("reports", MetaData(), Column("id", Integer), Column("status", String))


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


#: The filters of the inbox: (parameter, condition). ``clock`` is the running clock's state,
#: ``none`` a report with no running clock.
_CONDITIONS: tuple[tuple[str, str], ...] = (
    ("status", "r.status = :status"),
    ("channel", "r.channel = :channel"),
    ("since", "r.received_at >= :since"),
    ("until", "r.received_at < :until"),
    ("kabupaten", "s.kabupaten = :kabupaten"),
    ("site", "s.code = :site"),
    ("hotspot", "h.code = :hotspot"),
    ("clock_state", "ck.state = :clock_state"),  # replaced by a range: _STATE_RANGES
    ("no_clock", "ck.report_id IS NULL"),
)

#: The reports matching the filters with their stored clocks (:mod:`geo.reports.clock_store`,
#: refreshed just before), judged at ``:now``. Raw SQL because the filters above are conditions
#: on its aliases.
_MATCHING = """
  FROM reports r
  LEFT JOIN report_matches m ON m.report_id = r.id
  LEFT JOIN sites s ON s.id = m.site_id
  LEFT JOIN hotspots h ON h.id = r.hotspot_id
  LEFT JOIN (SELECT report_id, rule, due_at, soon_at
               FROM report_clocks WHERE rule IS NOT NULL) ck ON ck.report_id = r.id
 {where}
"""

#: The joins every branch of a page shares, for the filters on sites and hotspots.
_LINKS = """
  LEFT JOIN report_matches m ON m.report_id = r.id
  LEFT JOIN sites s ON s.id = m.site_id
  LEFT JOIN hotspots h ON h.id = r.hotspot_id
"""

#: The page's candidates with a running clock in one state, in the inbox's order, read from the
#: stored clocks' index on ``due_at`` (``{state}``, ``{urgency}``, ``{when}``: the state's
#: condition at ``:now``): at most ``:k`` rows, all a page at ``:offset`` can need.
_CLOCK_BRANCH = (
    """
(SELECT r.id, {urgency} AS urgency, ck.due_at, ck.state, ck.rule, r.code AS tie, r.received_at
   FROM (SELECT report_id, rule, due_at, soon_at, CAST('{state}' AS text) AS state
           FROM report_clocks) ck
   JOIN reports r ON r.id = ck.report_id"""
    + _LINKS
    + """  WHERE ck.rule IS NOT NULL AND {when} {filters}
  ORDER BY ck.due_at, r.code
  LIMIT :k)
"""
)

#: The candidates without a running clock, newest first (index on ``received_at``).
_NO_CLOCK_BRANCH = (
    """
(SELECT r.id, 3 AS urgency, CAST(NULL AS timestamptz) AS due_at, ck.state, ck.rule,
        CAST(NULL AS varchar) AS tie, r.received_at
   FROM reports r
   LEFT JOIN (SELECT report_id, CAST(NULL AS text) AS state, rule FROM report_clocks
               WHERE rule IS NOT NULL) ck ON ck.report_id = r.id"""
    + _LINKS
    + """  WHERE ck.report_id IS NULL {filters}
  ORDER BY r.received_at DESC, r.id DESC
  LIMIT :k)
"""
)

_NOW = "CAST(:now AS timestamptz)"

#: Each clock state's branch: (urgency, the state's condition on the stored instants at now).
_BRANCHES = {
    "overdue": ("0", f"{_NOW} > ck.due_at"),
    "due_soon": ("1", f"{_NOW} <= ck.due_at AND {_NOW} >= ck.soon_at"),
    "running": ("2", f"{_NOW} <= ck.due_at AND {_NOW} < ck.soon_at"),
}

#: One page of the inbox, the most urgent clock first (then due time and code), then the reports
#: without a running clock, newest first: the best ``:k`` of each clock state and of the reports
#: without one (each an index scan that stops early), merged, and only the page's rows read
#: whole. Sorting all 10^5 reports by a clock state computed per row cost a quarter of a second.
_PAGE = (
    """WITH page AS MATERIALIZED (SELECT * FROM ({branches}
) b ORDER BY urgency, due_at, tie, received_at DESC, id DESC
 LIMIT :limit OFFSET :offset)
SELECT r.id, r.code, r.received_at, r.channel, r.status, r.title, r.confidentiality,
       left(r.description, 160) AS description, r.location_text, r.activity,
       s.code AS site_code, s.kabupaten, h.code AS hotspot_code,
       p.due_at, p.state AS clock_state, p.rule AS clock
  FROM page p JOIN reports r ON r.id = p.id"""
    + _LINKS
    + (" ORDER BY p.urgency, p.due_at, p.tie, p.received_at DESC, p.id DESC")
)


def _page_sql(clock: str | None, where: Sequence[str]) -> str:
    """Return the page query: only the branches the clock filter can match, with the filters."""
    states = [clock] if clock in _BRANCHES else [] if clock == "none" else list(_BRANCHES)
    branches = [
        _CLOCK_BRANCH.replace("{urgency}", _BRANCHES[st][0])
        .replace("{state}", st)
        .replace("{when}", _BRANCHES[st][1])
        for st in states
    ]
    if clock in (None, "", "none"):
        branches.append(_NO_CLOCK_BRANCH)
    filters = "".join(" AND " + w for w in where)
    return _PAGE.format(branches=" UNION ALL ".join(branches).replace("{filters}", filters))


_COUNT = "SELECT count(*)" + _MATCHING


#: Each clock state as a range of the stored instants at ``:now``, which the planner can
#: estimate and index (``ck.state = 'overdue'`` it guessed at 300 rows of 56,000).
_STATE_RANGES = {
    "overdue": "ck.due_at < CAST(:now AS timestamptz)",
    "due_soon": f"ck.due_at >= {_NOW} AND ck.soon_at <= {_NOW}",
    "running": f"ck.due_at >= {_NOW} AND ck.soon_at > {_NOW}",
}


def _local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone)


def _params(filters: InboxFilters, zone: ZoneInfo) -> dict[str, Any]:
    """Return the filters as query parameters; local days are the province's (``zone``)."""
    until = filters.received_to + dt.timedelta(days=1) if filters.received_to else None
    clock = filters.clock or None
    return {
        "status": filters.status or None,
        "channel": filters.channel or None,
        "kabupaten": filters.kabupaten or None,
        "site": (filters.site or "").strip().upper() or None,
        "hotspot": (filters.hotspot or "").strip().upper() or None,
        "since": _local_midnight(filters.received_from, zone) if filters.received_from else None,
        "until": _local_midnight(until, zone) if until else None,
        "clock_state": clock if clock != "none" else None,
        "no_clock": True if clock == "none" else None,
    }


def running_clocks(
    *,
    session: Session,
    now: dt.datetime | None = None,
    report_ids: Sequence[int] | None = None,
    zone: ZoneInfo | None = None,
) -> dict[int, ClockStatus]:
    """Return the most urgent running clock of every report that has one, by report id.

    Computed in Python by :func:`geo.reports.clocks.evaluate`, the reference the inbox's SQL
    clocks (:func:`geo.reports.clocks.running_in_sql`) are tested against.

    Examples
    --------
    >>> clocks = running_clocks(session=session)
    >>> {c.state for c in clocks.values()} <= {"overdue", "due_soon", "running"}
    True
    """
    return _most_urgent(evaluate(session=session, now=now, report_ids=report_ids, zone=zone))


def inbox(
    *,
    session: Session,
    filters: InboxFilters | None = None,
    page: int = 1,
    page_size: int = 25,
    role: str = "analyst",
    now: dt.datetime | None = None,
    zone: ZoneInfo | None = None,
) -> InboxPage:
    """Return one page of reports matching ``filters``, the most urgent clock first.

    Reports with an overdue clock come first, then due soon, then running (each by due time),
    then reports with no running clock, newest first. The stored clocks are refreshed first
    (:func:`geo.reports.clock_store.refresh`, in this session's transaction); the filters and
    the order run in PostgreSQL, which returns only the page, and the days left of its rows
    are counted here. ``zone`` is the province's (``settings.province_profile.zone``): its days
    are the clocks' and the date filters'.

    Raises
    ------
    ValidationError
        A filter with an unknown value, or a page below 1.
    """
    filters = filters or InboxFilters()
    filters.check()
    if page < 1:
        raise ValidationError.of(N_("the page must be 1 or more"), field="page")
    zone = zone or DEFAULT_ZONE
    now = now or dt.datetime.now(dt.UTC)
    params = {k: v for k, v in _params(filters, zone).items() if v is not None}
    where = [
        _STATE_RANGES[params["clock_state"]] if name == "clock_state" else cond
        for name, cond in _CONDITIONS
        if name in params
    ]
    params.pop("no_clock", None)
    params.update(now=now, limit=page_size, offset=(page - 1) * page_size, k=page * page_size)
    condition = ("WHERE " + " AND ".join(where)) if where else ""
    refresh(session=session, now=now, zone=zone)
    sql = _page_sql(filters.clock, where)
    rows = [dict(r) for r in session.execute(text(sql), params).mappings()]
    total = int(session.scalar(text(_COUNT.format(where=condition)), params) or 0)
    _add_days_left(session, rows, now=now, zone=zone)
    visible = redact(rows, role=role)
    return InboxPage(rows=visible, total=total, page=page, page_size=page_size, filters=filters)


def _add_days_left(
    session: Session, rows: list[dict[str, Any]], *, now: dt.datetime, zone: ZoneInfo
) -> None:
    """Give each displayed row its clock's days left (``None`` without one)."""
    units = {r.name: r.unit for r in load_rules(session=session)}
    calendar = load_calendar(session=session) if any(r["clock"] for r in rows) else None
    for row in rows:
        rule = row["clock"]
        row["days_left"] = (
            days_left(row["due_at"], unit=units[rule], now=now, calendar=calendar, zone=zone)
            if rule and calendar is not None
            else None
        )


def counts(
    *,
    session: Session,
    now: dt.datetime | None = None,
    zone: ZoneInfo | None = None,
) -> dict[str, int]:
    """Return how many reports are new (``received``), overdue and due soon.

    The clocks are the stored ones (:mod:`geo.reports.clock_store`), refreshed first, in ``zone``.
    """
    now = now or dt.datetime.now(dt.UTC)
    refresh(session=session, now=now, zone=zone)
    _, state = state_sql(now)
    rc = report_clocks.c
    stored = select(state.label("state")).where(rc.rule.is_not(None)).subquery()
    new = (
        select(func.count())
        .select_from(_REPORTS)
        .where(_REPORTS.c.status == "received")
        .scalar_subquery()
    )
    row = session.execute(
        select(
            new.label("new"),
            func.count().filter(stored.c.state == "overdue").label("overdue"),
            func.count().filter(stored.c.state == "due_soon").label("due_soon"),
        ).select_from(stored)
    ).one()
    return {"new": int(row.new), "overdue": int(row.overdue), "due_soon": int(row.due_soon)}


def weekly(
    *,
    session: Session,
    weeks: int = 12,
    now: dt.datetime | None = None,
    zone: ZoneInfo | None = None,
) -> list[tuple[dt.date, int]]:
    """Return ``(monday, reports received that week)`` for the last ``weeks`` weeks, oldest first.

    Weeks are the province's local weeks (``zone``).

    Examples
    --------
    >>> rows = weekly(session=session, weeks=4)
    >>> len(rows), rows[0][0].weekday()
    (4, 0)
    """
    zone = zone or DEFAULT_ZONE
    today = (now or dt.datetime.now(dt.UTC)).astimezone(zone).date()
    monday = today - dt.timedelta(days=today.weekday())
    first = monday - dt.timedelta(weeks=weeks - 1)
    rows = session.execute(
        text(
            "SELECT date_trunc('week', received_at AT TIME ZONE :tz)::date, count(*) "
            "FROM reports WHERE received_at >= :since GROUP BY 1"
        ),
        {"since": _local_midnight(first, zone), "tz": zone.key},
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
