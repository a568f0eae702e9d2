"""``/webhooks/whatsapp``: the WhatsApp Business Cloud API webhook of the hotline.

GET answers Meta's verification handshake; POST takes a signed delivery, stores it and answers
200 at once: a background worker (:mod:`geo.whatsapp.worker`, started by this router's lifespan)
takes the stored deliveries in. Every route answers 404 while the hotline's secrets are unset.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy.orm import Session

from api.deps import SessionDep, SettingsDep, run_write
from api.errors import ApiError
from api.schemas import ERRORS
from geo.settings import Settings, WhatsAppSettings
from geo.whatsapp import Received, receive_delivery, signature_ok
from geo.whatsapp.worker import WhatsAppWorker

__all__ = ["router"]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run the hotline's worker while the application runs (only when the hotline is on)."""
    settings: Settings = app.state.settings
    worker = None
    if settings.whatsapp.enabled:
        worker = WhatsAppWorker(app.state.engine, settings=settings)
        worker.start()
    outer = getattr(app.state, "whatsapp_worker", None)
    app.state.whatsapp_worker = worker
    try:
        yield
    finally:
        if worker is not None:
            worker.stop()
        app.state.whatsapp_worker = outer


router = APIRouter(
    prefix="/webhooks/whatsapp", tags=["whatsapp"], responses=ERRORS, lifespan=lifespan
)


def _hotline(settings: Settings) -> WhatsAppSettings:
    if not settings.whatsapp.enabled:
        raise ApiError(404, "the WhatsApp hotline is not configured", field="path")
    return settings.whatsapp


@router.get("", response_class=PlainTextResponse, summary="Webhook verification")
async def verify(
    settings: SettingsDep,
    mode: Annotated[str | None, Query(alias="hub.mode")] = None,
    token: Annotated[str | None, Query(alias="hub.verify_token", max_length=500)] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=500)] = None,
) -> PlainTextResponse:
    """Answer Meta's handshake with the challenge when the verify token matches, else 403."""
    wa = _hotline(settings)
    expected = wa.verify_token.get_secret_value() if wa.verify_token else ""
    given = (token or "").encode("utf-8")
    if (
        mode != "subscribe"
        or challenge is None
        or not hmac.compare_digest(given, expected.encode("utf-8"))
    ):
        raise ApiError(403, "the verification token does not match", field="hub.verify_token")
    return PlainTextResponse(challenge)


@router.post("", summary="Webhook delivery")
async def deliver(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    signature: Annotated[str | None, Header(alias="X-Hub-Signature-256")] = None,
) -> JSONResponse:
    """Check the signature, store the delivery and answer 200; it is processed in the background."""
    wa = _hotline(settings)
    if not signature:
        raise ApiError(401, "the X-Hub-Signature-256 header is missing", field="signature")
    body = await request.body()
    secret = wa.app_secret.get_secret_value() if wa.app_secret else ""
    if not signature_ok(body, signature, secret):
        raise ApiError(403, "the X-Hub-Signature-256 signature does not match", field="signature")

    def store(s: Session) -> Received:
        return receive_delivery(session=s, body=body, settings=settings)

    received = await run_write(session, store)
    worker: WhatsAppWorker | None = getattr(request.app.state, "whatsapp_worker", None)
    if worker is not None:
        worker.notify()
    return JSONResponse({"status": "accepted", "duplicate": not received.created})
