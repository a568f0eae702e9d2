"""A report's console page shows its indicative legal status to analysts and admins only.

The block is the partial the site page uses (``console/_legal_status.html``): class, forest
estate with its share, authority, layer dates and the guidance, called indicative.
"""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from geo.db import make_engine, session_scope
from geo.layers.models import LayerClassification
from geo.reports.models import Report
from geo.settings import Settings
from tests.console.conftest import World, sign_in


def signed(client: TestClient, role: str) -> TestClient:
    assert sign_in(client, role).status_code == 303
    return client


@pytest.fixture(scope="module")
def classified(console_settings: Settings, world: World) -> str:
    """The verified report with a stored class, as ``pantau layers classify`` would store it."""
    engine = make_engine(console_settings.database.url)
    try:
        with session_scope(engine) as session:
            report = session.scalars(select(Report).where(Report.code == world.verified)).one()
            session.add(
                LayerClassification(
                    object_kind="report",
                    object_id=report.id,
                    object_code=report.code,
                    permit_class="LUAR_WIUP",
                    permit_share=0.0,
                    forest_flags=["HUTAN_LINDUNG"],
                    forest_shares={"HUTAN_LINDUNG": 0.4},
                    authority="PROVINSI",
                    wiup_snapshot_date=dt.date(2026, 5, 1),
                    forest_snapshot_date=dt.date(2026, 4, 1),
                    evaluated_on=dt.date(2026, 11, 30),
                    tolerance_m=50.0,
                )
            )
    finally:
        engine.dispose()
    return world.verified


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_planners_see_the_report_class_with_guidance(
    new_client: TestClient, classified: str, role: str
) -> None:
    text = signed(new_client, role).get(f"/laporan/{classified}").text
    assert 'id="legal-status"' in text
    assert "Status hukum (indikatif)" in text
    assert "LUAR_WIUP" in text
    assert "Pasal 158" in text and "UU 41/1999" in text
    assert "bukan temuan hukum" in text
    assert "1 Mei 2026" in text  # the permit layer's date


@pytest.mark.parametrize("role", ["intake_operator", "field_officer"])
def test_other_roles_never_see_the_report_class(
    new_client: TestClient, classified: str, role: str
) -> None:
    answer = signed(new_client, role).get(f"/laporan/{classified}")
    assert answer.status_code == 200
    assert 'id="legal-status"' not in answer.text
    assert "Pasal 158" not in answer.text


def test_an_unclassified_report_says_so(new_client: TestClient, world: World) -> None:
    text = signed(new_client, "analyst").get(f"/laporan/{world.received[0]}").text
    assert 'id="legal-status"' in text
    assert "Laporan ini belum punya kelas indikatif" in text
