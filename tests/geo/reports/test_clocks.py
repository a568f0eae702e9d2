from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.calendar import DayOffAudit, add_day_off, remove_day_off
from geo.errors import NotFound, ValidationError
from geo.reports.clocks import (
    add_working_days,
    deadline,
    evaluate,
    load_rules,
    overdue,
    update_rule,
    working_days_between,
)
from geo.reports.intake import submit
from geo.reports.lifecycle import transition
from geo.reports.models import Report
from geo.settings import Settings
from tests.geo.reports.conftest import NOW

WITA = ZoneInfo("Asia/Makassar")


def wita(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=WITA)


def test_working_days_skip_weekends_and_holidays() -> None:
    # Same weekday, a week without a holiday: Wed 10 Dec -> Thu, Fri, Mon.
    assert add_working_days(dt.date(2025, 12, 10), 3) == dt.date(2025, 12, 15)
    # Christmas (Thu 25 Dec 2025) and its joint leave day (Fri 26) are skipped: Mon, Tue, Wed.
    assert add_working_days(dt.date(2025, 12, 24), 3) == dt.date(2025, 12, 31)
    # Received on Saturday: Monday is the first working day.
    assert add_working_days(dt.date(2025, 12, 13), 1) == dt.date(2025, 12, 15)
    # Idul Fitri 2025 (Mon 31 Mar, Tue 1 Apr) and its joint leave days (2-4 and 7 Apr): from
    # Fri 28 Mar (itself a joint leave day) the first working day is Tue 8 Apr.
    assert add_working_days(dt.date(2025, 3, 28), 1) == dt.date(2025, 4, 8)
    assert working_days_between(dt.date(2025, 12, 22), dt.date(2025, 12, 29)) == 3


def test_the_government_calendar_counts_joint_leave_days() -> None:
    # Issue 13's example: a SP4N-LAPOR! report received Tue 17 March 2026 is due for
    # verification (3 working days) on Fri 27 March 2026, not Mon 23 March (a joint leave day).
    due = deadline(wita(2026, 3, 17, 10, 0), amount=3, unit="working_days")
    assert due == wita(2026, 3, 28)  # the end of Friday 27 March, local time


def test_deadlines_fall_at_the_end_of_the_local_day() -> None:
    due = deadline(wita(2025, 12, 24, 16, 0), amount=3, unit="working_days")
    assert due == wita(2026, 1, 1)
    # 23:30 UTC on the 23rd is already the 24th in Samarinda.
    assert deadline(
        dt.datetime(2025, 12, 23, 23, 30, tzinfo=dt.UTC), amount=3, unit="working_days"
    ) == wita(2026, 1, 1)
    assert deadline(wita(2025, 12, 24, 16, 0), amount=60, unit="calendar_days") == wita(2026, 2, 23)
    with pytest.raises(ValidationError):
        deadline(wita(2025, 12, 24), amount=3, unit="weeks")


def _report(
    session: Session, settings: Settings, received: dt.datetime, lat: float = -0.42, **kw: object
) -> str:
    return submit(
        session=session,
        channel="lapor",
        lat=lat,
        lon=117.0,
        received_at=received,
        settings=settings,
        now=NOW,
        **kw,
    ).code


def _clock(session: Session, code: str, rule: str, now: dt.datetime, **kw: object):  # type: ignore[no-untyped-def]
    found = [
        c for c in evaluate(session=session, now=now, **kw) if c.code == code and c.rule == rule
    ]
    return found[0] if found else None


def test_verify_clock_across_christmas(session: Session, settings: Settings) -> None:
    code = _report(session, settings, wita(2025, 12, 24, 10, 0))
    # Without Christmas (Thu 25th) and its joint leave day (Fri 26th) the deadline would have
    # been Mon 29th; with them, Wed 31st.
    on_30th = _clock(session, code, "verify", wita(2025, 12, 30, 12, 0))
    assert on_30th.state == "due_soon" and on_30th.days_left == 1
    on_31st = _clock(session, code, "verify", wita(2025, 12, 31, 23, 0))
    assert on_31st.state == "due_soon" and on_31st.days_left == 0
    on_2nd = _clock(session, code, "verify", wita(2026, 1, 2, 8, 0))
    assert on_2nd.state == "overdue" and on_2nd.due_at == wita(2026, 1, 1)
    assert code in {c.code for c in overdue(session=session, now=wita(2026, 1, 2, 8, 0))}
    assert code not in {c.code for c in overdue(session=session, now=wita(2025, 12, 30, 8, 0))}
    assert code in {
        c.code for c in overdue(session=session, now=wita(2025, 12, 30, 8, 0), due_soon=True)
    }
    early = _clock(session, code, "verify", wita(2025, 12, 24, 12, 0))
    assert early.state == "running"


def test_an_agency_day_off_moves_the_deadline_and_is_audited(
    session: Session, settings: Settings
) -> None:
    code = _report(session, settings, wita(2025, 12, 24, 10, 0))
    add_day_off(session=session, day=dt.date(2025, 12, 29), reason="Banjir di kantor", actor="ani")
    # 30th, 31st, then Fri 2 Jan (New Year's Day is a holiday): due at the end of the 2nd.
    assert _clock(session, code, "verify", wita(2025, 12, 30, 8)).due_at == wita(2026, 1, 3)
    remove_day_off(session=session, day=dt.date(2025, 12, 29), actor="budi")
    assert _clock(session, code, "verify", wita(2025, 12, 30, 8)).due_at == wita(2026, 1, 1)
    trail = session.execute(
        select(DayOffAudit.action, DayOffAudit.actor)
        .where(DayOffAudit.day == dt.date(2025, 12, 29))
        .order_by(DayOffAudit.id)
    ).all()
    assert [tuple(r) for r in trail] == [("add", "ani"), ("remove", "budi")]
    with pytest.raises(ValidationError, match="reason"):
        add_day_off(session=session, day=dt.date(2025, 12, 29), reason=" ", actor="ani")
    with pytest.raises(ValidationError, match="national holiday"):
        add_day_off(session=session, day=dt.date(2025, 12, 26), reason="x", actor="ani")
    with pytest.raises(NotFound, match="day"):
        remove_day_off(session=session, day=dt.date(2025, 12, 29), actor="ani")


def test_verification_stops_one_clock_and_starts_the_next(
    session: Session, settings: Settings
) -> None:
    code = _report(session, settings, wita(2025, 12, 1, 9, 0))
    transition(session=session, code=code, to="verified", actor="ani", at=wita(2025, 12, 3, 9, 0))
    now = wita(2025, 12, 9, 9, 0)
    assert _clock(session, code, "verify", now) is None  # stopped: not listed by default
    met = _clock(session, code, "verify", now, include_stopped=True)
    assert met.state == "met" and met.stopped_at == wita(2025, 12, 3, 9, 0)
    follow = _clock(session, code, "follow_up", now)
    assert follow.started_at == wita(2025, 12, 3, 9, 0)
    assert follow.due_at == wita(2025, 12, 11)  # Wed 3rd + 5 working days = Wed 10th
    resolution = _clock(session, code, "resolution", now)
    assert resolution.due_at == wita(2026, 1, 31) and resolution.state == "running"
    transition(
        session=session,
        code=code,
        to="closed",
        actor="ani",
        resolution="duplicate",
        at=wita(2025, 12, 12, 9, 0),
    )
    assert [c for c in evaluate(session=session, now=now) if c.code == code] == []
    missed = _clock(session, code, "follow_up", now, include_stopped=True)
    assert missed.state == "missed"


def test_rules_are_editable(session: Session, settings: Settings) -> None:
    code = _report(session, settings, wita(2025, 12, 24, 10, 0))
    assert {r.name: r.amount for r in load_rules(session=session)} == {
        "follow_up": 5,
        "resolution": 60,
        "verify": 3,
    }
    update_rule(session=session, name="verify", amount=1, actor="admin")
    # One working day after Wed 24 Dec: Mon 29th (Christmas and its joint leave day skipped).
    assert _clock(session, code, "verify", wita(2025, 12, 27, 8)).due_at == wita(2025, 12, 30)
    with pytest.raises(NotFound, match="verify"):
        update_rule(session=session, name="nope", amount=1, actor="admin")
    with pytest.raises(ValidationError):
        update_rule(session=session, name="verify", amount=0, actor="admin")


def test_duplicates_have_no_clock(session: Session, settings: Settings) -> None:
    first = _report(session, settings, wita(2025, 12, 24, 10, 0), reporter_phone="081211110000")
    dup = _report(session, settings, wita(2025, 12, 24, 12, 0), reporter_phone="081211110000")
    codes = {c.code for c in evaluate(session=session, now=wita(2025, 12, 31, 8))}
    assert first in codes and dup not in codes


def test_a_linked_ticket_keeps_its_own_clocks(session: Session, settings: Settings) -> None:
    # Two SP4N-LAPOR! tickets 10 m and 25 h apart: the second is a near duplicate of the first,
    # but the agency owes each ticket its answer, so both keep their clocks.
    first = _report(
        session,
        settings,
        wita(2025, 12, 1, 9, 0),
        external_id="LAPOR-0001",
        reporter_phone="081211110000",
    )
    second = _report(
        session,
        settings,
        wita(2025, 12, 2, 10, 0),
        lat=-0.42009,
        external_id="LAPOR-0002",
        reporter_phone="081211110000",
    )
    linked = session.execute(
        select(Report.duplicate_of_id).where(Report.code == second)
    ).scalar_one()
    assert linked is not None  # linked as a near duplicate ...
    clocks = {(c.code, c.rule) for c in evaluate(session=session, now=wita(2025, 12, 3, 8))}
    assert (first, "verify") in clocks and (second, "verify") in clocks  # ... with its own clock
