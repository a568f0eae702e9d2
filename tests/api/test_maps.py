"""``/maps``: overview HTML for staff only, and the briefing PDF/PNG from headless Chromium."""

from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import bearer


def test_overview_map_is_html_for_staff_only(client: TestClient, tokens: dict[str, str]) -> None:
    assert client.get("/maps/overview").status_code == 401
    r = client.get(
        "/maps/overview",
        params={"lang": "en", "layers": "sites"},
        headers=bearer(tokens["field_officer"]),
    )
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    assert "leaflet" in r.text.lower()
    bad = client.get(
        "/maps/overview",
        params={"layers": "sites,nonsense"},
        headers=bearer(tokens["field_officer"]),
    )
    assert bad.status_code == 422


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Chromium is not installed")
def test_briefing_pdf(client: TestClient, tokens: dict[str, str]) -> None:
    r = client.get(
        "/maps/briefing.pdf", params={"layers": "sites,bases"}, headers=bearer(tokens["analyst"])
    )
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")


def test_overview_map_speaks_the_asked_language(client: TestClient, tokens: dict[str, str]) -> None:
    pages = {
        lang: client.get(
            "/maps/overview", params={"lang": lang}, headers=bearer(tokens["analyst"])
        ).text
        for lang in ("id", "en")
    }
    assert '"Legenda"' in pages["id"] and '"Legend"' not in pages["id"]
    assert '"Legend"' in pages["en"] and '"Legenda"' not in pages["en"]
    assert "never inspected" not in pages["id"] and "status active" not in pages["id"]
