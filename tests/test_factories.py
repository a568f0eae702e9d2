"""The row factories make real rows through the library's writers."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.reports.models import Report, ReportMatch, ReportStatusHistory
from geo.settings import Settings
from tests import factories


def test_site_and_a_matched_report(session: Session, settings: Settings) -> None:
    s = factories.site(session, lon=117.3, lat=-0.7)
    r = factories.report(session, lon=117.3, lat=-0.7003, settings=settings)
    assert r.code.startswith("PTM-") and r.status == "received"
    match = session.scalar(select(ReportMatch).where(ReportMatch.report_id == r.id))
    assert match is not None and match.site_id == s.id


def test_a_report_walks_the_real_lifecycle(session: Session, settings: Settings) -> None:
    r = factories.report(session, settings=settings, status="closed")
    steps = session.scalars(
        select(ReportStatusHistory.to_status)
        .where(ReportStatusHistory.report_id == r.id)
        .order_by(ReportStatusHistory.id)
    ).all()
    assert steps == ["received", "closed"] and r.resolution == "duplicate"
    with pytest.raises(ValueError, match="no lifecycle path"):
        factories.path_to("received", start="closed")


def test_hotspot_and_inspection(session: Session, settings: Settings) -> None:
    code = factories.hotspot(session, settings=settings)
    assert code.startswith("HS-")
    clustered = session.scalar(select(Report.id).where(Report.hotspot_id.is_not(None)))
    assert clustered is not None
    s = factories.site(session, lon=116.5, lat=0.3)
    done = factories.inspection(
        session,
        site_code=s.code,
        result="sealed",
        inspected_on=dt.date(2026, 11, 2),
        settings=settings,
    )
    assert (done.status_before, done.status_after) == ("suspected", "sealed")
