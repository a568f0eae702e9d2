"""The clocks computed by PostgreSQL are the clocks computed in Python, in either time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from geo.calendar import add_day_off
from geo.reports.clock_store import refresh, stored_clocks
from geo.reports.clocks import running_in_sql, update_rule
from geo.reports.inbox import InboxFilters, inbox, running_clocks
from geo.reports.intake import submit
from geo.reports.lifecycle import transition
from geo.settings import Settings
from tests.geo.reports.conftest import NOW

WITA = ZoneInfo("Asia/Makassar")
WIB = ZoneInfo("Asia/Jakarta")


def _at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=WITA)  # type: ignore[misc]


#: Received on weekdays, weekends, Christmas and its joint leave day, New Year, Nyepi's cuti
#: bersama, and at 00.30 WITA (still the day before in WIB).
RECEIVED = [
    _at(2025, 12, 19, 10),  # Friday
    _at(2025, 12, 20, 10),  # Saturday
    _at(2025, 12, 21, 23),  # Sunday night
    _at(2025, 12, 22, 0, 30),  # Monday 00.30 WITA = Sunday 23.30 WIB
    _at(2025, 12, 24, 16),
    _at(2025, 12, 25, 9),  # Christmas
    _at(2025, 12, 26, 9),  # joint leave day
    _at(2025, 12, 31, 0, 15),
    _at(2026, 1, 1, 11),
    _at(2026, 1, 5, 0, 10),
    _at(2026, 1, 9, 15),
]

#: Moments to judge against: weekday, weekend, holiday, just after local midnight.
NOWS = [
    _at(2025, 12, 22, 8),
    _at(2025, 12, 27, 12),
    _at(2025, 12, 30, 0, 30),
    _at(2026, 1, 1, 0, 30),
    _at(2026, 1, 2, 9),
    _at(2026, 1, 12, 0, 20),
    _at(2026, 3, 1, 10),
]


@pytest.fixture
def codes(session: Session, settings: Settings) -> list[int]:
    ids = []
    for i, received in enumerate(RECEIVED):
        done = submit(
            session=session,
            channel="lapor",
            lat=-0.42 - i * 0.01,
            lon=117.0,
            received_at=received,
            settings=settings,
            now=NOW,
        )
        ids.append(done.id)
        if i % 3 == 1:  # verified two days later: the follow-up clock runs
            later = received + dt.timedelta(days=2, hours=1)
            transition(session=session, code=done.code, to="verified", actor="ani", at=later)
        elif i == 5:
            transition(
                session=session,
                code=done.code,
                to="rejected",
                actor="ani",
                at=received + dt.timedelta(hours=2),
                resolution="insufficient_info",
            )
    add_day_off(session=session, day=dt.date(2026, 1, 6), reason="Banjir", actor="ani")
    return ids


@pytest.mark.parametrize("zone", [WITA, WIB], ids=["WITA", "WIB"])
def test_sql_clocks_are_the_python_clocks(
    session: Session, codes: list[int], zone: ZoneInfo
) -> None:
    states = set()
    for now in NOWS:
        python = running_clocks(session=session, now=now, report_ids=codes, zone=zone)
        sql = running_in_sql(session=session, now=now, report_ids=codes, zone=zone)
        assert sql == python, now
        refresh(session=session, now=now, zone=zone)
        stored = stored_clocks(session=session, now=now, report_ids=codes, zone=zone)
        assert stored == python, now
        states |= {c.state for c in sql.values()}
    assert states == {"overdue", "due_soon", "running"}


def test_the_zone_moves_a_deadline(session: Session, codes: list[int]) -> None:
    # Received Monday 22 December 00.30 WITA: a Monday in WITA (due Thursday... after 3
    # working days from Monday), but Sunday 21st in WIB (counted from Friday 19th).
    report = codes[3]
    now = _at(2025, 12, 22, 8)
    wita = running_in_sql(session=session, now=now, report_ids=[report], zone=WITA)[report]
    wib = running_in_sql(session=session, now=now, report_ids=[report], zone=WIB)[report]
    assert wita.due_at != wib.due_at


@pytest.mark.parametrize("zone", [WITA, WIB], ids=["WITA", "WIB"])
def test_stored_clocks_follow_crossing_rules(
    session: Session, codes: list[int], zone: ZoneInfo
) -> None:
    # The resolution clock warns 58 days ahead, the verify clock on its last day only: the
    # later-due clock turns due soon first, so the most urgent clock of a report changes with
    # the hour, and the rule change itself must clear the stored clocks.
    for now in NOWS[:2]:
        refresh(session=session, now=now, zone=zone)
    update_rule(session=session, name="resolution", due_soon_days=58, actor="ani")
    update_rule(session=session, name="verify", due_soon_days=0, actor="ani")
    rules = set()
    for now in NOWS:
        python = running_clocks(session=session, now=now, report_ids=codes, zone=zone)
        refresh(session=session, now=now, zone=zone)
        assert stored_clocks(session=session, now=now, report_ids=codes, zone=zone) == python
        rules |= {(c.rule, c.state) for c in python.values()}
    assert ("resolution", "due_soon") in rules and ("verify", "running") in rules


def test_a_new_day_off_clears_the_stored_clocks(session: Session, codes: list[int]) -> None:
    now = NOWS[1]
    refresh(session=session, now=now)
    before = stored_clocks(session=session, now=now, report_ids=codes)
    add_day_off(session=session, day=dt.date(2025, 12, 29), reason="Rapat", actor="ani")
    assert refresh(session=session, now=now) >= len(codes)
    after = stored_clocks(session=session, now=now, report_ids=codes)
    assert after == running_clocks(session=session, now=now, report_ids=codes)
    assert after != before


@pytest.mark.parametrize("zone", [WITA, WIB], ids=["WITA", "WIB"])
def test_the_inbox_shows_and_orders_the_python_clocks(
    session: Session, codes: list[int], zone: ZoneInfo
) -> None:
    urgency = {"overdue": 0, "due_soon": 1, "running": 2}
    for now in NOWS:
        python = running_clocks(session=session, now=now, zone=zone)
        whole = inbox(session=session, now=now, zone=zone, page_size=100_000).rows
        shown = {r["id"]: (r["clock"], r["clock_state"], r["days_left"]) for r in whole}
        for report_id in codes:
            c = python.get(report_id)
            assert shown[report_id] == ((c.rule, c.state, c.days_left) if c else (None,) * 3)
        keys = [(urgency.get(r["clock_state"], 3), r["due_at"] or now) for r in whole]
        assert keys == sorted(keys), now
        paged = [
            r["id"]
            for page in (1, 2, 3)
            for r in inbox(session=session, now=now, zone=zone, page=page, page_size=4).rows
        ]
        assert paged == [r["id"] for r in whole[:12]]
        overdue = inbox(session=session, now=now, zone=zone, filters=InboxFilters(clock="overdue"))
        assert overdue.total == sum(c.state == "overdue" for c in python.values())
