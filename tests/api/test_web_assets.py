"""The web pages' files come from this server: the pinned npm files by allow-list, nothing else."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.requests import Request

from api.web.templating import LANGUAGE_COOKIE, environment, page_context, reader
from geo.i18n import translator


def test_vendor_file_is_served_from_node_modules(client: TestClient) -> None:
    response = client.get("/static/vendor/htmx.min.js")
    assert response.status_code == 200
    assert "htmx" in response.text[:2000]
    assert "immutable" in response.headers["cache-control"]


def test_only_allow_listed_vendor_files_are_reachable(client: TestClient) -> None:
    assert client.get("/static/vendor/leaflet/package.json").status_code == 404
    assert client.get("/static/vendor/../package.json").status_code == 404
    assert client.get("/static/web/../../geo/settings.py").status_code == 404
    assert client.get("/static/web/%2e%2e/templating.py").status_code == 404


def _request(query: str = "", cookie: str = "", accept: str = "") -> Request:
    headers = []
    if cookie:
        headers.append((b"cookie", f"{LANGUAGE_COOKIE}={cookie}".encode()))
    if accept:
        headers.append((b"accept-language", accept.encode()))
    scope = {"type": "http", "query_string": query.encode(), "headers": headers, "app": FastAPI()}
    return Request(scope)


def test_reader_prefers_query_then_cookie_then_header() -> None:
    assert reader(_request("lang=en", cookie="id")).lang == "en"
    assert reader(_request(cookie="en", accept="id")).lang == "en"
    assert reader(_request(accept="en-GB")).lang == "en"
    assert reader(_request("lang=fr")).lang == "id"


def test_templates_escape_translated_values() -> None:
    env = environment()
    html = env.from_string('{{ _("Skip to main content") }} {{ x }}').render(
        page_context(translator("id"), x="<script>")
    )
    assert "&lt;script&gt;" in html
    assert "Skip to main content" not in html  # read in Indonesian
