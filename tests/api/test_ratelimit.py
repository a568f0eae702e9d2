"""The shared rate limit's buckets and leases, against PostgreSQL (``api.ratelimit``)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, event, text

from api.ratelimit import PgRateLimiter


@pytest.fixture
def takes(api_engine: Engine) -> Iterator[list[str]]:
    """The statements sent to ``rate_limits`` while the test runs (buckets emptied around it)."""
    with api_engine.begin() as conn:
        conn.execute(text("DELETE FROM rate_limits"))
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "rate_limits" in statement:
            seen.append(statement)

    event.listen(api_engine, "before_cursor_execute", record)
    yield seen
    event.remove(api_engine, "before_cursor_execute", record)
    with api_engine.begin() as conn:
        conn.execute(text("DELETE FROM rate_limits"))


def _bucket(engine: Engine, key: str) -> tuple[float, int]:
    with engine.connect() as conn:
        tokens, taken = conn.execute(
            text("SELECT tokens, taken FROM rate_limits WHERE key = :key"), {"key": key}
        ).one()
    return float(tokens), int(taken)


def test_people_rates_take_one_token_per_request(api_engine: Engine, takes: list[str]) -> None:
    # The default public rate (30 a minute, bursts of 10): no lease, each request its own take.
    limiter = PgRateLimiter(30, 10)
    assert limiter.max_lease == 1
    waits = [limiter.check(api_engine, "10.0.0.1") for _ in range(11)]
    assert waits[:10] == [0.0] * 10 and waits[10] > 0
    assert len(takes) == 11
    tokens, taken = _bucket(api_engine, "10.0.0.1")
    assert taken == 0 and tokens < 1


def test_a_busy_address_leases_tokens_and_never_gets_more_than_taken(
    api_engine: Engine, takes: list[str]
) -> None:
    # 1,000 a second in bursts of 1,000: leases of 1, 2, 4, ... up to 250 tokens.
    limiter = PgRateLimiter(60_000, 1000, lease_s=30.0)
    assert limiter.max_lease == 250
    assert all(limiter.check(api_engine, "10.0.0.2") == 0 for _ in range(200))
    assert len(takes) == 8  # 1 + 2 + 4 + ... + 128 = 255 tokens for 200 requests
    assert _bucket(api_engine, "10.0.0.2")[1] == 128  # the last lease; 55 tokens still held


def test_a_lease_expires_and_starts_again_at_one(api_engine: Engine, takes: list[str]) -> None:
    limiter = PgRateLimiter(60_000, 1000, lease_s=0.2)  # max lease: 50 tokens
    for _ in range(3):  # leases 1 and 2: one token of the second is left
        limiter.check(api_engine, "10.0.0.3")
    assert len(takes) == 2
    time.sleep(0.25)
    limiter.check(api_engine, "10.0.0.3")  # the left token expired: a new take, of one
    assert len(takes) == 3
    assert _bucket(api_engine, "10.0.0.3")[1] == 1


def test_leases_of_two_processes_share_one_bucket(api_engine: Engine, takes: list[str]) -> None:
    # Two limiters stand for two worker processes. The bucket holds 40 tokens and refills one
    # every 10 s (6 a minute), yet leases are allowed (the burst is what leases draw on here):
    # together the two let exactly what the bucket had through, however they lease it.
    first = PgRateLimiter(6, 40, lease_s=30.0)
    second = PgRateLimiter(6, 40, lease_s=30.0)
    first.max_lease = second.max_lease = 8
    allowed = 0
    for i in range(60):
        limiter = first if i % 3 else second
        allowed += limiter.check(api_engine, "10.0.0.4") == 0
    assert allowed <= 40
    assert allowed >= 40 - 2 * 8  # at most a lease per process left unused
