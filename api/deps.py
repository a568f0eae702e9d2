"""FastAPI dependencies: the engine, a session per request, the caller, and the public rate limit.

The session dependency has function scope: it commits (or rolls back) when the route returns,
before the response is sent, so a 201 is only ever sent for a committed write.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.security import (
    HTTPAuthorizationCredentials,
    HTTPBearer,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.auth import (
    TokenCache,
    anonymous,
    client_address,
    principal_from_header,
    token_from_authorization,
)
from api.language import request_language
from api.ratelimit import PgRateLimiter
from api.settings import ApiSettings
from geo.settings import Settings
from geo.tokens import Principal, hash_token

__all__ = [
    "get_engine",
    "get_session",
    "get_principal",
    "get_settings",
    "get_api_settings",
    "get_language",
    "public_rate_limit",
    "run_read",
    "run_write",
    "EngineDep",
    "SessionDep",
    "PrincipalDep",
    "BearerDep",
    "SettingsDep",
    "ApiSettingsDep",
    "LanguageDep",
]

T = TypeVar("T")

# Documents the bearer scheme in OpenAPI (the "Authorize" button at /docs); the check itself is
# in api.auth so that a missing header means the public rather than an error.
# QGIS and other desktop GIS send the token as the password of HTTP Basic authentication, which
# api.auth accepts too; FastAPI's HTTPBasic is not used, as it answers a malformed header itself.
_bearer = HTTPBearer(
    auto_error=False,
    description="API token from `pantau tokens create` (or HTTP Basic with the token as password)",
)


# The trivial dependencies are coroutines so that FastAPI does not send them to a thread.
async def get_engine(request: Request) -> Engine:
    """Return the engine owned by the application's lifespan."""
    engine: Engine = request.app.state.engine
    return engine


async def get_settings(request: Request) -> Settings:
    """Return the settings the application was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_api_settings(request: Request) -> ApiSettings:
    """Return the HTTP service settings (``settings.api``) the application was created with."""
    settings: Settings = request.app.state.settings
    return settings.api


async def get_language(request: Request) -> str:
    """Return the reader's language from ``Accept-Language`` (the ``language`` setting else)."""
    return request_language(request)


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
LanguageDep = Annotated[str, Depends(get_language)]
ApiSettingsDep = Annotated[ApiSettings, Depends(get_api_settings)]


async def get_session(engine: EngineDep) -> AsyncIterator[Session]:
    """Yield a session committed when the route returns and rolled back if it raises.

    A coroutine: making the session touches no database, so only the commit (or rollback) and
    close go to a worker thread, in one hop.
    """
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    except BaseException:
        if session.in_transaction():
            await run_in_threadpool(_rollback_and_close, session)
        raise
    if session.in_transaction():
        await run_in_threadpool(_commit_and_close, session)
    else:
        session.close()  # never used, or already ended by run_read: no database work left


async def run_read(session: Session, work: Callable[[Session], T]) -> T:
    """Run ``work(session)`` and end the transaction in the same worker-thread hop.

    For hot read routes declared ``async``: one hop in all, as a plain one-query endpoint has.
    """

    def in_thread() -> T:
        try:
            result = work(session)
            session.commit()
            return result
        finally:
            session.close()

    return await run_in_threadpool(in_thread)


#: For hot write routes declared ``async``: the work and its commit in one worker-thread hop,
#: so that the response (a 201) is built only after the commit.
run_write = run_read


def _commit_and_close(session: Session) -> None:
    try:
        session.commit()
    finally:
        session.close()


def _rollback_and_close(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


#: The bearer scheme, for OpenAPI only (see ``_bearer``).
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def get_principal(
    request: Request,
    session: SessionDep,
    _credentials: BearerDep = None,
) -> Principal:
    """Return who is calling: a token's user and role, or the public.

    The public and tokens in the cache need no database, so no thread; others are verified in
    a worker thread.
    """
    cache: TokenCache = request.app.state.token_cache
    header = request.headers.get("authorization")
    if not header:
        return anonymous(request)
    cached = cache.get(hash_token(token_from_authorization(header)))
    if cached is not None:
        return cached
    return await run_in_threadpool(principal_from_header, request, session, cache)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def public_rate_limit(request: Request, principal: PrincipalDep, api: ApiSettingsDep) -> None:
    """Apply the per-address rate limit to callers without a token."""
    if not principal.is_public:
        return
    limiter: PgRateLimiter = request.app.state.rate_limiter
    key = client_address(request, trust_forwarded_for=api.trust_forwarded_for)
    await limiter.enforce(request.app.state.engine, key)  # a thread only for the database
