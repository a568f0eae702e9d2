from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geo.errors import ValidationError
from geo.reports.editing import edit
from geo.reports.intake import submit
from geo.reports.lifecycle import history
from geo.reports.models import Report
from geo.settings import Settings
from tests.geo.reports.conftest import NOW


def _point(session: Session, code: str) -> tuple[float, float] | None:
    row = session.execute(
        text("SELECT ST_X(geom), ST_Y(geom) FROM reports WHERE code = :c"), {"c": code}
    ).one()
    return None if row[0] is None else (row[0], row[1])


def test_correcting_a_position_is_checked_recorded_and_rematched(
    session: Session, settings: Settings
) -> None:
    from geoalchemy2.shape import from_shape
    from shapely.geometry import Point

    from geo.models import Site

    site = Site(
        code="TST-EDIT-1",
        name="Uji",
        geom=from_shape(Point(117.3, -0.9), srid=4326),
        kabupaten="Kutai Kartanegara",
        commodity="emas",
    )
    session.add(site)
    session.flush()
    code = submit(
        session=session,
        channel="hotline",
        lat=-6.2,
        lon=106.8,
        settings=settings,
        now=NOW,
        reporter_name="Siti Aminah",
    ).code
    with pytest.raises(ValidationError, match="swapped"):
        edit(
            session=session, code=code, actor="ani", lat=117.3, lon=-0.9, now=NOW, settings=settings
        )
    assert _point(session, code) == (106.8, -6.2)  # a refused edit changes nothing

    changed = edit(
        session=session,
        code=code,
        actor="ani",
        lat=-0.9,
        lon=117.301,
        reason="typo in the hotline log",
        now=NOW,
        settings=settings,
    )
    assert changed == ["lat", "lon"]
    session.expire_all()
    report = session.scalars(select(Report).where(Report.code == code)).one()
    assert _point(session, code) == (117.301, -0.9)
    assert report.flags == []  # no longer outside the area of interest
    assert report.matched_site_id == site.id
    last = history(session=session, code=code)[-1]
    assert (last.from_status, last.to_status, last.actor) == ("received", "received", "ani")
    assert last.reason == "edited: lat, lon (typo in the hotline log)"
    assert "Siti" not in (last.reason or "")


def test_only_report_content_may_be_edited(session: Session, settings: Settings) -> None:
    code = submit(
        session=session, channel="web", lat=-0.5, lon=117.1, settings=settings, now=NOW
    ).code
    with pytest.raises(ValidationError, match="channel: may not be edited"):
        edit(session=session, code=code, actor="ani", channel="lapor", settings=settings)
    with pytest.raises(ValidationError, match="reporter_phone: may not be edited"):
        edit(session=session, code=code, actor="ani", reporter_phone="0812", settings=settings)
    assert (
        edit(session=session, code=code, actor="ani", activity="other", now=NOW, settings=settings)
        == []
    )
    assert edit(
        session=session,
        code=code,
        actor="ani",
        lat=None,
        lon=None,
        location_text="Desa Jembayan",
        now=NOW,
        settings=settings,
    ) == ["lat", "lon", "location_source", "location_text"]
    assert _point(session, code) is None
