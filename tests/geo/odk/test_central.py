"""Push the site list to and pull submissions from an ODK Central stand-in, through pyodk."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.errors import ConfigurationError
from geo.models import Site
from geo.odk.central import CentralError
from geo.odk.config import OdkSettings
from geo.odk.entities import COLUMNS
from geo.odk.models import OdkSubmission
from geo.odk.service import pull_from_central, push_entities, write_entities
from geo.patrols.evidence import list_evidence
from geo.patrols.models import Inspection
from geo.settings import Settings
from tests import factories
from tests.geo.odk.builders import odata_row, submission
from tests.geo.odk.central_standin import EMAIL, PASSWORD, PROJECT, CentralState, central_stand_in
from tests.geo.reports.conftest import make_jpeg


@pytest.fixture
def central() -> Iterator[tuple[CentralState, str]]:
    state = CentralState()
    with central_stand_in(state) as url:
        yield state, url


def _settings(base: Settings, url: str, password: str = PASSWORD) -> Settings:
    odk = OdkSettings(base_url=url, username=EMAIL, password=password, project_id=PROJECT)
    return base.model_copy(update={"odk": odk})


@pytest.fixture
def two_sites(session: Session) -> tuple[Site, Site]:
    return (
        factories.site(session, code="CTL-1", lon=117.0, lat=-0.5, name="Sungai Emas"),
        factories.site(session, code="CTL-2", lon=116.8, lat=-0.3, name="Bukit Batu"),
    )


def test_entity_csv_is_in_odk_format(
    session: Session, settings: Settings, two_sites: tuple[Site, Site], tmp_path: Path
) -> None:
    out = write_entities(settings=settings, session=session, path=tmp_path / "sites.csv")
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(COLUMNS)
    row = next(r for r in rows if r["name"] == "CTL-2")
    assert row["geometry"] == "-0.3 116.8 0 0"  # ODK geopoint: lat lon altitude accuracy
    assert row["label"] == "CTL-2 · Bukit Batu" and row["kabupaten"] == "Kutai Kartanegara"
    assert row["status"] == "Diduga"


def test_push_creates_then_updates_only_what_changed(
    session: Session,
    settings: Settings,
    two_sites: tuple[Site, Site],
    central: tuple[CentralState, str],
) -> None:
    state, url = central
    cfg = _settings(settings, url)
    first = push_entities(settings=cfg, session=session)
    n_sites = session.scalar(select(func.count()).select_from(Site))
    assert first.list_created and first.created == n_sites and first.updated == 0
    entities = state.datasets["sites"]["entities"]
    by_code = {e["data"]["code"]: e for e in entities.values()}
    assert by_code["CTL-1"]["label"] == "CTL-1 · Sungai Emas"
    assert by_code["CTL-1"]["data"]["geometry"] == "-0.5 117 0 0"
    assert set(state.datasets["sites"]["properties"]) == {
        "geometry",
        "code",
        "kabupaten",
        "status",
        "priority",
    }
    two_sites[1].kabupaten = "Kutai Barat"
    session.flush()
    second = push_entities(settings=cfg, session=session)
    assert (second.list_created, second.created, second.updated, second.deleted) == (False, 0, 1, 0)
    assert by_code["CTL-2"]["data"]["kabupaten"] == "Kutai Barat"
    assert ("POST", "/v1/sessions") in state.requests


def test_pull_imports_submissions_with_photos_once(
    session: Session,
    settings: Settings,
    two_sites: tuple[Site, Site],
    central: tuple[CentralState, str],
) -> None:
    state, url = central
    iid = "uuid:7d1c0d2a-0001-4a57-9d55-2f7c1bb7a3a1"
    gone = "uuid:7d1c0d2a-0002-4a57-9d55-2f7c1bb7a3a1"
    state.submissions = [
        odata_row(submission(iid, site="CTL-1", result="seized", photos=("a.jpg", "b.jpg"))),
        odata_row(submission(gone, site="CTL-9", photos=())),
    ]
    state.attachments[(iid, "a.jpg")] = make_jpeg(colour=(5, 6, 7))  # b.jpg never uploaded
    cfg = _settings(settings, url)
    summary = pull_from_central(settings=cfg, session=session, actor="ani")
    assert [o.status for o in summary.outcomes] == ["imported", "refused"]
    done = summary.outcomes[0]
    assert done.photos == 1 and [p.name for p in done.photo_problems] == ["b.jpg"]
    row = session.get(OdkSubmission, iid)
    assert row is not None and row.source == "central" and row.submitter == "Tim Lapangan 1"
    inspection = session.get(Inspection, done.inspection_id)
    assert inspection is not None and inspection.result == "seized"
    files = list_evidence(session=session, inspection_id=inspection.id, settings=settings)
    assert [f.name for f in files] == ["a.jpg"]
    assert any("Submissions?$expand=*" in unquote(p) for _, p in state.requests)

    state.attachments[(iid, "b.jpg")] = make_jpeg(colour=(8, 9, 10))
    again = pull_from_central(settings=cfg, session=session, actor="ani")
    assert [o.status for o in again.outcomes] == ["already_imported", "refused"]
    assert again.outcomes[0].photos == 1  # the photo uploaded late joins the same inspection
    assert (
        session.scalar(
            select(func.count()).select_from(Inspection).where(Inspection.site_code == "CTL-1")
        )
        == 1
    )


def test_wrong_password_is_a_clear_error(
    session: Session, settings: Settings, central: tuple[CentralState, str]
) -> None:
    _, url = central
    with pytest.raises(CentralError) as err:
        pull_from_central(settings=_settings(settings, url, password="salah"), session=session)
    assert err.value.field == "odk" and url in str(err.value)
    assert "salah" not in str(err.value)


def test_no_server_configured(session: Session, settings: Settings) -> None:
    with pytest.raises(ConfigurationError) as err:
        push_entities(settings=settings, session=session)
    assert "PANTAU_ODK_BASE_URL" in str(err.value)
