"""Per-address rate limits shared by every worker process: token buckets kept in PostgreSQL.

An in-process limiter counts alone, so ``pantau serve --workers 2`` let twice the configured rate
through. Here each bucket is a row of the UNLOGGED table ``rate_limits``, refilled and taken from
in one atomic statement, so all processes (and all hosts on one database) share one count.
UNLOGGED: the buckets are worth nothing after a crash and cost no WAL.
"""

from __future__ import annotations

import math
import random

from sqlalchemy import Engine, text

from api.errors import ApiError

__all__ = ["PgRateLimiter"]

# One statement so that two processes cannot both take the last token: the row lock of the
# upsert orders them. Hand-written because Core has no ON CONFLICT ... DO UPDATE whose SET
# refers to the same computed refill twice without repeating it; the CTE-free form is clearest.
_TAKE = text(
    """
    INSERT INTO rate_limits AS b (key, tokens, allowed, updated_at)
    VALUES (:key, :burst - 1, true, clock_timestamp())
    ON CONFLICT (key) DO UPDATE SET
        tokens = CASE
            WHEN least(:burst, b.tokens + extract(epoch FROM clock_timestamp() - b.updated_at)
                       * :rate) >= 1
            THEN least(:burst, b.tokens + extract(epoch FROM clock_timestamp() - b.updated_at)
                       * :rate) - 1
            ELSE least(:burst, b.tokens + extract(epoch FROM clock_timestamp() - b.updated_at)
                       * :rate)
        END,
        allowed = least(:burst, b.tokens + extract(epoch FROM clock_timestamp() - b.updated_at)
                        * :rate) >= 1,
        updated_at = clock_timestamp()
    RETURNING allowed, tokens
    """
)
_FORGET = text("DELETE FROM rate_limits WHERE updated_at < clock_timestamp() - interval '1 hour'")


class PgRateLimiter:
    """``rate_per_minute`` requests per minute per key with bursts of ``burst``, in PostgreSQL."""

    def __init__(self, rate_per_minute: int, burst: int, *, forget_every: int = 1000) -> None:
        self.rate = rate_per_minute / 60.0
        self.burst = float(max(burst, 1))
        self.forget_every = forget_every

    def check(self, engine: Engine, key: str) -> float:
        """Take one request from ``key``'s bucket; return 0 if allowed, else seconds to wait."""
        # Each statement is atomic on its own: in autocommit it costs one round trip, not
        # three (BEGIN, the statement, COMMIT) on every public request.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            allowed, tokens = conn.execute(
                _TAKE, {"key": key[:200], "burst": self.burst, "rate": self.rate}
            ).one()
            if random.randrange(self.forget_every) == 0:  # noqa: S311 - housekeeping, not secrets
                conn.execute(_FORGET)  # keys idle for an hour are full anyway
        if allowed:
            return 0.0
        return (1.0 - float(tokens)) / self.rate if self.rate > 0 else 60.0

    def enforce(self, engine: Engine, key: str) -> None:
        """Raise a 429 with ``Retry-After`` when ``key`` is over its rate."""
        wait = self.check(engine, key)
        if wait > 0:
            raise ApiError(
                429,
                "too many requests from this address; retry later",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
