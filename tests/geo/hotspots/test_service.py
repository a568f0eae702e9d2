"""Use cases of the hotspot review: no output shows a figure staler than the data."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.hotspots.review import get
from geo.hotspots.service import cluster_hotspots, dismiss_hotspot, promote_hotspot
from geo.priority import corroboration, load_priority
from geo.settings import Settings
from tests.geo.test_hotspots import add_reports, add_site, blob, hotspot_of


def test_promoted_site_has_a_fresh_priority_and_its_reports(
    session: Session, settings: Settings
) -> None:
    add_site(session, 119.0, 2.9)
    pts = add_reports(
        session,
        [{**r, "reporter": f"p{i}"} for i, r in enumerate(blob(119.05, 2.9, 5, seed=41))],
    )
    cluster_hotspots(settings=settings, session=session, eps_m=200, min_reports=3)
    (hid,) = hotspot_of(session, pts)
    assert hid is not None
    hotspot = get(session=session, hotspot=hid)
    promoted = promote_hotspot(
        settings=settings, session=session, hotspot=hotspot["code"], actor="analis"
    )
    assert promoted.site_code == hotspot["code"]
    row = session.execute(
        text(
            "SELECT independent_reports, reporter_count, score, rank, reasons "
            "FROM site_priority WHERE site_id = :s"
        ),
        {"s": promoted.site_id},
    ).one()
    # The new site is scored at once (notebook 02 no longer fails on it), from its 5 reports.
    assert row[0] == hotspot["report_count"] == promoted.independent_reports == 5
    assert row[1] == 5 and row[2] == promoted.priority_score and row[3] == promoted.priority_rank
    assert "5 reporters" in row[4]
    site = corroboration(session=session).query("kind == 'site' and code == @promoted.site_code")
    assert int(site.iloc[0]["independent_reports"]) == row[0]
    ranks = session.execute(text("SELECT rank FROM site_priority ORDER BY rank")).scalars().all()
    assert ranks == list(range(1, len(ranks) + 1))


def test_promotion_is_seen_by_load_priority_of_the_same_transaction(
    session: Session, settings: Settings
) -> None:
    pts = add_reports(session, blob(119.2, 2.7, 4, seed=42))
    cluster_hotspots(settings=settings, session=session, eps_m=200, min_reports=3)
    (hid,) = hotspot_of(session, pts)
    assert hid is not None
    promoted = promote_hotspot(
        settings=settings, session=session, hotspot=hid, actor="analis", kabupaten="Berau"
    )
    frame = load_priority(session)
    assert promoted.site_code in set(frame["code"])


def test_dismissal_recounts_the_hotspot(session: Session, settings: Settings) -> None:
    pts = add_reports(session, blob(119.4, 2.5, 5, seed=43))
    cluster_hotspots(settings=settings, session=session, eps_m=200, min_reports=3)
    (hid,) = hotspot_of(session, pts)
    assert hid is not None
    # A report rejected since the clustering (by a path that did not recount) ...
    session.execute(
        text(
            "UPDATE reports SET status = 'rejected', resolution = 'insufficient_info' WHERE id = :i"
        ),
        {"i": pts[0]},
    )
    view = dismiss_hotspot(
        settings=settings,
        session=session,
        hotspot=hid,
        reason="galian pasir berizin",
        actor="analis",
    )
    # ... is not counted in what the review shows.
    assert view.status == "dismissed" and view.report_count == 4
    counted = corroboration(session=session).query("kind == 'hotspot' and id == @hid")
    assert int(counted.iloc[0]["independent_reports"]) == view.report_count


def test_clustering_scores_the_sites_its_first_matching_fed(
    session: Session, settings: Settings
) -> None:
    from geo.priority import recompute

    site = add_site(session, 119.6, 2.2)
    recompute(settings=settings, session=session)
    # Reports next to the site that matching has never looked at: clustering matches them first.
    add_reports(session, blob(119.6005, 2.2005, 3, seed=44))
    cluster_hotspots(settings=settings, session=session, eps_m=200, min_reports=3)
    stored = session.execute(
        text("SELECT independent_reports FROM site_priority WHERE site_id = :s"), {"s": site}
    ).scalar_one()
    assert stored == 3
