"""Settings of the HTTP service (``PANTAU_API_*``): limits that protect the public endpoints."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ApiSettings"]


class ApiSettings(BaseSettings):
    """Limits and behaviour of the HTTP service; each can be set as ``PANTAU_API_<NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix="PANTAU_API_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    #: Requests a client without a token may make per minute (per client address).
    public_rate_per_minute: int = 30
    #: Requests a client without a token may make in a burst before the rate applies.
    public_burst: int = 10
    #: Largest request body accepted, except evidence uploads.
    max_body_bytes: int = 64 * 1024
    #: Largest evidence upload accepted (the reports library applies its own limit too).
    max_upload_bytes: int = 20 * 1024 * 1024
    #: Default and largest page size of collections.
    default_limit: int = 100
    max_limit: int = 10_000
    #: Upper bound on a patrol plan's solver time budget requested over HTTP (a worker is busy
    #: for that long).
    max_solver_budget_s: float = 60.0
    #: Seconds a verified token is remembered (a revoked token works at most this long longer).
    token_cache_seconds: float = 5.0
    #: Answer GET /sites (and the OGC ``sites`` items) from an in-process cache dropped when the
    #: registry changes (PostgreSQL notifies every process at commit); false reads every time.
    registry_cache: bool = True
    #: Answer POST /reports once the report and its queue row are stored, and link near
    #: duplicates and match sites in batches a fraction of a second later
    #: (``geo.reports.queue``); false does both before answering.
    defer_intake: bool = True
    #: Trust ``X-Forwarded-For`` for the client address (only behind a trusted proxy).
    trust_forwarded_for: bool = False
