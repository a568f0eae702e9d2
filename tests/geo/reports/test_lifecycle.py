from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from geo.errors import InvalidTransition, NotFound, ValidationError
from geo.reports.intake import submit
from geo.reports.lifecycle import history, transition
from geo.settings import Settings
from tests.geo.reports.conftest import NOW


@pytest.fixture
def code(session: Session, settings: Settings) -> str:
    return submit(
        session=session,
        channel="web",
        lat=-0.42,
        lon=117.0,
        settings=settings,
        now=NOW,
        actor="web-form",
    ).code


def test_full_lifecycle_is_recorded_with_actors(session: Session, code: str) -> None:
    steps = [
        ("verified", "ani", None),
        ("assigned", "ani", None),
        ("follow_up_scheduled", "budi", None),
        ("inspected", "tim-2", None),
        ("closed", "budi", "confirmed"),
    ]
    for to, actor, resolution in steps:
        transition(session=session, code=code.lower(), to=to, actor=actor, resolution=resolution)
    entries = history(session=session, code=code)
    assert [(e.from_status, e.to_status, e.actor) for e in entries] == [
        (None, "received", "web-form"),
        ("received", "verified", "ani"),
        ("verified", "assigned", "ani"),
        ("assigned", "follow_up_scheduled", "budi"),
        ("follow_up_scheduled", "inspected", "tim-2"),
        ("inspected", "closed", "budi"),
    ]
    assert all(e.at is not None for e in entries)


def test_illegal_transitions(session: Session, code: str) -> None:
    with pytest.raises(InvalidTransition, match="may move to verified, rejected, closed"):
        transition(session=session, code=code, to="inspected", actor="ani")
    with pytest.raises(InvalidTransition, match="needs one of out_of_authority"):
        transition(session=session, code=code, to="rejected", actor="ani")
    with pytest.raises(InvalidTransition, match="only close an inspected report"):
        transition(session=session, code=code, to="closed", actor="ani", resolution="confirmed")
    with pytest.raises(ValidationError):
        transition(session=session, code=code, to="verified", actor=" ")
    transition(
        session=session,
        code=code,
        to="rejected",
        actor="ani",
        resolution="out_of_authority",
        reason="tambang berizin (IUP)",
    )
    with pytest.raises(InvalidTransition, match="final status"):
        transition(session=session, code=code, to="verified", actor="ani")
    assert [e.to_status for e in history(session=session, code=code)] == ["received", "rejected"]


def test_duplicates_can_close_from_any_open_status(session: Session, code: str) -> None:
    transition(session=session, code=code, to="closed", actor="ani", resolution="duplicate")
    assert history(session=session, code=code)[-1].to_status == "closed"


def test_unknown_code(session: Session) -> None:
    with pytest.raises(NotFound, match="PTM-ZZZZZZ"):
        transition(session=session, code="PTM-ZZZZZZ", to="verified", actor="ani")


def test_history_cannot_be_rewritten(session: Session, code: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text("UPDATE report_status_history SET actor = 'someone else'"))
