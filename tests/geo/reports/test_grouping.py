"""Groups of linked reports: unlink a wrong duplicate, merge a missed one, see the group."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from geo.errors import Conflict, NotFound, PantauError, ValidationError
from geo.i18n import translator
from geo.reports import dedup, grouping, service
from geo.reports.config import ReportSettings
from geo.reports.decisions import ReportLinkDecision, ReportLinkEvent
from geo.reports.intake import SubmitResult, submit
from geo.reports.lifecycle import transition
from geo.reports.models import Report
from geo.settings import Settings
from tests.geo.reports.conftest import NOW, make_jpeg
from tests.geo.reports.test_dedup import assert_roots_true

LIMITS = ReportSettings(near_duplicate_distance_m=200, near_duplicate_hours=48)
PHONE = "081299990000"


def _at(
    session: Session,
    settings: Settings,
    hours_ago: float,
    lat: float,
    *,
    channel: str = "hotline",
    external_id: str | None = None,
    phone: str | None = PHONE,
    name: str | None = None,
) -> SubmitResult:
    return submit(
        session=session,
        channel=channel,
        lat=lat,
        lon=117.0,
        reporter_phone=phone,
        reporter_name=name,
        external_id=external_id,
        received_at=NOW - dt.timedelta(hours=hours_ago),
        settings=settings,
        report_settings=LIMITS,
        now=NOW,
    )


def _link(session: Session, report_id: int) -> tuple[int | None, str | None]:
    session.flush()
    row = session.execute(
        select(Report.duplicate_of_id, Report.duplicate_rule).where(Report.id == report_id)
    ).one()
    return row.duplicate_of_id, row.duplicate_rule


def _relink(
    session: Session, ids: list[int], monkeypatch: pytest.MonkeyPatch, *, bulk: bool
) -> dict[int, int | None]:
    if bulk:  # the set-based path a file import takes
        monkeypatch.setattr(dedup, "BULK_THRESHOLD", 0)
    else:
        monkeypatch.setattr(dedup, "BULK_THRESHOLD", 10_000)
    return dedup.link_near_duplicates(session=session, report_ids=ids, report_settings=LIMITS)


@pytest.mark.parametrize("bulk", [False, True], ids=["incremental", "batch"])
def test_an_unlinked_report_stays_unlinked_when_the_linker_runs_again(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch, bulk: bool
) -> None:
    first = _at(session, settings, 30, -0.42)
    second = _at(session, settings, 20, -0.4205)
    assert _link(session, second.id) == (first.id, "near")
    change = grouping.unlink(
        session=session, code=second.code, reason="Lokasi berbeda", actor="ani"
    )
    assert change.event == "unlinked" and change.root == first.code
    assert _link(session, second.id) == (None, None)
    assert _relink(session, [first.id, second.id], monkeypatch, bulk=bulk) == {}
    assert _link(session, second.id) == (None, None)
    # A later report near both still joins the first one's group, never the unlinked one's.
    third = _at(session, settings, 10, -0.4207)
    assert _link(session, third.id) == (first.id, "near")
    assert _relink(session, [first.id, second.id, third.id], monkeypatch, bulk=bulk) == {}
    assert _link(session, second.id) == (None, None)
    assert_roots_true(session)


@pytest.mark.parametrize("bulk", [False, True], ids=["incremental", "batch"])
def test_an_unlinked_report_does_not_rejoin_its_group_through_a_new_earlier_report(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch, bulk: bool
) -> None:
    a = _at(session, settings, 30, -0.42)
    b = _at(session, settings, 20, -0.4205)
    grouping.unlink(session=session, code=b.code, reason="Beda lubang", actor="ani")
    # A report seen before both arrives late, near both: the first one's group moves under it.
    late = _at(session, settings, 40, -0.4203)
    assert _link(session, a.id) == (late.id, "near")
    assert _link(session, b.id) == (None, None)
    assert _relink(session, [late.id, a.id, b.id], monkeypatch, bulk=bulk) == {}
    assert _link(session, b.id) == (None, None)
    assert_roots_true(session)


def test_unlinking_the_root_makes_the_earliest_of_the_rest_the_root(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = _at(session, settings, 30, -0.42)
    b = _at(session, settings, 25, -0.4203)
    c = _at(session, settings, 20, -0.4205)
    assert _link(session, c.id) == (a.id, "near")
    change = grouping.unlink(
        session=session, code=a.code, reason="Bukan laporan yang sama", actor="ani"
    )
    assert change.root == b.code and change.members == (b.code, c.code)
    assert _link(session, a.id) == (None, None)
    assert _link(session, b.id) == (None, None)
    assert _link(session, c.id) == (b.id, "near")
    assert_roots_true(session)
    for bulk in (False, True):
        assert _relink(session, [a.id, b.id, c.id], monkeypatch, bulk=bulk) == {}
    assert _link(session, c.id) == (b.id, "near")


@pytest.mark.parametrize("bulk", [False, True], ids=["incremental", "batch"])
def test_a_merged_report_stays_linked_and_the_root_is_recomputed(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch, bulk: bool
) -> None:
    a = _at(session, settings, 30, -0.42)
    b = _at(session, settings, 25, -0.4203)
    far = _at(session, settings, 20, -0.45)  # ~3 km: the linker missed it
    assert _link(session, far.id) == (None, None)
    change = grouping.merge(
        session=session, code=far.code, into=b.code, reason="Lubang tambang yang sama", actor="ani"
    )
    assert change.root == a.code and set(change.members) == {a.code, b.code, far.code}
    assert _link(session, far.id) == (a.id, "manual")  # the group's root, never a member
    assert_roots_true(session)
    assert _relink(session, [a.id, b.id, far.id], monkeypatch, bulk=bulk) == {}
    assert _link(session, far.id) == (a.id, "manual")
    # An earlier report merged in becomes the root; the old root follows it, linked by hand.
    early = _at(session, settings, 40, -0.48)
    grouping.merge(session=session, code=early.code, into=far.code, reason="Sama", actor="budi")
    assert _link(session, early.id) == (None, None)
    assert _link(session, a.id) == (early.id, "manual")
    assert _link(session, b.id) == (early.id, "near")
    assert _link(session, far.id) == (early.id, "manual")
    assert_roots_true(session)
    _relink(session, [early.id, a.id, b.id, far.id], monkeypatch, bulk=bulk)
    assert {_link(session, r.id)[0] for r in (a, b, far)} == {early.id}


def test_merging_a_group_brings_its_members_along(session: Session, settings: Settings) -> None:
    a = _at(session, settings, 30, -0.42)
    x = _at(session, settings, 25, -0.45)
    y = _at(session, settings, 20, -0.4502)
    assert _link(session, y.id)[0] == x.id
    change = grouping.merge(session=session, code=x.code, into=a.code, reason="Sama", actor="ani")
    assert change.moved == (y.code,)  # the others whose link changed with it
    assert _link(session, y.id) == (a.id, "near")
    assert_roots_true(session)


def test_every_change_is_audited_with_the_actor_and_the_reason(
    session: Session, settings: Settings
) -> None:
    a = _at(session, settings, 30, -0.42)
    b = _at(session, settings, 20, -0.4205)
    c = _at(session, settings, 10, -0.45)
    grouping.unlink(session=session, code=b.code, reason="Beda lokasi", actor="ani")
    grouping.merge(session=session, code=c.code, into=a.code, reason="Foto sama", actor="budi")
    events = session.scalars(
        select(ReportLinkEvent)
        .where(ReportLinkEvent.report_id.in_([a.id, b.id, c.id]))
        .order_by(ReportLinkEvent.id)
    ).all()
    made = [(e.report_id, e.event, e.from_id, e.to_id, e.actor, e.reason) for e in events]
    assert made == [
        (b.id, "linked", None, a.id, "system:dedup", None),
        (b.id, "unlinked", a.id, None, "ani", "Beda lokasi"),
        (c.id, "merged", None, a.id, "budi", "Foto sama"),
    ]
    decisions = {
        (d.low_id, d.high_id): (d.decision, d.actor, d.reason)
        for d in session.scalars(select(ReportLinkDecision))
        if {d.low_id, d.high_id} <= {a.id, b.id, c.id}
    }
    assert decisions == {
        (a.id, b.id): ("not_duplicate", "ani", "Beda lokasi"),
        (a.id, c.id): ("duplicate", "budi", "Foto sama"),
    }
    # Merging back what was unlinked turns the refusal into a decision to link.
    grouping.merge(session=session, code=b.code, into=a.code, reason="Ternyata sama", actor="cici")
    now_decided = select(ReportLinkDecision.decision).where(
        ReportLinkDecision.low_id == a.id, ReportLinkDecision.high_id == b.id
    )
    assert session.scalar(now_decided) == "duplicate"
    assert _link(session, b.id) == (a.id, "manual")


def _refusal(exc: PantauError) -> tuple[str | None, str, str]:
    return exc.field, exc.localized(translator("id")), exc.localized(translator("en"))


def test_refusals_name_the_field_in_both_languages(session: Session, settings: Settings) -> None:
    a = _at(session, settings, 30, -0.42)
    b = _at(session, settings, 20, -0.4205)
    lone = _at(session, settings, 10, -0.46)
    x = _at(session, settings, 9, -0.47)
    y = _at(session, settings, 8, -0.4702)
    cases: list[tuple[type[PantauError], dict[str, str | None], str, str, str]] = [
        (
            NotFound,
            {"code": "PTM-ZZZZZZ", "into": a.code},
            "code",
            "tidak ada laporan",
            "no report",
        ),
        (
            NotFound,
            {"code": lone.code, "into": "PTM-ZZZZZZ"},
            "into",
            "tidak ada laporan",
            "no report",
        ),
        (Conflict, {"code": a.code, "into": a.code}, "into", "dirinya sendiri", "into itself"),
        (Conflict, {"code": b.code, "into": a.code}, "into", "sudah", "already in the group"),
        (Conflict, {"code": a.code, "into": b.code}, "into", "berputar", "loop"),
        (Conflict, {"code": y.code, "into": lone.code}, "code", "lepaskan", "unlink it first"),
        (
            ValidationError,
            {"code": lone.code, "into": a.code, "reason": " "},
            "reason",
            "alasan",
            "say why",
        ),
    ]
    for kind, args, field, indonesian, english in cases:
        with pytest.raises(kind) as caught:
            grouping.merge(
                session=session,
                code=str(args["code"]),
                into=str(args["into"]),
                reason=args.get("reason", "alasan"),
                actor="ani",
            )
        got_field, in_id, in_en = _refusal(caught.value)
        assert got_field == field, (args, caught.value)
        assert indonesian in in_id.lower() and english in in_en, (in_id, in_en)
        assert in_id.startswith(f"{field}:")
    with pytest.raises(ValidationError) as not_linked:
        grouping.unlink(session=session, code=lone.code, reason="x", actor="ani")
    assert _refusal(not_linked.value)[0] == "code"
    assert "tidak terhubung" in _refusal(not_linked.value)[1]
    with pytest.raises(ValidationError) as no_actor:
        grouping.unlink(session=session, code=b.code, reason="x", actor=" ")
    assert no_actor.value.field == "actor"
    # Nothing was half-written by any refusal.
    assert _link(session, b.id) == (a.id, "near") and _link(session, y.id)[0] == x.id
    assert _link(session, lone.id) == (None, None)


def test_the_group_shows_each_members_own_clocks_and_history(
    session: Session, settings: Settings
) -> None:
    first = _at(session, settings, 30, -0.42, channel="lapor", external_id="LAPOR-1001",
                name="Budi Santoso")  # fmt: skip
    second = _at(session, settings, 25, -0.45, channel="lapor", external_id="LAPOR-1002")
    plain = _at(session, settings, 20, -0.4203)  # a hotline call without a ticket
    assert _link(session, plain.id)[0] == first.id
    transition(session=session, code=second.code, to="verified", actor="ani", at=NOW)
    grouping.merge(session=session, code=second.code, into=first.code, reason="Sama", actor="ani")
    group = service.report_group(settings=settings, session=session, code=plain.code, now=NOW)
    assert group.root == first.code and group.code == plain.code
    members = {m.code: m for m in group.members}
    assert group.members[0].code == first.code and group.members[0].is_root
    # The merged LAPOR! ticket keeps its own status and clocks; the hotline call rides along.
    assert members[second.code].status == "verified" and members[second.code].own_ticket
    assert {c.rule for c in members[second.code].clocks} >= {"verify", "follow_up"}
    verify = next(c for c in members[second.code].clocks if c.rule == "verify")
    assert verify.state == "met" and verify.code == second.code
    assert members[first.code].clocks and not members[plain.code].clocks
    kinds = [(e.code, e.kind, e.to_status or e.event) for e in group.history]
    assert (second.code, "status", "verified") in kinds
    assert (second.code, "link", "merged") in kinds
    assert (plain.code, "link", "linked") in kinds
    assert [e.at for e in group.history] == sorted(e.at for e in group.history)
    merged = next(e for e in group.history if e.event == "merged")
    assert merged.other == first.code and merged.actor == "ani" and merged.reason == "Sama"
    shown = repr(grouping.as_dict(group))
    assert "Budi" not in shown and PHONE not in shown and "reporter" not in shown


def test_reports_with_the_same_evidence_from_someone_else_are_named_in_the_group(
    session: Session, settings: Settings
) -> None:
    photo = make_jpeg(-0.42, 117.0, NOW - dt.timedelta(days=1), colour=(3, 77, 5))
    first, forwarded = (
        submit(
            session=session,
            channel="hotline",
            evidence=[photo],
            reporter_phone=phone,
            settings=settings,
            report_settings=LIMITS,
            now=NOW,
        )
        for phone in ("0812-1111-2222", "0813-9999-0000")
    )
    assert forwarded.created and forwarded.code != first.code
    group = grouping.group_of(session=session, code=first.code, now=NOW)
    assert group.members[0].same_evidence == (forwarded.code,)
    other = grouping.group_of(session=session, code=forwarded.code, now=NOW)
    mine = next(m for m in other.members if m.code == forwarded.code)
    assert mine.same_evidence == (first.code,) and mine.clocks


def test_the_link_trail_is_append_only_but_goes_with_a_deleted_report(
    session: Session, settings: Settings
) -> None:
    a = _at(session, settings, 30, -0.42)
    b = _at(session, settings, 20, -0.4205)
    grouping.unlink(session=session, code=b.code, reason="Beda", actor="ani")
    session.flush()
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text("UPDATE report_link_events SET actor = 'x' WHERE report_id = :b"),
                        {"b": b.id})  # fmt: skip
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text("DELETE FROM report_link_events WHERE report_id = :b"), {"b": b.id})
    session.execute(text("DELETE FROM reports WHERE id = :b"), {"b": b.id})
    gone = select(ReportLinkEvent.id).where(ReportLinkEvent.report_id == b.id)
    assert session.scalars(gone).all() == []
    # The other report's history still reads, naming no code for the deleted one.
    assert grouping.group_of(session=session, code=a.code, now=NOW).members[0].code == a.code
