"""The FastAPI application factory: one engine per process, owned by the lifespan.

Run it with ``pantau serve`` or ``uvicorn --factory api.main:create_app``. Tests build their own
application with ``create_app(settings=...)`` pointing at a throw-away database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response

from api.auth import TokenCache
from api.errors import TOO_LARGE, LocalizedHTTPException, install_error_handlers
from api.language import negotiate
from api.ratelimit import PgRateLimiter
from api.routes import ROUTERS
from api.routes import whatsapp as whatsapp_routes
from api.web import assets as web_assets
from api.web import console as web_console
from api.web import lapor as web_lapor
from geo.db import make_engine
from geo.featurecache import CollectionCache
from geo.features import FeaturePage
from geo.i18n import translator
from geo.models import Site
from geo.reports.queue import IntakeWorker
from geo.settings import Settings, get_settings

__all__ = ["create_app", "BodySizeLimit"]

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

DESCRIPTION = """
Pantau Tambang: the registry of suspect illegal-mining (PETI) sites in East Kalimantan,
public reports, hotspots, patrol plans and maps, over HTTP.

* **Public** (no token): submit a report with evidence, and read its status by tracking code.
* **Staff**: send `Authorization: Bearer <token>` (tokens from `pantau tokens create --role ...`).
  Roles: `admin`, `analyst`, `field_officer`, `intake_operator`.
* **OGC API - Features** at [`/ogc`](/ogc) for QGIS, GDAL and One Map portals.

Every error has the body `{"error": {"code", "message", "field"}}`.
"""


#: Most GeoJSON the registry cache holds per process (the bytes of its pages; a single site's
#: text counted by characters): ~60 pages of the whole national registry of 2,741 sites.
REGISTRY_CACHE_BYTES = 64 * 1024 * 1024


def _size(value: FeaturePage | str) -> int:
    return len(value.features_utf8 if isinstance(value, FeaturePage) else value)


class BodySizeLimit:
    """ASGI middleware refusing bodies over a limit with 413, before or while they arrive.

    Uploads (multipart) get ``upload_limit``; every other body gets ``body_limit``. Bodies
    without a Content-Length are counted as they stream in.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        body_limit: int,
        upload_limit: int,
        language: str = "id",
        page: Callable[[MutableMapping[str, Any], int], Response | None] | None = None,
    ) -> None:
        self.app = app
        self.body_limit = body_limit
        self.upload_limit = upload_limit
        self.language = language
        #: The answer for the requests of a web page (``/lapor``), None for the API's JSON.
        self.page = page

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        """Refuse an oversized body with 413, else pass the request on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        limit = self.upload_limit if "multipart/" in content_type else self.body_limit
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            page = self.page(scope, limit) if self.page is not None else None
            if page is not None:
                await page(scope, receive, send)
                return
            lang = negotiate(headers.get(b"accept-language", b"").decode("latin-1"), self.language)
            await _send_413(send, limit, lang)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise LocalizedHTTPException(413, TOO_LARGE, limit=limit)
            return message

        await self.app(scope, limited_receive, send)


async def _send_413(send: Send, limit: int, lang: str) -> None:
    import json

    body = json.dumps(
        {
            "error": {
                "code": "payload_too_large",
                "message": translator(lang).gettext(TOO_LARGE, limit=limit),
                "field": "body",
            }
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _document_errors_as_json(app: FastAPI) -> None:
    """Document every non-2xx response as ``application/json`` ErrorResponse.

    FastAPI documents a route's error models under the route's own media type, which for
    GeoJSON routes would claim errors are ``application/geo+json``; they never are.
    """
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        ref = {"$ref": "#/components/schemas/ErrorResponse"}
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                for status, response in operation.get("responses", {}).items():
                    if status.startswith("2"):
                        continue
                    content = response.get("content", {})
                    if any("ErrorResponse" in str(v) for v in content.values()):
                        response["content"] = {"application/json": {"schema": ref}}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application; its lifespan creates the one engine and disposes of it.

    Parameters
    ----------
    settings
        The settings tree (database URL, secret key, data folder, and the HTTP service's limits
        in ``settings.api``); default :func:`~geo.settings.get_settings`, read once per process.

    Examples
    --------
    >>> from api.main import create_app
    >>> app = create_app()
    >>> app.title
    'Pantau Tambang API'
    """
    settings = settings or get_settings()
    api_settings = settings.api

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # A second run of the lifespan on the same app (schemathesis' ``from_asgi``, a second
        # TestClient) hands the first run's engine and cache back when it ends, rather than
        # leaving a disposed engine and a stopped cache behind for the first run's requests.
        outer = getattr(app.state, "engine", None), getattr(app.state, "registry_cache", None)
        engine = make_engine(settings=settings)
        app.state.engine = engine
        registry_cache = None
        if api_settings.registry_cache:
            registry_cache = CollectionCache[FeaturePage | str](
                engine, max_entries=256, weigh=_size, max_weight=REGISTRY_CACHE_BYTES
            )
            registry_cache.watch_sessions(Site)
            registry_cache.start()
        app.state.registry_cache = registry_cache
        outer_worker = getattr(app.state, "intake_worker", None)
        intake_worker = None
        if api_settings.defer_intake:
            intake_worker = IntakeWorker(engine, settings=settings)
            intake_worker.start()
        app.state.intake_worker = intake_worker
        try:
            yield
        finally:
            if intake_worker is not None:
                intake_worker.stop()  # drains what is queued first
            app.state.intake_worker = outer_worker
            if registry_cache is not None:
                registry_cache.stop()
            engine.dispose()
            if outer[0] is not None:
                app.state.engine, app.state.registry_cache = outer

    app = FastAPI(
        title="Pantau Tambang API",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.rate_limiter = PgRateLimiter(
        api_settings.public_rate_per_minute, api_settings.public_burst
    )
    app.state.token_cache = TokenCache(api_settings.token_cache_seconds)
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(whatsapp_routes.router)  # the hotline webhook (404 until configured)
    app.include_router(web_assets.router)  # the web pages' files, served with no CDN
    app.include_router(web_lapor.router)  # the public report page /lapor
    web_console.mount(app, settings)  # the staff console at /
    _document_errors_as_json(app)
    app.add_middleware(
        BodySizeLimit,
        body_limit=api_settings.max_body_bytes,
        upload_limit=api_settings.max_upload_bytes,
        language=settings.language,
        page=web_lapor.too_large_page,
    )
    return app
