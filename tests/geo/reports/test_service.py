"""Use cases of reports: status changes keep priority and hotspot figures true; intake rules."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from geo.errors import InvalidTransition, ValidationError
from geo.hotspots.service import cluster_hotspots, view_hotspot
from geo.priority import corroboration, recompute
from geo.reports import lifecycle
from geo.reports.service import change_status, import_reports, submit_report
from geo.settings import Settings
from tests.geo.reports.conftest import TENGGARONG
from tests.geo.test_hotspots import add_reports, blob
from tests.geo.test_priority import add_report, add_site

_seq = itertools.count(1)


def coded(session: Session, report_id: int) -> str:
    """Give a report a tracking code of the public form and return it."""
    code = f"PTM-SV{next(_seq):06d}"
    session.execute(text("UPDATE reports SET code = :c WHERE id = :i"), {"c": code, "i": report_id})
    return code


def stored(session: Session, site_id: int) -> tuple[int, int, float]:
    row = session.execute(
        text(
            "SELECT independent_reports, reporter_count, score FROM site_priority "
            "WHERE site_id = :s"
        ),
        {"s": site_id},
    ).one()
    return int(row[0]), int(row[1]), float(row[2])


def test_rejecting_a_report_rescores_its_site(session: Session, settings: Settings) -> None:
    site = add_site(session, status="active")
    ids = [add_report(session, site, d, reporter=f"w{d}") for d in (1, 2, 3)]
    recompute(settings=settings, session=session)
    before = stored(session, site)
    assert before[:2] == (3, 3)
    change = change_status(
        settings=settings,
        session=session,
        code=coded(session, ids[0]),
        to="rejected",
        resolution="insufficient_info",
        actor="ani",
    )
    assert (change.from_status, change.status) == ("received", "rejected")
    after = stored(session, site)
    assert after[:2] == (2, 2)  # the rejected report no longer counts, without a manual rerun
    assert after[2] < before[2]
    site_row = corroboration(session=session).query("kind == 'site' and id == @site").iloc[0]
    assert after[0] == site_row["independent_reports"]


def test_rejecting_a_hotspot_report_recounts_the_hotspot(
    session: Session, settings: Settings
) -> None:
    ids = add_reports(session, blob(119.3, 1.6, 4, seed=31))
    summary = cluster_hotspots(settings=settings, session=session, eps_m=200, min_reports=3)
    (code,) = [
        c
        for c in summary.created
        if view_hotspot(settings=settings, session=session, hotspot=c).report_count == 4
    ]
    change_status(
        settings=settings,
        session=session,
        code=coded(session, ids[0]),
        to="rejected",
        resolution="out_of_authority",
        actor="ani",
    )
    view = view_hotspot(settings=settings, session=session, hotspot=code)
    assert view.report_count == 3
    counted = corroboration(session=session).query("kind == 'hotspot' and code == @code")
    assert int(counted.iloc[0]["independent_reports"]) == view.report_count


def test_status_rules_are_the_lifecycle_table(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = add_site(session)
    code = coded(session, add_report(session, site, 1))
    with pytest.raises(InvalidTransition):
        change_status(settings=settings, session=session, code=code, to="assigned", actor="x")
    # One rule changed in one place: every adapter over this use case obeys it.
    monkeypatch.setitem(lifecycle.TRANSITIONS, "received", ("assigned",))
    with pytest.raises(InvalidTransition, match="may move to assigned, not 'verified'"):
        change_status(settings=settings, session=session, code=code, to="verified", actor="x")
    change = change_status(settings=settings, session=session, code=code, to="assigned", actor="x")
    assert change.status == "assigned"


def test_public_submission_is_the_web_form_and_retries_are_recognised(
    session: Session, settings: Settings
) -> None:
    lat, lon = TENGGARONG
    fields = {"lat": lat, "lon": lon, "activity": "excavator", "confidentiality": "anonim"}
    with pytest.raises(ValidationError) as err:
        submit_report(
            settings=settings,
            session=session,
            fields={**fields, "channel": "hotline"},
            actor=None,
            public=True,
        )
    assert err.value.field == "channel"
    first = submit_report(
        settings=settings,
        session=session,
        fields=fields,
        actor=None,
        public=True,
        idempotency_key="retry-1",
    )
    again = submit_report(
        settings=settings,
        session=session,
        fields=fields,
        actor=None,
        public=True,
        idempotency_key="retry-1",
    )
    assert first.created and not again.created and again.code == first.code
    channel, external = session.execute(
        text("SELECT channel, external_id FROM reports WHERE code = :c"), {"c": first.code}
    ).one()
    assert (channel, external) == ("web", "idempotency:retry-1")


def test_importing_reports_rescores_the_sites_they_match(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "hotline.csv"
    path.write_text(
        "external_id,channel,received_at,lat,lon,activity\n"
        "SVC-IMP-1,hotline,2026-10-01T09:00:00+08:00,-0.6601,117.4401,excavator\n"
        "SVC-IMP-2,whatsapp,2026-10-20T09:00:00+08:00,-0.6640,117.4440,stockpile\n"
    )
    with engine.begin() as conn:
        site = conn.execute(
            text(
                "INSERT INTO sites (code, name, geom, kabupaten, commodity) VALUES ('IMP-001', "
                "'Impor', ST_SetSRID(ST_MakePoint(117.44, -0.66), 4326), 'Paser', 'emas') "
                "RETURNING id"
            )
        ).scalar_one()
    try:
        summary = import_reports(settings=settings, engine=engine, path=path, actor="test")
        assert summary.inserted == 2
        with engine.connect() as conn:
            stored = conn.execute(
                text("SELECT independent_reports FROM site_priority WHERE site_id = :s"),
                {"s": site},
            ).scalar_one()
        assert stored == 2  # scored by the import, not by a later `pantau priority`
    finally:
        with engine.begin() as conn:
            conn.execute(
                text("DELETE FROM reports WHERE external_id IN ('SVC-IMP-1', 'SVC-IMP-2')")
            )
            conn.execute(text("DELETE FROM sites WHERE id = :s"), {"s": site})
