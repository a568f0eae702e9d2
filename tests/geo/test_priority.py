"""Site priority: each component from its input, stored, weighted by settings."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from geo.priority import (
    COMPONENTS,
    PrioritySettings,
    compute_priority,
    corroboration,
    load_priority,
    recompute,
)
from geo.settings import Settings

AS_OF = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
_seq = itertools.count(1)


def add_site(session: Session, **kw: Any) -> int:
    values = {
        "code": f"PRI-{next(_seq):04d}",
        "status": "suspected",
        "commodity": "batubara",
        "last_inspected": None,
        **kw,
    }
    return int(
        session.execute(
            text(
                "INSERT INTO sites (code, name, geom, kabupaten, commodity, status, "
                "last_inspected) VALUES (:code, :code, ST_SetSRID(ST_MakePoint(117, -0.5), 4326),"
                " 'Paser', :commodity, :status, :last_inspected) RETURNING id"
            ),
            values,
        ).scalar_one()
    )


def add_report(session: Session, site: int | None, days_ago: float, **kw: Any) -> int:
    values = {
        "code": f"PR{next(_seq):010d}",
        "site": site,
        "t": AS_OF - dt.timedelta(days=days_ago),
        "channel": "hotline",
        "reporter": None,
        "status": "received",
        "dup": None,
        **kw,
    }
    return int(
        session.execute(
            text(
                """
                WITH r AS (
                    INSERT INTO reports (code, channel, received_at, location_source, geom,
                                         reporter_hash, status, duplicate_of_id)
                    VALUES (:code, :channel, :t, 'device_gps',
                            ST_SetSRID(ST_MakePoint(117, -0.5), 4326), :reporter, :status,
                            :dup)
                    RETURNING id
                ), m AS (
                    INSERT INTO report_matches (report_id, site_id, rule)
                    SELECT id, :site, 'nearest_within_radius' FROM r
                )
                SELECT id FROM r
                """
            ),
            values,
        ).scalar_one()
    )


def row_of(frame: pd.DataFrame, site_id: int) -> dict[str, Any]:
    return dict(frame.loc[frame["site_id"] == site_id].iloc[0])


def test_recent_reports_decay_with_half_life(session: Session) -> None:
    fresh = add_site(session)
    older = add_site(session)
    add_report(session, fresh, 0)
    add_report(session, older, 30)
    add_report(session, older, 400)  # beyond the default 365-day look-back
    frame = compute_priority(session=session, as_of=AS_OF, store=False)
    a, b = row_of(frame, fresh), row_of(frame, older)
    assert a["recent_reports"] == pytest.approx(1.0)
    assert b["recent_reports"] == pytest.approx(0.5)
    assert a["pts_reports"] == pytest.approx(35 * 1.0 / 10)
    assert b["pts_reports"] == pytest.approx(35 * 0.5 / 10)
    assert b["independent_reports"] == 2  # all-time count, the old one included


def test_duplicates_rejected_and_future_reports_do_not_count(session: Session) -> None:
    site = add_site(session)
    original = add_report(session, site, 1, reporter="r1")
    add_report(session, site, 1, reporter="r2", dup=original)
    add_report(session, site, 1, reporter="r3", status="rejected")
    add_report(session, site, -3, reporter="r4")  # observed after as_of
    row = row_of(compute_priority(session=session, as_of=AS_OF, store=False), site)
    assert row["independent_reports"] == 1
    assert row["reporter_count"] == 1


def test_reporters_and_channels_are_counted_distinct(session: Session) -> None:
    site = add_site(session)
    add_report(session, site, 1, reporter="a", channel="hotline")
    add_report(session, site, 2, reporter="a", channel="lapor")
    add_report(session, site, 3, reporter=None, channel="lapor")
    add_report(session, site, 4, reporter=None, channel="web")
    row = row_of(compute_priority(session=session, as_of=AS_OF, store=False), site)
    # "a" once, and each report without a reporter hash as its own source.
    assert row["reporter_count"] == 3
    assert row["channel_count"] == 3
    assert row["pts_reporters"] == pytest.approx(15 * 3 / 5)
    assert row["pts_channels"] == pytest.approx(10.0)


def test_inspection_status_and_commodity_points(session: Session) -> None:
    never = add_site(session, status="active", commodity="emas")
    recent = add_site(
        session, status="sealed", commodity="pasir", last_inspected=AS_OF.date() - dt.timedelta(73)
    )
    frame = compute_priority(session=session, as_of=AS_OF, store=False)
    a, b = row_of(frame, never), row_of(frame, recent)
    assert pd.isna(a["days_since_inspection"]) and a["pts_inspection"] == 20
    assert b["days_since_inspection"] == 73
    assert b["pts_inspection"] == pytest.approx(20 * 73 / 365)
    assert (a["pts_status"], a["pts_commodity"]) == (10.0, 10.0)
    assert b["pts_status"] == pytest.approx(1.0) and b["pts_commodity"] == pytest.approx(6.0)
    assert a["rank"] < b["rank"]
    assert a["reasons"].startswith("never inspected: 20.0")


def test_weights_come_from_settings(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    site = add_site(session, status="active")
    monkeypatch.setenv("PANTAU_PRIORITY_W_STATUS", "50")
    monkeypatch.setenv("PANTAU_PRIORITY_STATUS_FACTORS", '{"active": 0.5}')
    # The environment is read once, into the settings tree the use case injects.
    ranking = recompute(settings=Settings(), session=session, as_of=AS_OF)
    row = next(r for r in ranking.rows if r["site_id"] == site)
    assert row["pts_status"] == pytest.approx(25.0)
    custom = PrioritySettings(w_inspection=0)
    row = row_of(compute_priority(session=session, as_of=AS_OF, settings=custom, store=False), site)
    assert row["pts_inspection"] == 0


def test_stored_components_sum_to_the_score(session: Session) -> None:
    site = add_site(session, status="active")
    for d in range(5):
        add_report(session, site, d * 10, reporter=f"p{d % 2}")
    frame = compute_priority(session=session, as_of=AS_OF)
    stored = session.execute(
        text(
            f"SELECT score, {', '.join(COMPONENTS)}, rank, reasons FROM site_priority "
            "WHERE site_id = :s"
        ),
        {"s": site},
    ).one()
    n = len(COMPONENTS)
    assert stored[0] == pytest.approx(sum(stored[1 : n + 1]))
    assert stored[0] == pytest.approx(row_of(frame, site)["score"])
    assert stored[n + 1] == row_of(frame, site)["rank"]
    assert "recent reports" in stored[n + 2]
    assert list(frame["rank"]) == list(range(1, len(frame) + 1))
    assert frame["score"].is_monotonic_decreasing


def test_load_priority_reads_what_was_stored(engine: Engine) -> None:
    with Session(engine) as own:
        site = add_site(own, status="active", commodity="emas")
        compute_priority(session=own, as_of=AS_OF)
        own.commit()
        try:
            frame = load_priority(engine=engine)
            row = row_of(frame, site)
            assert row["pts_status"] == 10 and row["as_of"] == AS_OF
            assert frame["rank"].tolist() == sorted(frame["rank"].tolist())
        finally:
            own.execute(text("DELETE FROM sites WHERE id = :s"), {"s": site})
            own.commit()


def test_corroboration_per_site_and_hotspot(session: Session) -> None:
    site = add_site(session)
    first = add_report(session, site, 1, reporter="x")
    add_report(session, site, 2, reporter="x")
    add_report(session, site, 2, reporter="y", dup=first)
    frame = corroboration(session=session)
    row = frame[(frame["kind"] == "site") & (frame["id"] == site)].iloc[0]
    assert (row["independent_reports"], row["reporters"], row["duplicates"]) == (2, 1, 1)


def test_explain_words_the_same_points_in_both_languages() -> None:
    import pytest

    from geo.errors import ValidationError
    from geo.priority import explain

    row = {
        "recent_reports": 4.25,
        "reporter_count": 3,
        "channel_count": 2,
        "days_since_inspection": 400,
        "status": "active",
        "commodity": "emas",
        "pts_reports": 14.9,
        "pts_reporters": 9.0,
        "pts_channels": 6.7,
        "pts_inspection": 20.0,
        "pts_status": 10.0,
        "pts_commodity": 0.0,
    }
    en, id_ = explain(row, lang="en"), explain(row, lang="id")
    assert en[0] == "400 days since inspection: 20.0"
    assert id_[0] == "400 hari sejak pemeriksaan: 20,0"  # numbers as Indonesians write them
    assert id_[1] == "4,2 laporan terbaru (berbobot waktu): 14,9"
    assert len(en) == len(id_) == 5  # the commodity gave no points and is not named
    with pytest.raises(ValidationError, match="lang` was 'fr'"):
        explain(row, lang="fr")


def test_a_site_shows_one_report_count_whatever_the_confidentiality(
    session: Session,
) -> None:
    from geo.priority import refresh_sites, site_report_counts

    site = add_site(session)
    for i in range(3):
        add_report(session, site, i + 1, reporter=f"c{i}")
    session.execute(
        text(
            "UPDATE reports SET confidentiality = 'rahasia' WHERE id IN "
            "(SELECT report_id FROM report_matches WHERE site_id = :s LIMIT 2)"
        ),
        {"s": site},
    )
    (row,) = refresh_sites(
        session=session, site_ids=[site], settings=PrioritySettings(), as_of=AS_OF
    ).to_dict("records")
    code = str(row["code"])
    # "N reports" and "M reporters" come from the same reports: never fewer reports than
    # reporters (the map once said 2 reports, counting only the anonim points, beside 21).
    assert site_report_counts(session)[code] == row["independent_reports"] == 3
    assert row["reporter_count"] <= site_report_counts(session)[code]


def test_refreshing_some_sites_rescores_them_and_reranks_all(session: Session) -> None:
    from geo.priority import refresh_sites

    quiet, busy = add_site(session), add_site(session)
    compute_priority(session=session, as_of=AS_OF)
    for d in range(6):
        add_report(session, busy, d, reporter=f"r{d}")
    stale = session.execute(
        text("SELECT recent_reports FROM site_priority WHERE site_id = :s"), {"s": busy}
    ).scalar_one()
    assert stale == 0  # the reports came after the scoring
    refresh_sites(session=session, site_ids=[busy], settings=PrioritySettings(), as_of=AS_OF)
    rows = session.execute(
        text(
            "SELECT p.site_id, p.rank, p.score, p.recent_reports FROM site_priority p "
            "JOIN sites s ON s.id = p.site_id ORDER BY p.rank"
        )
    ).all()
    assert [r.rank for r in rows] == list(range(1, len(rows) + 1))
    assert [r.score for r in rows] == sorted((r.score for r in rows), reverse=True)
    by_site = {r.site_id: r for r in rows}
    assert by_site[busy].recent_reports > 0 and by_site[busy].rank < by_site[quiet].rank
    assert refresh_sites(session=session, site_ids=[], settings=PrioritySettings()).empty


def test_alert_and_land_status_components_weigh_and_are_explained(session: Session) -> None:
    from geo.priority import explain

    site = add_site(session, status="active")
    session.execute(
        text(
            "INSERT INTO layer_classifications (object_kind, object_id, object_code, permit_class,"
            " forest_flags, evaluated_on, tolerance_m) "
            "VALUES ('site', :s, 'x', 'WIUP_OP', ARRAY['HUTAN_PRODUKSI', 'HUTAN_LINDUNG'],"
            " '2026-11-01', 50)"
        ),
        {"s": site},
    )
    frame = compute_priority(session=session, as_of=AS_OF, store=False)
    row = row_of(frame, site)
    # Inside an active production permit weighs down: no land-status points, fewer than the
    # 4 an unclassified site gets; the protection forest is the strongest flag.
    assert row["permit_class"] == "WIUP_OP" and row["pts_permit"] == 0.0
    assert row["forest_flag"] == "HUTAN_LINDUNG" and row["pts_forest"] == 5.0
    outside = PrioritySettings(permit_factors={"WIUP_OP": 1.0})
    moved = row_of(
        compute_priority(session=session, as_of=AS_OF, settings=outside, store=False), site
    )
    assert moved["score"] == pytest.approx(row["score"] + 10.0)
    lines = explain({**row, "alert_patches": 2, "pts_alerts": 10.0}, lang="id")
    assert "2 petak peringatan satelit di dekatnya: 10,0" in lines
    assert any(line.startswith("kawasan hutan (indikatif): ") for line in lines)
    unclassified = explain({**row, "permit_class": None, "pts_permit": 4.0}, lang="en")
    assert "land status not classified yet: 4.0" in unclassified
