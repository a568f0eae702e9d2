"""The briefing's numbers from the database: complete counts, no rahasia detail, plan summary."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from geo.i18n import translator
from geo.maps.briefing_chart import trend_svg
from geo.maps.briefing_data import AGE_BANDS, load_briefing_data, overdue_summary
from geo.maps.briefing_document import render_document
from geo.maps.options import Period
from geo.patrols.store import plan_from_db, save_plan
from geo.reports import clocks

from .conftest import NOW

PERIOD = Period(NOW.date() - dt.timedelta(days=364), NOW.date())


@pytest.fixture(scope="module")
def planned(map_engine: Engine) -> Engine:
    with Session(map_engine) as session, session.begin():
        plan = plan_from_db(session=session, start=dt.date(2026, 11, 23), days=2, budget_s=1)
        save_plan(plan, session=session, actor="uji")
    return map_engine


def test_every_overdue_complaint_is_counted_and_no_rahasia_is_listed(planned: Engine) -> None:
    data = load_briefing_data(planned, period=PERIOD, now=NOW)
    with Session(planned) as session:
        late = {c.report_id for c in clocks.overdue(session=session, now=NOW)}
        rahasia = set(
            session.execute(text("SELECT code FROM reports WHERE confidentiality = 'rahasia'"))
            .scalars()
            .all()
        )
    assert data.overdue.total == len(late) > 0
    assert sum(data.overdue.by_age.values()) == data.overdue.total
    assert sum(data.overdue.by_kabupaten.values()) == data.overdue.total
    assert sum(data.overdue.by_channel.values()) == data.overdue.total
    assert not set(data.overdue.rows["code"]) & rahasia
    assert data.new_reports == 24 and sum(n for _, n, _ in data.by_kabupaten) == 24
    assert sum(n for _, n in data.trend) == 24 and len(data.trend) == 12


def test_the_patrol_plan_is_summarised(planned: Engine) -> None:
    data = load_briefing_data(planned, period=PERIOD, now=NOW)
    assert data.patrol is not None
    with Session(planned) as session:
        sites = session.scalar(
            text(
                "SELECT count(DISTINCT site_code) FROM patrol_visits "
                "WHERE plan_id = (SELECT max(id) FROM patrol_plans)"
            )
        )
    assert data.patrol.sites == sites > 0
    assert data.patrol.start == dt.date(2026, 11, 23) and len(data.patrol.teams) >= 1
    assert all(1 <= days <= 2 for _, days, _ in data.patrol.teams)


def test_document_speaks_one_language_and_names_no_command(planned: Engine) -> None:
    data = load_briefing_data(planned, period=PERIOD, now=NOW)
    words = {}
    for lang in ("id", "en"):
        page = render_document(
            png="", data=data, tops=pd.DataFrame(), t=translator(lang), title="T"
        )
        words[lang] = re.sub(r"<[^>]+>", " ", page.split("</style>")[1])
    assert "Rencana patroli" in words["id"] and "Patrol plan" in words["en"]
    assert "tim mengunjungi" in words["id"] and "teams visit" in words["en"]
    for english in ("Overdue", "complaint", "Patrol", "Summary", "days", "Team", "per month"):
        assert english not in words["id"], english
    for indonesian in ("Pengaduan", "Ringkasan", "Rencana", "hari", "Tim ", "per bulan"):
        assert indonesian not in words["en"], indonesian
    assert "pantau " not in words["id"] + words["en"]


def test_overdue_summary_needs_confidentiality_and_bands_ages() -> None:
    frame = pd.DataFrame(
        {"code": list("ABCD"), "days_overdue": [1, 6, 21, 61], "confidentiality": ["anonim"] * 4}
    )
    assert list(overdue_summary(frame).by_age.values()) == [1, 1, 1, 1]
    assert list(overdue_summary(frame).by_age) == [label for _, label in AGE_BANDS]
    with pytest.raises(Exception, match="confidentiality"):
        overdue_summary(frame.drop(columns="confidentiality"))


def test_trend_chart_scales_bars_to_the_busiest_month() -> None:
    svg = trend_svg(
        [(dt.date(2026, 1, 1), 0), (dt.date(2026, 2, 1), 5), (dt.date(2026, 3, 1), 10)],
        translator("en"),
        title="<Reports>",
    )
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([0-9.]+)"', svg)]
    assert heights[0] == 0 and heights[2] == pytest.approx(2 * heights[1])
    assert "&lt;Reports&gt;" in svg and "<Reports>" not in svg
    assert "Feb 26" in svg and "<script" not in svg
