"""Fixtures of the hotline tests: settings with the hotline on, the Graph stand-in, a client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from geo.settings import Settings, WhatsAppSettings
from geo.whatsapp import process_deliveries, receive_delivery, send_replies
from geo.whatsapp.conversations import Outcome
from geo.whatsapp.graph import GraphClient
from tests.geo.whatsapp.fakes import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    GraphStandIn,
    graph_stand_in,
)


def hotline(graph_url: str, **overrides: Any) -> WhatsAppSettings:
    return WhatsAppSettings(
        app_secret=APP_SECRET,
        verify_token=VERIFY_TOKEN,
        access_token=ACCESS_TOKEN,
        phone_number_id=PHONE_NUMBER_ID,
        graph_url=graph_url,
        http_attempts=3,
        http_backoff_s=0.01,
        http_timeout_s=5,
        **overrides,
    )


@pytest.fixture
def graph() -> Iterator[GraphStandIn]:
    with graph_stand_in() as stand_in:
        yield stand_in


@pytest.fixture
def wsettings(settings: Settings, graph: GraphStandIn) -> Settings:
    return settings.model_copy(update={"whatsapp": hotline(graph.graph_url)})


@pytest.fixture
def client(wsettings: Settings) -> Iterator[GraphClient]:
    graph_client = GraphClient(wsettings.whatsapp)
    yield graph_client
    graph_client.close()


class Desk:
    """Feeds deliveries in the way the webhook and the worker do, in the test's session."""

    def __init__(self, session: Session, settings: Settings, client: GraphClient) -> None:
        self.session, self.settings, self.client = session, settings, client

    def deliver(self, body: dict[str, Any], *, now: Any = None) -> Outcome:
        raw = json.dumps(body).encode()
        receive_delivery(session=self.session, body=raw, settings=self.settings)
        out = process_deliveries(
            session=self.session, client=self.client, settings=self.settings, now=now
        )
        send_replies(out.replies, client=self.client)
        return out


@pytest.fixture
def desk(session: Session, wsettings: Settings, client: GraphClient) -> Desk:
    return Desk(session, wsettings, client)
