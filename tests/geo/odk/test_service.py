"""Export zips become inspections once each, through the office's record-inspection use case."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.errors import InputFileError
from geo.i18n import translator
from geo.models import Site, SiteAudit
from geo.odk.models import OdkSubmission
from geo.odk.service import import_export
from geo.patrols.evidence import list_evidence
from geo.patrols.models import Inspection
from geo.settings import Settings
from tests import factories
from tests.geo.odk.builders import central_export, kobo_export, submission
from tests.geo.reports.conftest import make_jpeg

GOOD = "uuid:0b6f3c1e-0001-4a57-9d55-2f7c1bb7a3a1"
NO_PHOTO = "uuid:0b6f3c1e-0002-4a57-9d55-2f7c1bb7a3a1"
UNKNOWN = "uuid:0b6f3c1e-0003-4a57-9d55-2f7c1bb7a3a1"
FAR = "uuid:0b6f3c1e-0004-4a57-9d55-2f7c1bb7a3a1"


@pytest.fixture
def sites(session: Session) -> tuple[Site, Site]:
    a = factories.site(session, code="ODK-A", lon=117.0, lat=-0.5, status="suspected")
    b = factories.site(session, code="ODK-B", lon=116.9, lat=-0.4, status="active")
    return a, b


def _subs() -> list[dict[str, object]]:
    return [
        submission(GOOD, site="ODK-A", result="sealed", photos=("1.jpg", "2.jpg")),
        submission(NO_PHOTO, site="ODK-B", lat=-0.4001, lon=116.9001, photos=("3.jpg", "lost.jpg")),
        submission(UNKNOWN, site="ODK-ZZZ", photos=()),
        submission(FAR, site="ODK-B", lat=-0.9, lon=116.9, photos=()),
    ]


def _media() -> dict[str, bytes]:
    return {
        "1.jpg": make_jpeg(colour=(10, 20, 30)),
        "2.jpg": make_jpeg(colour=(40, 50, 60)),
        "3.jpg": make_jpeg(colour=(70, 80, 90)),
    }


def test_central_export_imports_once_with_photos_and_reasons(
    session: Session, settings: Settings, sites: tuple[Site, Site], tmp_path: Path
) -> None:
    zip_path = central_export(tmp_path / "export.zip", _subs(), _media())
    summary = import_export(settings=settings, session=session, path=zip_path, actor="ani")
    by_id = {o.instance_id: o for o in summary.outcomes}
    assert [by_id[i].status for i in (GOOD, NO_PHOTO, UNKNOWN, FAR)] == [
        "imported",
        "imported",
        "refused",
        "refused",
    ]
    t = translator("id")
    unknown, far = by_id[UNKNOWN].reason, by_id[FAR].reason
    assert unknown is not None and unknown.field == "site"
    assert "ODK-ZZZ" in unknown.localized(t)
    assert far is not None and far.field == "location"
    # The missing photo is named; the inspection came in with the photo that was there.
    assert [p.name for p in by_id[NO_PHOTO].photo_problems] == ["lost.jpg"]
    assert by_id[NO_PHOTO].photos == 1 and by_id[GOOD].photos == 2

    good = session.get(Inspection, by_id[GOOD].inspection_id)
    assert good is not None and good.result == "sealed" and good.team == "TIM-1"
    assert good.inspected_on == dt.date(2026, 11, 20) and good.recorded_by == "ani"
    assert good.notes is not None and good.notes.startswith("Lubang baru")
    assert "ekskavator" in good.notes.lower()  # equipment labels in the settings' language
    files = list_evidence(session=session, inspection_id=good.id, settings=settings)
    assert sorted(f.name or "" for f in files) == ["1.jpg", "2.jpg"]
    assert all(f.path.is_file() for f in files)
    # The office's use case ran: status moved, with an audit row by the importing actor.
    site_a = sites[0]
    session.refresh(site_a)
    assert site_a.status == "sealed" and site_a.last_inspected == dt.date(2026, 11, 20)
    audit = session.scalars(
        select(SiteAudit).where(SiteAudit.site_id == site_a.id, SiteAudit.actor == "ani")
    ).all()
    assert audit

    row = session.get(OdkSubmission, GOOD)
    assert row is not None and row.source == "export" and row.submitter == "Tim Lapangan 1"
    assert row.equipment == ["excavator", "dredge"]
    assert row.location is not None
    point = to_shape(row.location)
    assert [round(v, 4) for v in point.coords[0]] == [117.0, -0.5]
    assert session.get(OdkSubmission, NO_PHOTO).missing_photos == ["lost.jpg"]  # type: ignore[union-attr]
    assert session.get(OdkSubmission, UNKNOWN) is None  # a refused one can come in later

    # The same export again adds nothing.
    n_inspections = session.scalar(select(func.count()).select_from(Inspection))
    again = import_export(settings=settings, session=session, path=zip_path, actor="ani")
    assert [o.status for o in again.outcomes] == [
        "already_imported",
        "already_imported",
        "refused",
        "refused",
    ]
    assert session.scalar(select(func.count()).select_from(Inspection)) == n_inspections

    # A later export that has the lost photo adds it to the same inspection.
    fixed = central_export(
        tmp_path / "fixed.zip", _subs()[1:2], {**_media(), "lost.jpg": make_jpeg(colour=(1, 2, 3))}
    )
    later = import_export(settings=settings, session=session, path=fixed, actor="ani")
    assert later.outcomes[0].status == "already_imported" and later.outcomes[0].photos == 1
    names = list_evidence(
        session=session, inspection_id=by_id[NO_PHOTO].inspection_id or 0, settings=settings
    )
    assert sorted(f.name or "" for f in names) == ["3.jpg", "lost.jpg"]
    assert session.get(OdkSubmission, NO_PHOTO).missing_photos == []  # type: ignore[union-attr]


def test_a_refused_submission_leaves_nothing(
    session: Session, settings: Settings, sites: tuple[Site, Site], tmp_path: Path
) -> None:
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    bad = [
        submission("uuid:bad-result", site="ODK-A", result="burnt"),
        submission("uuid:bad-date", site="ODK-A", on=future, photos=("1.jpg",)),
        submission("uuid:bad-gps", site="ODK-A", lat=95.0),
        submission("uuid:rejected", site="ODK-A", review="rejected"),
    ]
    zip_path = central_export(tmp_path / "bad.zip", bad, _media())
    summary = import_export(settings=settings, session=session, path=zip_path)
    assert [(o.status, o.reason.field if o.reason else None) for o in summary.outcomes] == [
        ("refused", "result"),
        ("refused", "inspected_on"),
        ("refused", "location"),
        ("refused", "review_state"),
    ]
    assert session.scalar(select(func.count()).select_from(OdkSubmission)) == 0
    assert (
        session.scalar(
            select(func.count()).select_from(Inspection).where(Inspection.site_code == "ODK-A")
        )
        == 0
    )
    session.refresh(sites[0])
    assert sites[0].status == "suspected"


def test_kobo_export_with_semicolons_and_one_geopoint_cell(
    session: Session, settings: Settings, sites: tuple[Site, Site], tmp_path: Path
) -> None:
    subs = [submission("uuid:5b7e0c1e-8d0a-4a57-9d55-2f7c1bb7a3a1", site="ODK-A", photos=())]
    zip_path = kobo_export(tmp_path / "kobo.zip", subs, {})
    summary = import_export(settings=settings, session=session, path=zip_path)
    assert [o.status for o in summary.outcomes] == ["imported"]
    row = session.get(OdkSubmission, "uuid:5b7e0c1e-8d0a-4a57-9d55-2f7c1bb7a3a1")
    assert row is not None and row.submitter == "tim2"


def test_a_file_that_is_not_an_export_is_refused(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    junk = tmp_path / "x.zip"
    junk.write_text("not a zip")
    with pytest.raises(InputFileError) as err:
        import_export(settings=settings, session=session, path=junk)
    assert err.value.field == "export"
