"""Tokens over HTTP: revocation takes effect (immediately without the cache, within its TTL with
it), and the rate limiter's buckets refill."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.auth import RateLimiter, TokenCache
from geo.db import session_scope
from geo.settings import Settings
from geo.tokens import Principal, create_token, revoke_token
from tests.api.conftest import app_with, bearer


def _token(engine: Engine, role: str = "analyst") -> tuple[int, str]:
    with session_scope(engine) as session:
        row, secret = create_token(session=session, user="revokee", role=role)
        return row.id, secret


def _revoke(engine: Engine, token_id: int) -> None:
    with session_scope(engine) as session:
        revoke_token(session=session, token_id=token_id)


def test_revoked_token_is_refused_at_once_without_cache(
    api_settings_obj: Settings, api_engine: Engine
) -> None:
    token_id, secret = _token(api_engine)
    app = app_with(api_settings_obj, token_cache_seconds=0)
    with TestClient(app) as c:
        assert c.get("/sites?limit=1", headers=bearer(secret)).status_code == 200
        _revoke(api_engine, token_id)
        assert c.get("/sites?limit=1", headers=bearer(secret)).status_code == 401


def test_revoked_token_is_refused_once_the_cache_expires(
    api_settings_obj: Settings, api_engine: Engine
) -> None:
    token_id, secret = _token(api_engine)
    app = app_with(api_settings_obj, token_cache_seconds=0.5)
    with TestClient(app) as c:
        assert c.get("/sites?limit=1", headers=bearer(secret)).status_code == 200
        _revoke(api_engine, token_id)
        time.sleep(0.6)
        assert c.get("/sites?limit=1", headers=bearer(secret)).status_code == 401


def test_token_cache_keeps_digests_and_expires() -> None:
    cache = TokenCache(ttl_s=0.2)
    p = Principal(user="a", role="admin", token_id=1)
    cache.put("d" * 64, p)
    assert cache.get("d" * 64) == p and cache.get("e" * 64) is None
    time.sleep(0.25)
    assert cache.get("d" * 64) is None


def test_rate_limiter_refills_per_client() -> None:
    limiter = RateLimiter(rate_per_minute=600, burst=2)  # 10 per second
    assert [limiter.check("a") == 0 for _ in range(3)] == [True, True, False]
    assert limiter.check("b") == 0  # another client has its own bucket
    time.sleep(0.15)
    assert limiter.check("a") == 0
