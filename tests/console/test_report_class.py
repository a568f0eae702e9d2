"""A report's console page shows its indicative legal status to analysts and admins only.

The block is the partial the site page uses (``console/_legal_status.html``): class, forest
estate with its share, authority, layer dates and the guidance, called indicative.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from geo.settings import Settings
from tests.console.conftest import World, sign_in, store_class


def signed(client: TestClient, role: str) -> TestClient:
    assert sign_in(client, role).status_code == 303
    return client


@pytest.fixture(scope="module")
def classified(console_settings: Settings, world: World) -> str:
    """The verified report with a stored class, as ``pantau layers classify`` would store it."""
    store_class(console_settings, kind="report", code=world.verified, authority="PROVINSI")
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
