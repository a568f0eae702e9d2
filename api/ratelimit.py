"""Per-address rate limits shared by every worker process: token buckets kept in PostgreSQL.

An in-process limiter counts alone, so ``pantau serve --workers 2`` let twice the configured rate
through. Here each bucket is a row of the UNLOGGED table ``rate_limits``, refilled and taken from
in one atomic statement, so all processes (and all hosts on one database) share one count.
UNLOGGED: the buckets are worth nothing after a crash and cost no WAL.

**Leases.** Where the rate allows several requests within :data:`LEASE_S` (four or more), a
process that keeps receiving requests from one address takes tokens from that address's bucket
several at a time and hands them out from memory until they are used or :data:`LEASE_S` has
passed since the last take (leases taken at the same moment add up). The lease doubles each
time one is used up while still fresh, up to a quarter of what the rate gives in
:data:`LEASE_S` (and of the burst), and starts again at one token after a pause. No request is
ever let through without a token taken from the shared bucket, so the configured rate still
holds across processes; a token leased and not used is lost, so a busy address may be refused
slightly early when several processes serve it. At the default public rate (30 a minute) no
lease is larger than one token: every request takes its own. The lease exists for one address
sending many requests (a carrier's shared address; the benchmark): there each request had cost
a thread hop, a pooled connection and a statement, about a third of a public
``POST /reports`` (``benchmarks/api.py``).
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine, text
from starlette.concurrency import run_in_threadpool

from api.errors import ApiError
from geo.i18n import N_

__all__ = ["LEASE_S", "PgRateLimiter"]

#: How long tokens leased to a process may be handed out before they are dropped.
LEASE_S = 1.0
#: Addresses remembered for their leases before the expired ones are forgotten.
_MAX_LEASES = 10_000

# One statement so that two processes cannot both take the last token: the row lock of the
# upsert orders them. It takes up to :want whole tokens (at least one when there is one).
# Hand-written because Core has no ON CONFLICT ... DO UPDATE whose SET refers to the same
# computed refill several times without repeating it; the CTE-free form is clearest.
_TAKE = text(
    """
    INSERT INTO rate_limits AS b (key, tokens, taken, updated_at)
    VALUES (:key, :burst - least(:want, floor(:burst)), least(:want, floor(:burst)),
            clock_timestamp())
    ON CONFLICT (key) DO UPDATE SET
        taken = least(:want, floor(least(:burst, b.tokens
                      + extract(epoch FROM clock_timestamp() - b.updated_at) * :rate))),
        tokens = least(:burst, b.tokens + extract(epoch FROM clock_timestamp() - b.updated_at)
                       * :rate)
                 - least(:want, floor(least(:burst, b.tokens
                         + extract(epoch FROM clock_timestamp() - b.updated_at) * :rate))),
        updated_at = clock_timestamp()
    RETURNING taken, tokens
    """
)
_FORGET = text("DELETE FROM rate_limits WHERE updated_at < clock_timestamp() - interval '1 hour'")


@dataclass
class _Lease:
    """Tokens of one address held by this process."""

    left: int
    expires: float
    size: int


class PgRateLimiter:
    """``rate_per_minute`` requests per minute per key with bursts of ``burst``, in PostgreSQL."""

    def __init__(
        self,
        rate_per_minute: int,
        burst: int,
        *,
        forget_every: int = 1000,
        lease_s: float = LEASE_S,
    ) -> None:
        self.rate = rate_per_minute / 60.0
        self.burst = float(max(burst, 1))
        self.forget_every = forget_every
        self.lease_s = lease_s
        #: The largest lease: a quarter of what the rate gives in a lease's time (and of the
        #: burst); 1 (no lease) for the rates people are limited to.
        self.max_lease = max(1, math.floor(min(self.burst, self.rate * lease_s) / 4))
        self._leases: dict[str, _Lease] = {}
        self._lock = threading.Lock()

    def check(self, engine: Engine, key: str) -> float:
        """Take one request from ``key``'s bucket; return 0 if allowed, else seconds to wait."""
        key = key[:200]
        if self._from_lease(key):
            return 0.0
        want = self._next_size(key)
        # Each statement is atomic on its own: in autocommit it costs one round trip, not
        # three (BEGIN, the statement, COMMIT).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            taken, tokens = conn.execute(
                _TAKE, {"key": key, "burst": self.burst, "rate": self.rate, "want": want}
            ).one()
            if random.randrange(self.forget_every) == 0:  # noqa: S311 - housekeeping, not secrets
                conn.execute(_FORGET)  # keys idle for an hour are full anyway
        if taken >= 1:
            self._keep(key, int(taken) - 1, want)
            return 0.0
        return (1.0 - float(tokens)) / self.rate if self.rate > 0 else 60.0

    async def enforce(self, engine: Engine, key: str) -> None:
        """Raise a 429 with ``Retry-After`` when ``key`` is over its rate.

        From the event loop: a leased token needs no thread, a take from the bucket does.
        """
        if self._from_lease(key[:200]):
            return
        wait = await run_in_threadpool(self.check, engine, key)
        if wait > 0:
            raise ApiError.of(
                429,
                N_("too many requests from this address; retry later"),
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )

    def _from_lease(self, key: str) -> bool:
        """Hand out one token leased earlier, if a fresh one is left."""
        with self._lock:
            lease = self._leases.get(key)
            if lease is None or lease.left < 1 or lease.expires <= time.monotonic():
                return False
            lease.left -= 1
            return True

    def _next_size(self, key: str) -> int:
        """One token, or twice the last lease when it was used up before it expired."""
        with self._lock:
            lease = self._leases.get(key)
            fresh = lease is not None and lease.expires > time.monotonic()
            return min(self.max_lease, 2 * lease.size) if fresh and lease else 1

    def _keep(self, key: str, left: int, size: int) -> None:
        if self.max_lease == 1:
            return  # no lease at this rate: the lookups of the other two find none
        now = time.monotonic()
        with self._lock:
            lease = self._leases.get(key)
            if lease is not None and lease.expires > now:
                # Requests that found the lease used up at the same moment each took a lease:
                # every token taken is kept, none dropped while fresh.
                lease.left += left
                lease.size = max(lease.size, size)
                lease.expires = now + self.lease_s
                return
            if len(self._leases) >= _MAX_LEASES:
                self._leases = {k: v for k, v in self._leases.items() if v.expires > now}
            self._leases[key] = _Lease(left=left, expires=now + self.lease_s, size=size)
