"""Stored clocks are never stale: a change made through a use case shows in the inbox at once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.reports.clock_store import refresh, report_clocks
from geo.reports.inbox import InboxFilters, counts, inbox, running_clocks
from geo.reports.service import change_status, merge_duplicate, submit_report
from geo.settings import Settings


def _row(session: Session, code: str) -> dict[str, object]:
    page = inbox(session=session, filters=InboxFilters(), page_size=10_000)
    return next(r for r in page.rows if r["code"] == code)


def _new(session: Session, settings: Settings, title: str, lat: float = -0.52) -> str:
    done = submit_report(
        settings=settings,
        session=session,
        fields={"channel": "hotline", "lat": lat, "lon": 116.9, "description": title},
        actor="ani",
        public=False,
    )
    return done.code


def test_changes_through_the_use_cases_show_at_once(session: Session, settings: Settings) -> None:
    refresh(session=session)
    stored = session.scalar(select(func.count()).select_from(report_clocks))
    code = _new(session, settings, "Alat berat di tepi sungai")
    row = _row(session, code)  # the new report's own verify clock, not "no clock"
    assert row["clock"] == "verify" and row["clock_state"] == "running"
    assert session.scalar(select(func.count()).select_from(report_clocks)) == stored + 1

    change_status(settings=settings, session=session, code=code, to="verified", actor="ani")
    row = _row(session, code)
    assert row["clock"] != "verify"  # verified: the verify clock stopped, the next one runs
    python = running_clocks(session=session, report_ids=[int(row["id"])])  # type: ignore[call-overload]
    assert row["clock"] == python[int(row["id"])].rule  # type: ignore[call-overload]

    other = _new(session, settings, "Lubang tambang baru", lat=-0.9)  # far: not linked yet
    assert _row(session, other)["clock"] == "verify"
    merge_duplicate(
        settings=settings, session=session, code=other, into=code, reason="sama", actor="ani"
    )
    # A duplicate without its own channel ticket rides on its first report: no clock now.
    assert _row(session, other)["clock"] is None


def test_counts_follow_a_rejection(session: Session, settings: Settings) -> None:
    now = dt.datetime.now(dt.UTC)
    code = _new(session, settings, "Truk batu bara malam hari")
    before = counts(session=session, now=now)
    change_status(
        settings=settings,
        session=session,
        code=code,
        to="rejected",
        actor="ani",
        resolution="insufficient_info",
    )
    after = counts(session=session, now=now)
    assert after["new"] == before["new"] - 1
    assert _row(session, code)["clock"] is None
