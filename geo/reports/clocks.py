"""Complaint clocks: deadlines in Indonesian working days, overdue and due-soon reports.

The rules live in the ``clock_rules`` table (by default: verify and forward within 3 working
days, schedule the follow-up within 5 working days of verification, resolve within 60 days,
after SP4N-LAPOR! practice and Perpres 76/2013) so the agency can change them with
:func:`update_rule`. Working days follow the calendar the government uses
(:mod:`geo.calendar`): they skip Saturdays, Sundays, Indonesia's public holidays, the joint
leave days (cuti bersama) and the days off the agency adds itself. Days are counted in the
province's zone (``zone``: WIB, WITA or WIT; by default WITA, the time of East Kalimantan); a
deadline falls at the end of its day. A report received on a
holiday or a weekend starts counting on the next working day.

Near duplicates (``duplicate_of_id`` set) ride on their first report and carry no clock of
their own, unless they came with their own channel ticket (``external_id``: a SP4N-LAPOR!
tracking number, a hotline message id): such a complaint keeps its own clocks when linked, since
the agency owes each ticket its answer.

Examples
--------
>>> import datetime as dt
>>> add_working_days(dt.date(2025, 12, 24), 3)  # Christmas and its joint leave day skipped
datetime.date(2025, 12, 31)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geo.calendar import WorkingCalendar, load_calendar
from geo.errors import NotFound, ValidationError
from geo.reports.config import DEFAULT_ZONE
from geo.reports.models import CLOCK_UNITS, ClockRule

__all__ = [
    "ClockState",
    "ClockStatus",
    "add_working_days",
    "working_days_between",
    "holiday_dates",
    "deadline",
    "load_rules",
    "update_rule",
    "evaluate",
    "overdue",
]

ClockState = Literal["running", "due_soon", "overdue", "met", "missed"]


def holiday_dates(start: dt.date, end: dt.date) -> tuple[dt.date, ...]:
    """Return Indonesia's holidays and joint leave days from ``start`` to ``end`` (and a year).

    Examples
    --------
    >>> dt.date(2025, 12, 25) in holiday_dates(dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    True
    """
    return tuple(WorkingCalendar.national().holidays_between(start, end))


def add_working_days(
    start: dt.date, days: int, *, calendar: WorkingCalendar | None = None
) -> dt.date:
    """Return the ``days``-th working day after ``start`` (``start`` itself is day 0).

    Examples
    --------
    >>> add_working_days(dt.date(2025, 12, 24), 3)
    datetime.date(2025, 12, 31)
    >>> add_working_days(dt.date(2025, 12, 27), 1)  # a Saturday: Monday is the first day
    datetime.date(2025, 12, 29)
    """
    return (calendar or WorkingCalendar.national()).add_working_days(start, days)


def working_days_between(
    start: dt.date, end: dt.date, *, calendar: WorkingCalendar | None = None
) -> int:
    """Return the number of working days in ``[start, end)`` (negative when ``end < start``).

    Examples
    --------
    >>> working_days_between(dt.date(2025, 12, 22), dt.date(2025, 12, 29))  # 22, 23, 24
    3
    """
    return (calendar or WorkingCalendar.national()).working_days_between(start, end)


def deadline(
    start: dt.datetime,
    *,
    amount: int,
    unit: str,
    calendar: WorkingCalendar | None = None,
    zone: ZoneInfo | None = None,
) -> dt.datetime:
    """Return when a clock started at ``start`` runs out (end of the last allowed local day).

    Days are the province's local days: ``zone`` (default the default province's, WITA).

    Examples
    --------
    >>> start = dt.datetime(2025, 12, 24, 10, 0, tzinfo=dt.timezone.utc)
    >>> deadline(start, amount=3, unit="working_days").isoformat()
    '2026-01-01T00:00:00+08:00'
    """
    zone = zone or DEFAULT_ZONE
    local_day = start.astimezone(zone).date()
    if unit == "working_days":
        last = add_working_days(local_day, amount, calendar=calendar)
    elif unit == "calendar_days":
        last = local_day + dt.timedelta(days=amount)
    else:
        raise ValidationError(
            f"unit: expected one of {', '.join(CLOCK_UNITS)}, got {unit!r}", field="unit"
        )
    return dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=zone)


@dataclass(frozen=True)
class ClockStatus:
    """One clock of one report: when it started, when it is due, and where it stands.

    ``days_left`` counts working (or calendar) days before the due day, negative once overdue.
    """

    report_id: int
    code: str
    rule: str
    started_at: dt.datetime
    due_at: dt.datetime
    stopped_at: dt.datetime | None
    state: ClockState
    days_left: int


def load_rules(*, session: Session) -> list[ClockRule]:
    """Return the clock rules, in a stable order.

    Examples
    --------
    >>> [r.name for r in load_rules(session=session)]
    ['follow_up', 'resolution', 'verify']
    """
    return list(session.scalars(select(ClockRule).order_by(ClockRule.name)))


def update_rule(
    *,
    session: Session,
    name: str,
    actor: str,
    amount: int | None = None,
    unit: str | None = None,
    due_soon_days: int | None = None,
) -> ClockRule:
    """Change a clock rule (how long, in which unit, when to warn).

    Examples
    --------
    >>> update_rule(session=session, name="verify", amount=2, actor="admin").amount
    2
    """
    rule = session.get(ClockRule, name)
    if rule is None:
        names = ", ".join(r.name for r in load_rules(session=session))
        raise NotFound(f"name: expected one of the clock rules {names}, got {name!r}")
    if amount is not None:
        if amount <= 0:
            raise ValidationError(
                f"amount: expected a positive number, got {amount}", field="amount"
            )
        rule.amount = amount
    if unit is not None:
        if unit not in CLOCK_UNITS:
            raise ValidationError(
                f"unit: expected one of {', '.join(CLOCK_UNITS)}, got {unit!r}", field="unit"
            )
        rule.unit = unit
    if due_soon_days is not None:
        if due_soon_days < 0:
            raise ValidationError(
                f"due_soon_days: expected 0 or more, got {due_soon_days}", field="due_soon_days"
            )
        rule.due_soon_days = due_soon_days
    rule.updated_by = actor
    session.flush()
    return rule


_EVENTS_SQL = text(
    """
    SELECT r.id, r.code, r.received_at, r.status,
           coalesce(array_agg(h.to_status ORDER BY h.at, h.id)
                    FILTER (WHERE h.id IS NOT NULL), '{}') AS statuses,
           coalesce(array_agg(h.at ORDER BY h.at, h.id)
                    FILTER (WHERE h.id IS NOT NULL), '{}') AS times
    FROM reports r
    LEFT JOIN report_status_history h ON h.report_id = r.id
    WHERE (r.duplicate_of_id IS NULL OR r.external_id IS NOT NULL)
      AND (CAST(:ids AS integer[]) IS NULL OR r.id = ANY(:ids))
    GROUP BY r.id
    """
)


def _state(
    *,
    now: dt.datetime,
    due: dt.datetime,
    stopped: dt.datetime | None,
    rule: ClockRule,
    calendar: WorkingCalendar,
    zone: ZoneInfo,
) -> tuple[ClockState, int]:
    ref = stopped or now
    today = ref.astimezone(zone).date()
    due_day = (due - dt.timedelta(days=1)).date()
    if rule.unit == "working_days":
        left = working_days_between(today, due_day, calendar=calendar)
    else:
        left = (due_day - today).days
    if stopped is not None:
        return ("met" if stopped <= due else "missed"), left
    if now > due:
        return "overdue", left
    if left <= rule.due_soon_days:
        return "due_soon", left
    return "running", left


def evaluate(
    *,
    session: Session,
    now: dt.datetime | None = None,
    report_ids: Sequence[int] | None = None,
    rules: Iterable[str] | None = None,
    include_stopped: bool = False,
    zone: ZoneInfo | None = None,
) -> list[ClockStatus]:
    """Compute every clock of every (independent) report.

    Parameters
    ----------
    session
        Open session.
    now
        The time to judge against (now by default).
    report_ids
        Limit to these reports.
    rules
        Limit to these rule names.
    include_stopped
        Also return clocks already stopped (``met`` or ``missed``).
    zone
        The province's zone, whose days are counted (``local_zone(settings)``; default WITA).

    Returns
    -------
    list of ClockStatus
        Sorted by due time, the most urgent first.

    Examples
    --------
    >>> [c.code for c in evaluate(session=session) if c.state == "overdue"][:1]
    ['PTM-...']
    """
    now = now or dt.datetime.now(dt.UTC)
    wanted = set(rules) if rules is not None else None
    active = [r for r in load_rules(session=session) if wanted is None or r.name in wanted]
    calendar = load_calendar(session=session)
    out: list[ClockStatus] = []
    # Deadlines depend only on the local start day and the rule, and a running clock's state only
    # on its deadline: computed once each, not once per report (10^5 reports share a few hundred).
    deadlines: dict[tuple[dt.date, str], dt.datetime] = {}
    running: dict[tuple[dt.datetime, str], tuple[ClockState, int]] = {}
    rows = session.execute(
        _EVENTS_SQL, {"ids": list(report_ids) if report_ids is not None else None}
    )
    for row in rows:
        events = list(zip(row.statuses, row.times, strict=True))
        for rule in active:
            if rule.start_status == "received":
                started: dt.datetime | None = row.received_at
            else:
                started = next((at for st, at in events if st == rule.start_status), None)
            if started is None:
                continue
            stopped = next(
                (at for st, at in events if st in rule.stop_statuses and at >= started), None
            )
            if stopped is None and row.status in rule.stop_statuses:
                stopped = now  # stopped without a history row (should not happen)
            if stopped is not None and not include_stopped:
                continue
            day = (started.astimezone(zone or DEFAULT_ZONE).date(), rule.name)
            if day not in deadlines:
                deadlines[day] = deadline(
                    started, amount=rule.amount, unit=rule.unit, calendar=calendar, zone=zone
                )
            due = deadlines[day]
            if stopped is None and (due, rule.name) in running:
                state, left = running[(due, rule.name)]
            else:
                state, left = _state(
                    now=now,
                    due=due,
                    stopped=stopped,
                    rule=rule,
                    calendar=calendar,
                    zone=zone or DEFAULT_ZONE,
                )
                if stopped is None:
                    running[(due, rule.name)] = (state, left)
            out.append(
                ClockStatus(
                    report_id=row.id,
                    code=row.code,
                    rule=rule.name,
                    started_at=started,
                    due_at=due,
                    stopped_at=stopped,
                    state=state,
                    days_left=left,
                )
            )
    out.sort(key=lambda c: (c.due_at, c.code, c.rule))
    return out


def overdue(
    *,
    session: Session,
    now: dt.datetime | None = None,
    due_soon: bool = False,
    zone: ZoneInfo | None = None,
) -> list[ClockStatus]:
    """Return running clocks that are overdue (and due soon, when asked), most urgent first.

    Examples
    --------
    >>> len(overdue(session=session)) > 0  # the demo data has overdue clocks
    True
    """
    states = {"overdue", "due_soon"} if due_soon else {"overdue"}
    return [c for c in evaluate(session=session, now=now, zone=zone) if c.state in states]


#: The running clocks of every independent report, computed in PostgreSQL: the same rules as
#: :func:`evaluate` (a clock starts at its start status, stops at its first stop status after
#: that; days are the province's local days). ``cal`` is the working-day calendar from
#: ``:cal_from`` to ``:cal_to`` (weekends and ``:holidays`` off), each day with ``n``, the number
#: of working days up to and including it: a clock started on day ``d`` with ``k`` working days
#: ends on the working day numbered ``n(d) + k`` (a day off counts from the working day before,
#: as :func:`add_working_days` rolls it); days left count as ``numpy.busday_count`` does, which
#: counts ``(due, today]`` once a deadline is past. A deadline depends only on the rule and the
#: local start day: ``deadlines`` has one row per rule and calendar day, and each report's clock
#: is a lookup in it. ``clocks`` has one row per report: its most urgent running clock (worst
#: state, then earliest due, then rule name). Its parts (:data:`CALENDAR_CTE`: ``cal`` and
#: ``clock_ends``, the last day of each rule's clock by start day; :data:`STARTS_CTE`) are
#: shared with the stored clocks (:mod:`geo.reports.clock_store`).
CALENDAR_CTE = """
cal AS (
  SELECT d::date AS day,
         count(*) FILTER (WHERE extract(isodow FROM d) < 6
                          AND NOT d::date = ANY(CAST(:holidays AS date[])))
           OVER (ORDER BY d) AS n,
         (extract(isodow FROM d) < 6 AND NOT d::date = ANY(CAST(:holidays AS date[])))::int
           AS working
  FROM generate_series(CAST(:cal_from AS date), CAST(:cal_to AS date), interval '1 day') AS d
),
clock_ends AS (
  SELECT ru.name AS rule, ru.unit, ru.due_soon_days, c.day,
         CASE WHEN ru.unit = 'working_days' THEN w.day ELSE c.day + ru.amount END AS last_day
  FROM clock_rules ru CROSS JOIN cal c
  LEFT JOIN cal w ON ru.unit = 'working_days' AND w.working = 1 AND w.n = c.n + ru.amount
),
"""

_DEADLINES_CTE = """
clock_left AS (
  SELECT e.rule, e.day, e.due_soon_days, ((e.last_day + 1)::timestamp AT TIME ZONE :tz) AS due_at,
         CASE WHEN e.unit <> 'working_days' THEN e.last_day - t.day
              WHEN e.last_day >= t.day THEN (l.n - l.working) - (t.n - t.working)
              ELSE l.n - t.n END AS days_left
  FROM clock_ends e JOIN cal l ON l.day = e.last_day
  JOIN cal t ON t.day = CAST(:today AS date)
),
deadlines AS (
  SELECT rule, day, due_at, days_left,
         CASE WHEN CAST(:now AS timestamptz) > due_at THEN 0
              WHEN days_left <= due_soon_days THEN 1 ELSE 2 END AS urgency
  FROM clock_left
),
"""

#: A running clock's start: a report (of ``:clock_ids``, all when NULL) whose status stops no
#: rule yet, each rule with the time its start status was reached (NULL when never).
STARTS_CTE = """
clock_starts AS (
  SELECT r.id AS report_id, r.code, ru.name AS rule, ru.stop_statuses,
         CASE WHEN ru.start_status = 'received' THEN r.received_at
              ELSE (SELECT min(f.at) FROM report_status_history f
                    WHERE f.report_id = r.id AND f.to_status = ru.start_status) END AS started
  FROM reports r JOIN clock_rules ru ON NOT r.status = ANY(ru.stop_statuses)
  WHERE (r.duplicate_of_id IS NULL OR r.external_id IS NOT NULL)
    AND (CAST(:clock_ids AS integer[]) IS NULL OR r.id = ANY(:clock_ids))
),
"""

_CLOCKS_CTE = """
clock_all AS (
  SELECT s.report_id, s.code, s.rule, s.started, d.due_at, d.days_left, d.urgency
  FROM clock_starts s
  JOIN deadlines d ON d.rule = s.rule AND d.day = (s.started AT TIME ZONE :tz)::date
  WHERE NOT EXISTS (SELECT 1 FROM report_status_history h
                    WHERE h.report_id = s.report_id AND h.to_status = ANY(s.stop_statuses)
                      AND h.at >= s.started)
),
clocks AS (
  SELECT DISTINCT ON (report_id) report_id, code, rule, started, due_at, days_left, urgency,
         (ARRAY['overdue', 'due_soon', 'running'])[urgency + 1] AS state
  FROM clock_all
  ORDER BY report_id, urgency, due_at, rule
)
"""

RUNNING_CLOCKS_CTE = CALENDAR_CTE + _DEADLINES_CTE + STARTS_CTE + _CLOCKS_CTE


def tune_for_clocks(session: Session) -> None:
    """Set this transaction up for :data:`RUNNING_CLOCKS_CTE`: no JIT, sorts in memory.

    The planner overestimates the query (it cannot see into the calendar), and JIT-compiling
    it took 3 s of the 5 s it ran at 10^5 reports; its sorts of 10^5 rows spilled to disk.
    """
    session.execute(text("SET LOCAL jit = off"))
    session.execute(text("SET LOCAL work_mem = '32MB'"))


def clock_params(
    *,
    session: Session,
    now: dt.datetime | None = None,
    zone: ZoneInfo | None = None,
    report_ids: Sequence[int] | None = None,
) -> dict[str, object]:
    """Return the parameters of :data:`RUNNING_CLOCKS_CTE`: the calendar, now, the zone.

    The calendar runs from before the first report to two years after now (holidays from the
    national calendar and the agency's days off, :func:`geo.calendar.load_calendar`).

    Examples
    --------
    >>> params = clock_params(session=session, zone=ZoneInfo("Asia/Jakarta"))
    >>> params["tz"], params["cal_from"] < params["today"] < params["cal_to"]
    ('Asia/Jakarta', True)
    """
    now = now or dt.datetime.now(dt.UTC)
    zone = zone or DEFAULT_ZONE
    today = now.astimezone(zone).date()
    first = session.execute(
        text("SELECT min(least(received_at, :now)) FROM reports"), {"now": now}
    ).scalar_one()
    start = min(first.astimezone(zone).date() if first else today, today) - dt.timedelta(days=31)
    end = today + dt.timedelta(days=2 * 366)
    calendar = load_calendar(session=session)
    return {
        "holidays": calendar.holidays_between(start, end),
        "cal_from": start,
        "cal_to": end,
        "today": today,
        "now": now,
        "tz": zone.key,
        "clock_ids": list(report_ids) if report_ids is not None else None,
    }


def running_in_sql(
    *,
    session: Session,
    now: dt.datetime | None = None,
    zone: ZoneInfo | None = None,
    report_ids: Sequence[int] | None = None,
) -> dict[int, ClockStatus]:
    """Return each report's most urgent running clock, computed by PostgreSQL, by report id.

    The same clocks as :func:`evaluate` (its most urgent running one per report), without
    reading every report into Python: the inbox filters and sorts on them in the database.

    Examples
    --------
    >>> sql = running_in_sql(session=session)
    >>> {c.state for c in sql.values()} <= {"overdue", "due_soon", "running"}
    True
    """
    params = clock_params(session=session, now=now, zone=zone, report_ids=report_ids)
    tune_for_clocks(session)
    rows = session.execute(
        text("WITH " + RUNNING_CLOCKS_CTE + " SELECT * FROM clocks"), params
    ).mappings()
    local = zone or DEFAULT_ZONE
    return {
        r["report_id"]: ClockStatus(
            report_id=r["report_id"],
            code=r["code"],
            rule=r["rule"],
            started_at=r["started"],
            due_at=r["due_at"].astimezone(local),
            stopped_at=None,
            state=r["state"],
            days_left=int(r["days_left"]),
        )
        for r in rows
    }
