"""Liveness and readiness, including a database that is not there."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.main import create_app
from geo.settings import DatabaseSettings, Settings


def test_live_and_ready(client: TestClient) -> None:
    assert client.get("/health/live").json() == {"status": "ok", "postgis": None, "detail": None}
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok" and ready.json()["postgis"][0].isdigit()


def test_ready_is_503_when_the_database_is_unreachable(api_settings_obj: Settings) -> None:
    dead = api_settings_obj.model_copy(
        update={
            "database": DatabaseSettings(
                url="postgresql+psycopg://pantau:wrong@127.0.0.1:1/nowhere"
            )
        }
    )
    with TestClient(create_app(dead)) as c:
        assert c.get("/health/live").status_code == 200
        ready = c.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["status"] == "unavailable"
        assert "wrong" not in ready.text  # the password never leaks


def test_docs_and_openapi_have_examples(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert "/ogc/collections/{collectionId}/items" in schema["paths"]
    site_create = schema["components"]["schemas"]["SiteCreate"]
    assert site_create["examples"][0]["code"] == "KKR-901"
    assert "HTTPBearer" in schema["components"]["securitySchemes"]


def test_every_documented_example_is_accepted_by_its_schema() -> None:
    from api import schemas

    models = [
        schemas.SiteCreate,
        schemas.SiteUpdate,
        schemas.ReportIn,
        schemas.TransitionIn,
        schemas.PlanIn,
        schemas.InspectionIn,
        schemas.PromoteIn,
        schemas.DismissIn,
    ]
    for model in models:
        examples = model.model_json_schema().get("examples", [])
        assert examples, model.__name__
        for example in examples:
            model.model_validate(example)
