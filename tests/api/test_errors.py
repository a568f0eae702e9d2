"""One error table and one error body: every domain error, framework error and crash."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.errors import STATUS_CODES, install_error_handlers, status_for
from geo import errors as ge


def test_every_domain_error_class_has_a_status() -> None:
    for name in ge.__all__:
        cls = getattr(ge, name)
        if isinstance(cls, type):  # __all__ also names the catalogue marker and messages
            assert cls in STATUS_CODES, name
    assert status_for(ge.InputFileError("x")) == 422
    assert status_for(ge.InvalidTransition("x")) == 409


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/domain/{kind}")
    def domain(kind: str) -> None:
        raise getattr(ge, kind)(f"{kind} happened", field="thing")

    @app.get("/crash")
    def crash() -> None:
        raise RuntimeError("secret internal detail /etc/passwd")

    @app.get("/typed")
    def typed(n: int) -> int:
        return n

    return app


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("NotFound", 404, "not_found"),
        ("ValidationError", 422, "validation_error"),
        ("Conflict", 409, "conflict"),
        ("PermissionDenied", 403, "permission_denied"),
        ("InvalidTransition", 409, "invalid_transition"),
        ("DatabaseUnavailable", 503, "database_unavailable"),
    ],
)
def test_domain_errors_map_to_status_and_body(kind: str, status: int, code: str) -> None:
    r = TestClient(_app()).get(f"/domain/{kind}")
    assert r.status_code == status
    assert r.json() == {"error": {"code": code, "message": f"{kind} happened", "field": "thing"}}


def test_crash_is_a_500_without_the_traceback() -> None:
    r = TestClient(_app(), raise_server_exceptions=False).get("/crash")
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal_error"
    assert "passwd" not in r.text and "Traceback" not in r.text


def test_request_validation_names_the_field() -> None:
    c = TestClient(_app())
    r = c.get("/typed", params={"n": "abc"})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "n"
    assert r.json()["error"]["message"].startswith("n: ")
    assert c.get("/nowhere").json()["error"]["code"] == "not_found"
