"""One error table and one error body: every domain error, framework error and crash."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.errors import STATUS_CODES, install_error_handlers, status_for
from api.language import negotiate
from api.main import create_app
from geo import errors as ge
from geo.i18n import N_
from geo.settings import Settings


def test_every_domain_error_class_has_a_status() -> None:
    for name in ge.__all__:
        cls = getattr(ge, name)
        if isinstance(cls, type):  # the module also exports N_ and message templates
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

    @app.get("/required")
    def required() -> None:
        raise ge.ValidationError.of(ge.REQUIRED, field="lat")

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
    c = TestClient(_app(), headers={"Accept-Language": "en"})
    r = c.get("/typed", params={"n": "abc"})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "n"
    assert r.json()["error"]["message"].startswith("n: ")
    assert c.get("/nowhere").json()["error"]["code"] == "not_found"


def test_a_domain_error_is_in_indonesian_by_default_and_names_the_field() -> None:
    r = TestClient(_app()).get("/required")
    assert r.status_code == 422
    assert r.json()["error"] == {
        "code": "validation_error",
        "message": "lat wajib diisi",
        "field": "lat",
    }


def test_a_domain_error_is_in_english_when_asked() -> None:
    c = TestClient(_app())
    for header in ("en", "en-GB,en;q=0.9", "fr, en;q=0.5"):
        r = c.get("/required", headers={"Accept-Language": header})
        assert r.json()["error"]["message"] == "lat is required", header
    assert (
        c.get("/required", headers={"Accept-Language": "id, en;q=0.5"}).json()["error"]["message"]
        == "lat wajib diisi"
    )


def test_request_validation_is_in_indonesian_by_default() -> None:
    c = TestClient(_app())
    missing = c.get("/typed").json()["error"]
    assert missing == {"code": "validation_error", "message": "n wajib diisi", "field": "n"}
    wrong = c.get("/typed", params={"n": "abc"}).json()["error"]
    assert wrong["field"] == "n" and wrong["message"].startswith("n tidak sah: ")
    crash = TestClient(_app(), raise_server_exceptions=False).get("/crash").json()["error"]
    assert crash["message"] == "server tidak dapat menyelesaikan permintaan"


def test_the_service_answers_a_bad_token_in_the_readers_language(client: TestClient) -> None:
    bad = {"Authorization": "Bearer ptm_not-a-token"}
    r = client.get("/sites", headers={**bad, "Accept-Language": ""})
    assert r.status_code == 401
    assert r.json()["error"] == {
        "code": "unauthorized",
        "message": "token API tidak dikenal atau sudah dicabut",
        "field": "Authorization",
    }
    en = client.get("/sites", headers={**bad, "Accept-Language": "en"}).json()["error"]
    assert en["message"] == "the API token is unknown or revoked"


def test_the_settings_language_is_the_default(api_settings_obj: Settings) -> None:
    app = create_app(api_settings_obj.model_copy(update={"language": "en"}))
    with TestClient(app) as c:
        r = c.get("/sites", headers={"Authorization": "Bearer ptm_not-a-token"})
        assert r.json()["error"]["message"] == "the API token is unknown or revoked"
        r = c.get("/sites", headers={"Authorization": "Basic x", "Accept-Language": "id"})
        assert r.json()["error"]["message"].startswith("Authorization harus berupa 'Bearer")


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "id"),
        ("", "id"),
        ("en", "en"),
        ("EN-us", "en"),
        ("de, fr", "id"),
        ("en;q=0, id;q=0.1", "id"),
        ("en;q=0.2, id;q=0.1", "en"),
        ("*", "id"),
        ("en;q=abc", "id"),
    ],
)
def test_negotiate(header: str | None, lang: str) -> None:
    assert negotiate(header) == lang


def test_an_error_without_a_template_stays_as_written() -> None:
    assert N_("x") == "x"
    r = TestClient(_app()).get("/domain/NotFound")
    assert r.json()["error"]["message"] == "NotFound happened"


def test_size_limits_and_unknown_paths_speak_the_readers_language(
    api_settings_obj: Settings,
) -> None:
    from tests.api.conftest import app_with

    app = app_with(
        api_settings_obj, max_body_bytes=100, public_rate_per_minute=1000, public_burst=1000
    )
    with TestClient(app) as c:
        big = c.post(
            "/reports",
            content=b"{" + b" " * 500 + b"}",
            headers={"Content-Type": "application/json"},
        )
        assert big.status_code == 413
        assert big.json()["error"]["message"] == "isi permintaan melebihi batas 100 byte"
        big_en = c.post(
            "/reports",
            content=b"{" + b" " * 500 + b"}",
            headers={"Content-Type": "application/json", "Accept-Language": "en"},
        )
        assert big_en.json()["error"]["message"].startswith("the request body is larger")
        nowhere = c.get("/nowhere").json()["error"]
        assert nowhere == {
            "code": "not_found",
            "message": "tidak ada apa pun di alamat ini",
            "field": None,
        }
        public = c.get("/sites").json()["error"]
        assert public["message"].startswith("perlu token API untuk: ")
