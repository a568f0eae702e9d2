"""Each report's most urgent running clock, stored so the inbox need not recompute them all.

``report_clocks`` holds one row per report: its most urgent running clock (``rule`` NULL when
none runs) with ``due_at`` and ``soon_at``, the instant from which it is due soon. Its state at
any moment follows without the calendar: overdue once ``now > due_at``, due soon once
``now >= soon_at``, else running (:func:`state_sql`). The database keeps the rows honest:
triggers (migration ``0150_report_clocks``) delete a report's row when the report, its status
or its history changes, and :func:`refresh` (called by the inbox and its counts before they
read) computes the missing rows with the SQL of :data:`geo.reports.clocks.RUNNING_CLOCKS_CTE`,
clears them all when the calendar (holidays, the agency's days off), the rules or the zone
changed (a fingerprint in ``report_clock_basis``), and recomputes a row whose choice of "most
urgent" may have changed since (``valid_until``: another clock of the report turned due soon or
overdue first) or was made for a later moment (``computed_at``).

Examples
--------
>>> _ = refresh(session=session)
>>> stored = stored_clocks(session=session)
>>> {c.state for c in stored.values()} <= {"overdue", "due_soon", "running"}
True
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    case,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geo.calendar import WorkingCalendar, load_calendar
from geo.reports.clocks import (
    CALENDAR_CTE,
    STARTS_CTE,
    ClockStatus,
    clock_params,
    load_rules,
    tune_for_clocks,
    working_days_between,
)
from geo.reports.config import DEFAULT_ZONE

__all__ = [
    "LOCK_KEY",
    "report_clocks",
    "refresh",
    "state_sql",
    "days_left",
    "stored_clocks",
]

#: The advisory lock the triggers take shared and :func:`refresh` exclusive ('clocks').
LOCK_KEY = 0x636C6F636B73

_meta = MetaData()
report_clocks = Table(
    "report_clocks",
    _meta,
    Column("report_id", Integer, primary_key=True),
    Column("rule", String(40)),
    Column("started_at", DateTime(timezone=True)),
    Column("due_at", DateTime(timezone=True)),
    Column("soon_at", DateTime(timezone=True)),
    Column("valid_until", DateTime(timezone=True)),
    Column("computed_at", DateTime(timezone=True), nullable=False),
)
_basis = Table(
    "report_clock_basis",
    _meta,
    Column("id", Boolean, primary_key=True),
    Column("fingerprint", String(64), nullable=False),
)
_reports = Table("reports", _meta, Column("id", Integer, primary_key=True))

#: Raw SQL because it shares the calendar CTEs with the live clocks. ``clock_soon``: each rule's
#: deadline by start day and the first local day whose days left are at most ``due_soon_days``
#: (working days: the first day with at least ``before(last) - due_soon_days`` working days
#: before it, ``before`` rising by at most one a day, so ``firsts`` has every value).
#: ``stored_all``: every running clock of the reports, ranked at ``:now`` as the inbox ranks
#: them; ``best`` the most urgent; ``horizon`` when another clock may overtake it (NULL when
#: it is earlier both to turn due soon and to fall due, or no clock changes state any more).
_FILL = (
    "WITH "
    + CALENDAR_CTE
    + """
firsts AS (SELECT n - working AS b, min(day) AS day FROM cal GROUP BY 1),
clock_soon AS (
  SELECT e.rule, e.day, ((e.last_day + 1)::timestamp AT TIME ZONE :tz) AS due_at,
         (CASE WHEN e.unit <> 'working_days' THEN e.last_day - e.due_soon_days
               ELSE f.day END)::timestamp AT TIME ZONE :tz AS soon_at
  FROM clock_ends e JOIN cal l ON l.day = e.last_day
  LEFT JOIN firsts f ON e.unit = 'working_days' AND f.b = greatest(
      l.n - l.working - e.due_soon_days, (SELECT min(b) FROM firsts))
),
"""
    + STARTS_CTE
    + """
stored_all AS (
  SELECT s.report_id, s.rule, s.started, d.due_at, d.soon_at,
         CASE WHEN CAST(:now AS timestamptz) > d.due_at THEN 0
              WHEN CAST(:now AS timestamptz) >= d.soon_at THEN 1 ELSE 2 END AS urgency
  FROM clock_starts s
  JOIN clock_soon d ON d.rule = s.rule AND d.day = (s.started AT TIME ZONE :tz)::date
  WHERE NOT EXISTS (SELECT 1 FROM report_status_history h
                    WHERE h.report_id = s.report_id AND h.to_status = ANY(s.stop_statuses)
                      AND h.at >= s.started)
),
best AS (
  SELECT DISTINCT ON (report_id) report_id, rule, started, due_at, soon_at
  FROM stored_all ORDER BY report_id, urgency, due_at, rule
),
horizon AS (
  SELECT b.report_id,
         CASE WHEN bool_and(x.rule = b.rule OR (b.soon_at <= x.soon_at
                            AND (b.due_at, b.rule) < (x.due_at, x.rule))) THEN NULL
              ELSE min(least(CASE WHEN x.soon_at > CAST(:now AS timestamptz) THEN x.soon_at END,
                             CASE WHEN x.due_at >= CAST(:now AS timestamptz) THEN x.due_at END))
         END AS valid_until
  FROM best b JOIN stored_all x ON x.report_id = b.report_id
  GROUP BY b.report_id
)
INSERT INTO report_clocks (report_id, rule, started_at, due_at, soon_at, valid_until, computed_at)
SELECT r.id, b.rule, b.started, b.due_at, b.soon_at, h.valid_until, CAST(:now AS timestamptz)
  FROM reports r
  LEFT JOIN best b ON b.report_id = r.id
  LEFT JOIN horizon h ON h.report_id = r.id
 WHERE r.id = ANY(:clock_ids)
ON CONFLICT (report_id) DO NOTHING
"""
)


def _fingerprint(session: Session, params: dict[str, Any]) -> str:
    """Hash what every stored clock depends on: the holidays in range, the rules, the zone."""
    rules = [
        [r.name, r.start_status, sorted(r.stop_statuses), r.amount, r.unit, r.due_soon_days]
        for r in load_rules(session=session)
    ]
    holidays = [d.isoformat() for d in params["holidays"]]
    blob = json.dumps([params["tz"], holidays, rules], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _stale(now: dt.datetime) -> ColumnElement[bool]:
    rc = report_clocks.c
    return or_(rc.valid_until <= now, rc.computed_at > now)


def _missing() -> Any:
    return select(_reports.c.id).where(~exists().where(report_clocks.c.report_id == _reports.c.id))


def refresh(
    *,
    session: Session,
    now: dt.datetime | None = None,
    zone: ZoneInfo | None = None,
) -> int:
    """Store the clocks that are missing or stale in ``session``'s transaction; return how many.

    Cheap when nothing is missing (two counts and two indexed checks). Otherwise it takes the
    advisory lock the triggers share (:data:`LOCK_KEY`), so that no write it cannot see is in
    flight, and computes only the missing reports' clocks.

    Examples
    --------
    >>> refresh(session=session) >= 0
    True
    >>> refresh(session=session)
    0
    """
    now = now or dt.datetime.now(dt.UTC)
    params = clock_params(session=session, now=now, zone=zone)
    params.pop("today")
    fingerprint = _fingerprint(session, params)
    # Every stored row is a report's (a foreign key): fewer rows than reports means some are
    # missing, and two counts are cheaper than an anti-join of 10^5 rows.
    current, reports, stored, stale = session.execute(
        select(
            select(_basis.c.fingerprint).scalar_subquery(),
            select(func.count()).select_from(_reports).scalar_subquery(),
            select(func.count()).select_from(report_clocks).scalar_subquery(),
            exists().where(_stale(now)),
        )
    ).one()
    if current == fingerprint and reports == stored and not stale:
        return 0
    session.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))
    if session.scalar(select(_basis.c.fingerprint)) != fingerprint:
        session.execute(delete(report_clocks))
        session.execute(
            insert(_basis)
            .values(id=True, fingerprint=fingerprint)
            .on_conflict_do_update(index_elements=["id"], set_={"fingerprint": fingerprint})
        )
    session.execute(delete(report_clocks).where(_stale(now)))
    ids = list(session.scalars(_missing()))
    if not ids:
        return 0
    tune_for_clocks(session)
    session.execute(text(_FILL), {**params, "clock_ids": ids})
    return len(ids)


def state_sql(now: dt.datetime) -> tuple[ColumnElement[int], ColumnElement[str]]:
    """Return the urgency (0 overdue, 1 due soon, 2 running) and state of a stored clock at ``now``.

    Examples
    --------
    >>> urgency, state = state_sql(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    >>> str(state.compile()).count("WHEN")
    2
    """
    rc = report_clocks.c
    at = literal(now, DateTime(timezone=True))
    urgency = case((at > rc.due_at, 0), (at >= rc.soon_at, 1), else_=2)
    state = case((at > rc.due_at, "overdue"), (at >= rc.soon_at, "due_soon"), else_="running")
    return urgency, state


def days_left(
    due_at: dt.datetime,
    *,
    unit: str,
    now: dt.datetime,
    calendar: WorkingCalendar,
    zone: ZoneInfo,
) -> int:
    """Return the days left before a clock due at ``due_at`` (negative once overdue).

    Counted as :func:`geo.reports.clocks.evaluate` counts them: working (or calendar) days from
    today to the last allowed local day.

    Examples
    --------
    >>> wita = ZoneInfo("Asia/Makassar")
    >>> due = dt.datetime(2026, 1, 1, tzinfo=wita)  # the end of 31 December 2025
    >>> now = dt.datetime(2025, 12, 24, 10, tzinfo=wita)
    >>> days_left(due, unit="working_days", now=now, calendar=WorkingCalendar.national(),
    ...           zone=wita)  # 24, 29, 30 (Christmas and its joint leave day off)
    3
    """
    today = now.astimezone(zone).date()
    due_day = (due_at.astimezone(zone) - dt.timedelta(days=1)).date()
    if unit == "working_days":
        return working_days_between(today, due_day, calendar=calendar)
    return (due_day - today).days


def stored_clocks(
    *,
    session: Session,
    now: dt.datetime | None = None,
    zone: ZoneInfo | None = None,
    report_ids: Sequence[int] | None = None,
) -> dict[int, ClockStatus]:
    """Return each report's most urgent running clock as stored, judged at ``now``, by report id.

    Call :func:`refresh` first (the inbox does); tested to equal
    :func:`geo.reports.clocks.running_in_sql` and the Python clocks.
    """
    now = now or dt.datetime.now(dt.UTC)
    zone = zone or DEFAULT_ZONE
    units = {r.name: r.unit for r in load_rules(session=session)}
    calendar = load_calendar(session=session)
    _, state = state_sql(now)
    rc = report_clocks.c
    codes = Table("reports", MetaData(), Column("id", Integer), Column("code", String))
    query = (
        select(rc.report_id, codes.c.code, rc.rule, rc.started_at, rc.due_at, state)
        .join(codes, codes.c.id == rc.report_id)
        .where(rc.rule.is_not(None))
    )
    if report_ids is not None:
        query = query.where(rc.report_id.in_(list(report_ids)))
    out: dict[int, ClockStatus] = {}
    for report_id, code, rule, started, due, st in session.execute(query):
        out[report_id] = ClockStatus(
            report_id=report_id,
            code=code,
            rule=rule,
            started_at=started,
            due_at=due.astimezone(zone),
            stopped_at=None,
            state=st,
            days_left=days_left(due, unit=units[rule], now=now, calendar=calendar, zone=zone),
        )
    return out
