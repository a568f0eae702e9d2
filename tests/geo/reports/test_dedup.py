from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.reports.config import ReportSettings
from geo.reports.intake import SubmitResult, submit
from geo.reports.models import Report
from geo.settings import Settings
from tests.geo.reports.conftest import NOW

LIMITS = ReportSettings(near_duplicate_distance_m=200, near_duplicate_hours=48)


def _at(
    session: Session,
    settings: Settings,
    hours_ago: float,
    lat: float,
    lon: float = 117.0,
    phone: str | None = "081299990000",
    match: bool = True,
) -> SubmitResult:
    return submit(
        session=session,
        channel="hotline",
        lat=lat,
        lon=lon,
        reporter_phone=phone,
        received_at=NOW - dt.timedelta(hours=hours_ago),
        settings=settings,
        report_settings=LIMITS,
        now=NOW,
        match=match,
    )


def _link(session: Session, report_id: int) -> int | None:
    return session.scalar(select(Report.duplicate_of_id).where(Report.id == report_id))


def _root(session: Session, report_id: int) -> int | None:
    return session.scalar(select(Report.duplicate_root_id).where(Report.id == report_id))


def assert_roots_true(session: Session) -> None:
    """Every stored ``duplicate_root_id`` is the top of its report's chain, walked in Python."""
    session.flush()
    rows = session.execute(select(Report.id, Report.duplicate_of_id, Report.duplicate_root_id))
    parent, stored = {}, {}
    for rid, of, root in rows:
        parent[rid], stored[rid] = of, root
    for rid, of in parent.items():
        top = rid
        while parent.get(top) is not None:
            top = parent[top]  # type: ignore[assignment]
        assert stored[rid] == (None if of is None else top), (rid, of, stored[rid], top)


def test_same_reporter_close_in_space_and_time_is_a_near_duplicate(
    session: Session, settings: Settings
) -> None:
    first = _at(session, settings, 30, -0.42)
    second = _at(session, settings, 10, -0.4210)  # ~110 m, 20 h later
    assert second.created and second.duplicate_of == first.code
    assert _link(session, second.id) == first.id


def test_a_different_reporter_is_independent(session: Session, settings: Settings) -> None:
    _at(session, settings, 30, -0.42)
    other = _at(session, settings, 10, -0.4210, phone="081355554444")
    assert other.duplicate_of is None


def test_unknown_reporters_are_not_counted_twice(session: Session, settings: Settings) -> None:
    first = _at(session, settings, 30, -0.42, phone=None)
    second = _at(session, settings, 10, -0.4210, phone=None)
    assert second.duplicate_of == first.code


def test_too_far_or_too_late_is_independent(session: Session, settings: Settings) -> None:
    _at(session, settings, 100, -0.42)
    far = _at(session, settings, 90, -0.4225)  # ~280 m
    late = _at(session, settings, 10, -0.42)  # 90 h after the first, 80 h after "far"
    assert far.duplicate_of is None and late.duplicate_of is None


def test_chains_point_at_the_earliest(session: Session, settings: Settings) -> None:
    a = _at(session, settings, 80, -0.42)
    b = _at(session, settings, 40, -0.42)  # 40 h after a
    c = _at(session, settings, 1, -0.42)  # 79 h after a, 39 h after b
    assert b.duplicate_of == a.code and c.duplicate_of == a.code


def test_a_late_arrival_becomes_the_first_of_the_group(
    session: Session, settings: Settings
) -> None:
    later = _at(session, settings, 10, -0.42)
    later2 = _at(session, settings, 5, -0.42)
    assert later2.duplicate_of == later.code
    earlier = _at(session, settings, 20, -0.4205)  # received now, but observed before both
    assert earlier.duplicate_of is None
    assert _link(session, later.id) == earlier.id
    assert _link(session, later2.id) == earlier.id


def test_near_duplicate_search_can_use_an_index(session: Session, settings: Settings) -> None:
    from sqlalchemy import text

    from geo.reports.dedup import _CANDIDATES_SQL

    first = _at(session, settings, 30, -0.42)
    session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(
        session.execute(
            text("EXPLAIN " + _CANDIDATES_SQL.text),
            {"ids": [first.id], "distance_m": 200.0, "window_s": 48 * 3600.0},
        ).scalars()
    )
    # Either the geography index (space) or ix_reports_seen (time, since 0009) bounds the probe.
    assert "ix_reports_geog" in plan or "ix_reports_seen" in plan, plan
    assert "Index Cond" in plan, plan


def test_looking_for_later_reports_reads_the_time_index_backwards(
    session: Session, settings: Settings
) -> None:
    """The newest report has no later one; finding that out must not scan every report."""
    from sqlalchemy import text

    from geo.reports.dedup import _ANY_LATER_SQL

    older = _at(session, settings, 30, -0.42)
    newest = _at(session, settings, 1, -0.45)
    session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(
        session.execute(text("EXPLAIN " + _ANY_LATER_SQL.text), {"ids": [newest.id]}).scalars()
    )
    assert "Index Scan Backward using ix_reports_seen" in plan, plan
    assert session.execute(_ANY_LATER_SQL, {"ids": [newest.id]}).scalar() is False
    assert session.execute(_ANY_LATER_SQL, {"ids": [older.id]}).scalar() is True


def _links(session: Session, ids: list[int]) -> dict[int, tuple[int | None, str | None]]:
    from sqlalchemy import text

    rows = session.execute(
        text("SELECT id, duplicate_of_id, duplicate_rule FROM reports WHERE id = ANY(:ids)"),
        {"ids": ids},
    )
    return {r.id: (r.duplicate_of_id, r.duplicate_rule) for r in rows}


@pytest.mark.parametrize("seed", [7, 8])
def test_set_based_linking_equals_per_report_linking(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """The bulk path (used above BULK_THRESHOLD reports) stores exactly the same links."""
    from sqlalchemy import text

    import geo.reports.dedup as dedup

    rng = random.Random(seed)
    # Mostly unknown reporters (probed per report), then mostly known ones (probed from the
    # few unknown ones): both ways of pairing a known reporter with an unknown one.
    phones = [None, None, "081299990000", "081355554444"]
    if seed == 8:
        phones = [None, *["081299990000", "081355554444"] * 4]
    ids = [
        _at(
            session,
            settings,
            hours_ago=rng.uniform(1, 240),
            lat=-0.42 + rng.uniform(-0.003, 0.003),
            lon=117.0 + rng.uniform(-0.003, 0.003),
            phone=rng.choice(phones),
            match=False,
        ).id
        for _ in range(60)
    ]
    # Start from no links, except one made by hand that linking must leave alone.
    session.execute(
        text(
            "UPDATE reports SET duplicate_of_id = NULL, duplicate_root_id = NULL,"
            " duplicate_rule = NULL WHERE id = ANY(:i)"
        ),
        {"i": ids},
    )
    session.execute(
        text(
            "UPDATE reports SET duplicate_of_id = :a, duplicate_root_id = :a,"
            " duplicate_rule = 'manual' WHERE id = :b"
        ),
        {"a": ids[0], "b": ids[1]},
    )
    subset = ids[::2]  # the others are stored reports the new ones may now precede
    results = {}
    for threshold in (10**9, 0):
        monkeypatch.setattr(dedup, "BULK_THRESHOLD", threshold)
        savepoint = session.begin_nested()
        changed = dedup.link_near_duplicates(
            session=session, report_ids=subset, report_settings=LIMITS
        )
        results[threshold] = (changed, _links(session, ids))
        assert_roots_true(session)
        savepoint.rollback()
    per_report, bulk = results[10**9], results[0]
    assert bulk == per_report
    assert sum(1 for target in per_report[0].values() if target is not None) >= 5
    # The hand-made link keeps its rule; it follows its target to the root of its group.
    root = per_report[1][ids[0]][0] or ids[0]
    assert per_report[1][ids[1]] == (root, "manual")


def test_single_link_stores_the_root(session: Session, settings: Settings) -> None:
    first = _at(session, settings, 30, -0.42)
    second = _at(session, settings, 10, -0.4210)
    assert _root(session, second.id) == first.id
    assert _root(session, first.id) is None
    assert_roots_true(session)


def test_relinking_to_a_late_arrival_moves_every_root(session: Session, settings: Settings) -> None:
    later = _at(session, settings, 10, -0.42)
    later2 = _at(session, settings, 5, -0.42)
    assert _root(session, later2.id) == later.id
    earlier = _at(session, settings, 20, -0.4205)  # observed before both: the new root
    assert _root(session, earlier.id) is None
    assert _root(session, later.id) == earlier.id
    assert _root(session, later2.id) == earlier.id
    assert_roots_true(session)


def test_unlinking_a_moved_report_clears_its_root_and_keeps_chains_true(
    session: Session, settings: Settings
) -> None:
    from sqlalchemy import text

    from geo.reports.dedup import link_near_duplicates

    a = _at(session, settings, 30, -0.42)
    b = _at(session, settings, 20, -0.42)
    assert _root(session, b.id) == a.id
    # A link made by hand to the duplicate: it hangs below b, whose root is a.
    c = _at(session, settings, 15, -1.0, phone="081344443333")
    session.execute(
        text(
            "UPDATE reports SET duplicate_of_id = :b, duplicate_root_id = :a,"
            " duplicate_rule = 'manual' WHERE id = :c"
        ),
        {"a": a.id, "b": b.id, "c": c.id},
    )
    # The first report is moved away (an edit of its location): the second becomes the root.
    report = session.get(Report, a.id)
    assert report is not None
    report.geom = "SRID=4326;POINT(117.5 -0.9)"  # type: ignore[assignment]
    session.flush()
    changed = link_near_duplicates(session=session, report_ids=[a.id, b.id], report_settings=LIMITS)
    assert changed == {b.id: None}
    assert _link(session, b.id) is None and _root(session, b.id) is None
    assert _root(session, a.id) is None
    assert _link(session, c.id) == b.id and _root(session, c.id) == b.id
    assert_roots_true(session)


def test_a_hand_made_chain_below_a_relinked_report_follows_the_new_root(
    session: Session, settings: Settings
) -> None:
    from sqlalchemy import text

    from geo.reports.dedup import link_near_duplicates

    a = _at(session, settings, 10, -0.42)
    far = _at(session, settings, 9, -0.60, phone="081377778888")
    # A link made by hand to ``far``, and one to that duplicate (a chain of two steps).
    hand = _at(session, settings, 8, -0.80, phone="081366665555")
    below = _at(session, settings, 7, -1.00, phone="081344443333")
    session.execute(
        text(
            "UPDATE reports SET duplicate_of_id = :p, duplicate_root_id = :r,"
            " duplicate_rule = 'manual' WHERE id = :i"
        ),
        [{"p": far.id, "r": far.id, "i": hand.id}, {"p": hand.id, "r": far.id, "i": below.id}],
    )
    # ``far`` is moved next to ``a`` (same reporter rule: unknown phone on neither side
    # fails, so give it a's reporter by moving it in space and linking by hand-free rules).
    report = session.get(Report, far.id)
    assert report is not None
    report.geom = "SRID=4326;POINT(117.0 -0.4201)"  # type: ignore[assignment]
    report.reporter_hash = session.get(Report, a.id).reporter_hash  # type: ignore[union-attr]
    session.flush()
    changed = link_near_duplicates(session=session, report_ids=[far.id], report_settings=LIMITS)
    assert changed == {far.id: a.id}
    # The hand-made link moves to the root (as before); the link below it keeps its parent
    # but its root is now ``a``.
    assert _link(session, hand.id) == a.id and _root(session, hand.id) == a.id
    assert _link(session, below.id) == hand.id and _root(session, below.id) == a.id
    assert_roots_true(session)


def test_the_check_for_later_reports_reads_the_subjects_once(session: Session) -> None:
    """The earliest subject time is computed once, whatever the planner thinks of ``reports``.

    Joined as a CTE it could land inside a nested loop and run once per report (minutes at
    10^5, on a freshly loaded table); as an InitPlan it cannot.
    """
    from sqlalchemy import text

    from geo.reports import dedup

    session.execute(text(dedup._BULK_SUBJECTS), {"ids": []})
    # Leave only nested loops for a join, as the planner picks when it thinks reports tiny.
    session.execute(text("SET LOCAL enable_hashjoin = off"))
    session.execute(text("SET LOCAL enable_mergejoin = off"))
    plan = "\n".join(session.execute(text("EXPLAIN " + dedup._BULK_ANY_LATER)).scalars())
    assert "InitPlan" in plan and "Nested Loop" not in plan, plan
