"""The inbox's order: the most urgent clock first, the same with or without filters in SQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from geo.reports.inbox import InboxFilters, inbox
from geo.settings import Settings
from tests import factories


def test_unfiltered_pages_match_the_filtered_path(session: Session, settings: Settings) -> None:
    now = dt.datetime.now(dt.UTC)
    for days in (1, 2, 6, 9, 15, 30, 45):
        factories.report(
            session,
            settings=settings,
            lon=116.5,
            lat=0.5 + days / 1000,
            at=now - dt.timedelta(days),
        )
    everything = InboxFilters(received_from=dt.date(2000, 1, 1))
    for clock in (None, "overdue", "running"):
        for page in (1, 2, 3):
            fast = inbox(session=session, filters=InboxFilters(clock=clock), page=page, page_size=3)
            slow = inbox(
                session=session,
                filters=InboxFilters(received_from=everything.received_from, clock=clock),
                page=page,
                page_size=3,
            )
            assert [r["code"] for r in fast.rows] == [r["code"] for r in slow.rows]
            assert fast.total == slow.total
    first = inbox(session=session, page_size=5).rows
    states = [r["clock_state"] for r in first]
    ranks = [{"overdue": 0, "due_soon": 1, "running": 2, None: 3}[s] for s in states]
    assert ranks == sorted(ranks) and states[0] == "overdue"
