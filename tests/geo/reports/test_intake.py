from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from geo.errors import ValidationError
from geo.reports.codes import CODE_ALPHABET
from geo.reports.intake import submit
from geo.reports.models import (
    Evidence,
    Report,
    ReportCorroboration,
    ReportEvidence,
    ReportStatusHistory,
)
from geo.reports.privacy import decrypt_identity, reporter_hash
from geo.settings import Settings
from tests.geo.reports.conftest import NOW, make_jpeg

NAME = "Siti Aminah Rahmawati"
PHONE = "0812-7777-3141"


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_submit_stores_report_history_and_protected_identity(
    session: Session, settings: Settings
) -> None:
    result = submit(
        session=session,
        channel="hotline",
        lat=-0.42,
        lon=117.0,
        received_at=NOW - dt.timedelta(hours=1),
        activity="excavator",
        commodity_guess="batubara",
        reporter_name=NAME,
        reporter_phone=PHONE,
        actor="operator-ani",
        settings=settings,
        now=NOW,
    )
    assert result.created and result.status == "received"
    assert result.code.startswith("PTM-") and set(result.code[4:]) <= set(CODE_ALPHABET)
    report = session.get(Report, result.id)
    assert report is not None
    assert report.confidentiality == "rahasia"
    assert report.reporter_name_enc is not None and NAME.encode() not in report.reporter_name_enc
    assert decrypt_identity(report.reporter_name_enc, settings=settings) == NAME
    assert report.reporter_hash == reporter_hash(PHONE, settings=settings)
    lonlat = session.execute(
        text("SELECT ST_X(geom), ST_Y(geom), ST_SRID(geom) FROM reports WHERE id = :i"),
        {"i": result.id},
    ).one()
    assert tuple(lonlat) == (117.0, -0.42, 4326)
    history = session.scalars(
        select(ReportStatusHistory).where(ReportStatusHistory.report_id == result.id)
    ).all()
    assert [(h.from_status, h.to_status, h.actor) for h in history] == [
        (None, "received", "operator-ani")
    ]


def test_tracking_codes_are_unique(session: Session, settings: Settings) -> None:
    codes = {
        submit(
            session=session,
            channel="web",
            lat=-0.4 - i / 100,
            lon=117.0,
            settings=settings,
            now=NOW,
            received_at=NOW - dt.timedelta(days=i * 3),
        ).code
        for i in range(20)
    }
    assert len(codes) == 20


def test_same_external_id_returns_the_first_report(session: Session, settings: Settings) -> None:
    first = submit(
        session=session,
        channel="lapor",
        external_id="LAP-2025-0001",
        lat=-0.42,
        lon=117.0,
        settings=settings,
        now=NOW,
    )
    again = submit(
        session=session,
        channel="lapor",
        external_id="LAP-2025-0001",
        lat=-0.5,
        lon=117.2,
        settings=settings,
        now=NOW,
    )
    other_channel = submit(
        session=session,
        channel="hotline",
        external_id="LAP-2025-0001",
        lat=-1.5,
        lon=116.2,
        settings=settings,
        now=NOW,
    )
    assert not again.created and again.code == first.code
    assert again.duplicate_rule == "exact_external_id"
    assert other_channel.created
    assert _count(session, Report) == 2


def test_the_same_photo_sent_again_by_its_reporter_returns_the_first_report(
    session: Session, settings: Settings
) -> None:
    photo = make_jpeg(-0.42, 117.0, NOW - dt.timedelta(days=1), colour=(9, 9, 9))
    kw = {"channel": "hotline", "evidence": [photo], "settings": settings, "now": NOW}
    first = submit(session=session, reporter_phone="0812-1111-2222", **kw)
    again = submit(session=session, reporter_phone="+62 812 1111 2222", **kw)
    assert first.created and first.flags == []
    assert not again.created and again.code == first.code
    assert again.duplicate_rule == "exact_evidence"
    assert _count(session, Evidence) == 1 and _count(session, ReportEvidence) == 1


def test_the_same_photo_from_someone_else_is_their_own_report_corroborating_the_first(
    session: Session, settings: Settings
) -> None:
    # A forwarded WhatsApp photo: another citizen must never receive the first one's code.
    photo = make_jpeg(-0.42, 117.0, NOW - dt.timedelta(days=1), colour=(8, 9, 9))
    first = submit(
        session=session,
        channel="hotline",
        evidence=[photo],
        settings=settings,
        reporter_phone="0812-1111-2222",
        now=NOW,
    )
    other = submit(
        session=session,
        channel="hotline",
        evidence=[photo],
        settings=settings,
        reporter_phone="0813-9999-0000",
        now=NOW,
    )
    elsewhere = submit(
        session=session,
        channel="web",
        lat=-0.9,
        lon=116.5,
        evidence=[photo],
        settings=settings,
        now=NOW,
    )
    assert other.created and elsewhere.created
    assert len({first.code, other.code, elsewhere.code}) == 3
    links = session.execute(
        select(ReportCorroboration.report_id, ReportCorroboration.corroborates_id)
    ).all()
    assert sorted(tuple(r) for r in links) == [(other.id, first.id), (elsewhere.id, first.id)]
    assert _count(session, Evidence) == 1 and _count(session, ReportEvidence) == 3


def test_exif_far_photo_is_flagged(session: Session, settings: Settings) -> None:
    photo = make_jpeg(-0.6, 117.0, NOW - dt.timedelta(days=1), colour=(7, 7, 7))
    result = submit(
        session=session,
        channel="hotline",
        lat=-0.42,
        lon=117.0,
        evidence=[photo],
        settings=settings,
        now=NOW,
    )
    assert result.created and result.flags == ["exif_far"]
    assert session.get(Report, result.id).flags == ["exif_far"]  # type: ignore[union-attr]


def test_bad_input_writes_nothing(session: Session, settings: Settings) -> None:
    before = _count(session, Report)
    with pytest.raises(ValidationError) as info:
        submit(
            session=session,
            channel="hotline",
            lat=0,
            lon=0,
            reporter_phone=PHONE,
            evidence=[make_jpeg(colour=(5, 5, 5))],
            settings=settings,
            now=NOW,
        )
    assert info.value.field == "lat"
    assert _count(session, Report) == before
    assert _count(session, Evidence) == 0


def test_identity_never_reaches_the_logs(
    engine: Engine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # SQLAlchemy decides whether to log statements and parameters when a connection opens.
    logging.getLogger("sqlalchemy.engine").setLevel(logging.DEBUG)
    try:
        with engine.connect() as conn:
            outer = conn.begin()
            session = Session(bind=conn, join_transaction_mode="create_savepoint")
            result = submit(
                session=session,
                channel="hotline",
                lat=-0.42,
                lon=117.0,
                reporter_name=NAME,
                reporter_phone=PHONE,
                settings=settings,
                now=NOW,
            )
            with pytest.raises(ValidationError):
                submit(
                    session=session,
                    channel="hotline",
                    lat=-0.42,
                    lon=117.0,
                    reporter_name=NAME,
                    reporter_phone="12",
                    settings=settings,
                    now=NOW,
                )
            session.close()
            outer.rollback()
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    text_logged = "\n".join(r.getMessage() for r in caplog.records)
    assert result.code in text_logged  # the intake did log, so the check below means something
    assert "INSERT INTO reports" in text_logged  # and the SQL with its parameters was logged
    for secret in (NAME, "Siti", PHONE, "7777", "6281277773141"):
        assert secret not in text_logged


def test_new_reports_are_matched_to_a_nearby_site(session: Session, settings: Settings) -> None:
    from geoalchemy2.shape import from_shape
    from shapely.geometry import Point

    from geo.models import Site

    site = Site(
        code="TST-MATCH-1",
        name="Uji",
        geom=from_shape(Point(117.5, -0.8), srid=4326),
        kabupaten="Kutai Kartanegara",
        commodity="batubara",
    )
    session.add(site)
    session.flush()
    near = submit(
        session=session, channel="web", lat=-0.8, lon=117.503, settings=settings, now=NOW
    )  # about 334 m east
    far = submit(session=session, channel="web", lat=-0.8, lon=117.6, settings=settings, now=NOW)
    session.expire_all()
    matched = session.get(Report, near.id)
    assert matched is not None and matched.matched_site_id == site.id
    assert matched.match_distance_m == pytest.approx(333.9, abs=1.0)
    assert session.get(Report, far.id).matched_site_id is None  # type: ignore[union-attr]
