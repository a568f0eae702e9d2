"""``fetch_alerts`` against a local server on 127.0.0.1 that speaks the Data API's query shape."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy.orm import Session

from geo.alerts import service
from geo.alerts.client import AlertSourceError
from geo.alerts.readers import CONFIDENCE, DATE
from geo.errors import ConfigurationError
from geo.i18n import translator
from geo.settings import Settings

KEY = "test-key-not-a-secret"
PATH = "/dataset/gfw_integrated_alerts/latest/query/json"


class DataApi(BaseHTTPRequestHandler):
    """Answers like the GFW Data API: data on success, ``status: failed`` otherwise."""

    seen: list[dict[str, Any]] = []

    def _answer(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        DataApi.seen.append({"path": self.path, "key": self.headers.get("x-api-key"), **body})
        if self.path != PATH:
            self._answer(404, {"status": "failed", "message": "Not Found"})
        elif self.headers.get("x-api-key") != KEY:
            self._answer(401, {"status": "failed", "message": "Invalid API key"})
        elif "FROM results" not in body.get("sql", ""):
            self._answer(422, {"status": "failed", "message": "Bad SQL"})
        else:
            rows = [
                {"latitude": 0.5, "longitude": 117.5, DATE: "2026-11-20", CONFIDENCE: "highest"},
                {"latitude": 0.5, "longitude": 117.5001, DATE: "2026-11-20", CONFIDENCE: "high"},
                {"latitude": 5.0, "longitude": 117.5, DATE: "2026-11-21", CONFIDENCE: "high"},
            ]
            self._answer(200, {"data": rows, "status": "success"})

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """Keep the test output quiet."""


@pytest.fixture(scope="module")
def data_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), DataApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _with(settings: Settings, **alerts: Any) -> Settings:
    return settings.model_copy(update={"alerts": settings.alerts.model_copy(update=alerts)})


def test_fetch_stores_the_answer_once(
    session: Session, alert_settings: Settings, data_api: str
) -> None:
    from pydantic import SecretStr

    settings = _with(alert_settings, api_url=data_api + "/", api_key=SecretStr(KEY))
    DataApi.seen.clear()
    until = dt.date(2026, 11, 30)
    first = service.fetch_alerts(
        session=session, settings=settings, actor="t", days=10, until=until, patch=False
    )
    assert (first.rows_read, first.outside_aoi, first.added) == (3, 1, 2)
    again = service.fetch_alerts(
        session=session, settings=settings, actor="t", days=10, until=until, patch=False
    )
    assert again.added == 0
    asked = DataApi.seen[0]
    assert asked["path"] == PATH and asked["key"] == KEY
    assert ">= '2026-11-21'" in asked["sql"] and "<= '2026-11-30'" in asked["sql"]
    assert asked["geometry"]["type"] == "Polygon"
    assert asked["geometry"]["coordinates"][0][0] == [117.0, 0.0]


def test_an_error_answer_is_reported_without_the_key(
    session: Session, alert_settings: Settings, data_api: str
) -> None:
    from pydantic import SecretStr

    settings = _with(alert_settings, api_url=data_api, api_key=SecretStr("wrong-key"))
    with pytest.raises(AlertSourceError) as err:
        service.fetch_alerts(session=session, settings=settings, actor="t", patch=False)
    assert "401" in str(err.value) and "Invalid API key" in str(err.value)
    assert "wrong-key" not in str(err.value)
    assert err.value.localized(translator("id")).startswith("Data API GFW menjawab 401")
    with pytest.raises(ConfigurationError, match="PANTAU_ALERTS_API_KEY"):
        service.fetch_alerts(
            session=session, settings=_with(alert_settings, api_url=data_api), actor="t"
        )
    closed = _with(alert_settings, api_url="http://127.0.0.1:9", api_key=SecretStr(KEY))
    with pytest.raises(AlertSourceError, match="cannot be reached"):
        service.fetch_alerts(session=session, settings=closed, actor="t", patch=False)
