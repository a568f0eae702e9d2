"""The WhatsApp webhook over HTTP: handshake, signatures, storing at once, processing after."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from geo.settings import Settings
from geo.whatsapp.models import Delivery, Message
from tests.api.conftest import app_with
from tests.geo.whatsapp.conftest import hotline
from tests.geo.whatsapp.fakes import (
    BUDI,
    VERIFY_TOKEN,
    GraphStandIn,
    delivery,
    graph_stand_in,
    location,
    sign,
    status,
)
from tests.geo.whatsapp.fakes import (
    text as text_message,
)

URL = "/webhooks/whatsapp"


@pytest.fixture(scope="module")
def graph() -> Iterator[GraphStandIn]:
    with graph_stand_in() as stand_in:
        yield stand_in


@pytest.fixture(scope="module")
def wa(api_settings_obj: Settings, graph: GraphStandIn) -> Iterator[TestClient]:
    settings = api_settings_obj.model_copy(update={"whatsapp": hotline(graph.graph_url)})
    app = app_with(settings, public_rate_per_minute=100_000, public_burst=100_000)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _deliveries(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(Delivery)) or 0)


def _post(c: TestClient, body: bytes, signature: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return c.post(URL, content=body, headers=headers).status_code


def test_the_handshake_answers_the_challenge_only_for_the_verify_token(wa: TestClient) -> None:
    ok = wa.get(
        URL,
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    bad = wa.get(
        URL, params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}
    )
    assert bad.status_code == 403 and bad.text != "1"
    wrong_mode = wa.get(
        URL,
        params={"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
    )
    assert wrong_mode.status_code == 403
    assert wa.get(URL).status_code == 403


def test_a_missing_or_bad_signature_is_refused_and_nothing_stored(
    wa: TestClient, api_engine: Engine
) -> None:
    body = json.dumps(delivery(text_message("wamid.sig", "palsu"))).encode()
    before = _deliveries(api_engine)
    assert _post(wa, body, None) == 401
    assert _post(wa, body, "sha256=" + "0" * 64) == 403
    assert _post(wa, body, sign(body, "not-the-app-secret")) == 403
    assert _post(wa, body + b"\n", sign(body)) == 403
    assert _deliveries(api_engine) == before
    with Session(api_engine) as s:
        assert s.get(Message, "wamid.sig") is None


def test_a_signed_delivery_is_stored_at_once_and_processed_in_the_background(
    wa: TestClient, api_engine: Engine, graph: GraphStandIn
) -> None:
    body = json.dumps(
        delivery(
            text_message("wamid.api1", "Ada tambang emas di Kecamatan Loa Kulu"),
            location("wamid.api2", -0.42, 117.0),
            text_message("wamid.api3", "selesai"),
        )
    ).encode()
    before = _deliveries(api_engine)
    response = wa.post(URL, content=body, headers={"X-Hub-Signature-256": sign(body)})
    assert response.status_code == 200 and response.json()["duplicate"] is False
    assert _deliveries(api_engine) == before + 1
    # Meta retries: the same body again is answered 200 and stored once.
    again = wa.post(URL, content=body, headers={"X-Hub-Signature-256": sign(body)})
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert _deliveries(api_engine) == before + 1
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not graph.sent:
        time.sleep(0.1)
    assert len(graph.sent) == 1 and graph.sent[0]["to"] == BUDI[0]
    with Session(api_engine) as s:
        code = s.execute(
            text(
                "SELECT r.code FROM whatsapp_conversations c JOIN reports r ON r.id = c.report_id "
                "JOIN whatsapp_messages m ON m.conversation_id = c.id WHERE m.wamid = 'wamid.api1'"
            )
        ).scalar_one()
        assert (
            s.scalar(
                select(func.count()).select_from(Message).where(Message.wamid.like("wamid.api%"))
            )
            == 3
        )
    assert code in graph.sent[0]["text"]["body"]


def test_a_status_only_delivery_is_accepted(wa: TestClient, api_engine: Engine) -> None:
    body = json.dumps(delivery(statuses=[status("wamid.out9", "read")])).encode()
    assert _post(wa, body, sign(body)) == 200


def test_the_webhook_is_off_until_the_secrets_are_set(client: TestClient) -> None:
    assert (
        client.get(
            URL, params={"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
        ).status_code
        == 404
    )
    body = b"{}"
    assert _post(client, body, sign(body)) == 404
