"""Who may do what: roles, the bearer token check, and the per-client rate limit for the public.

Roles are those of :data:`geo.tokens.ROLES` plus ``public`` (no token). The sets below are the
single place that says which role sees what; routes ask for a set, never for a role by name.
"""

from __future__ import annotations

import base64
import binascii
import math
import threading
import time
from collections import OrderedDict

from fastapi import Request
from sqlalchemy.orm import Session

from api.errors import ApiError
from geo.i18n import N_
from geo.tokens import Principal, hash_token, verify_token

__all__ = [
    "PUBLIC",
    "ANY_STAFF",
    "READERS",
    "SITE_EDITORS",
    "REPORT_READERS",
    "REPORT_HANDLERS",
    "IDENTITY_READERS",
    "PATROL_PLANNERS",
    "INSPECTORS",
    "MAP_READERS",
    "anonymous",
    "principal_from_header",
    "require",
    "RateLimiter",
    "TokenCache",
    "client_address",
    "PRIVACY_AUDIENCE",
    "audience",
]

PUBLIC = "public"

#: Every role that holds a token.
ANY_STAFF = frozenset({"admin", "analyst", "field_officer", "intake_operator"})
#: Who may read the site registry, hotspots and patrol routes.
READERS = ANY_STAFF
#: Who may create and edit sites.
SITE_EDITORS = frozenset({"admin"})
#: Who may list and read reports (never with identity unless in IDENTITY_READERS).
REPORT_READERS = ANY_STAFF
#: Who may move a report through its lifecycle.
REPORT_HANDLERS = frozenset({"admin", "analyst", "intake_operator"})
#: Who may see a reporter's name and phone.
IDENTITY_READERS = frozenset({"admin", "intake_operator"})
#: Who may plan patrols and promote or dismiss hotspots.
PATROL_PLANNERS = frozenset({"admin", "analyst"})
#: Who may record an inspection.
INSPECTORS = frozenset({"admin", "analyst", "field_officer"})
#: Who may fetch maps and briefings.
MAP_READERS = ANY_STAFF


def anonymous(request: Request) -> Principal:
    """Return the principal of a caller without a token.

    Recorded as just ``public``: a reporter's network address could identify them, so it is
    used for the rate limit in memory and never written to the audit trail.
    """
    return Principal(user="public", role=PUBLIC)


def client_address(request: Request, *, trust_forwarded_for: bool = False) -> str:
    """Return the caller's address (the first ``X-Forwarded-For`` hop only when trusted)."""
    if trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        first = forwarded.split(",")[0].strip()
        if first:
            return first[:64]
    return request.client.host if request.client else "unknown"


class TokenCache:
    """Recently verified tokens, kept for ``ttl_s`` seconds to spare a query per request.

    Keyed by the token's digest, never the token. A revoked token therefore keeps working for at
    most ``ttl_s`` seconds in a running server (0 disables the cache).
    """

    def __init__(self, ttl_s: float, max_entries: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> Principal | None:
        """Return the cached principal for ``digest`` if it is still fresh."""
        if self.ttl_s <= 0:
            return None
        hit = self._entries.get(digest)
        if hit is None or hit[1] < time.monotonic():
            return None
        return hit[0]

    def put(self, digest: str, principal: Principal) -> None:
        """Remember a verified principal for ``ttl_s`` seconds."""
        if self.ttl_s <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[digest] = (principal, time.monotonic() + self.ttl_s)


def token_from_authorization(header: str) -> str:
    """Return the API token of an ``Authorization`` header: ``Bearer <token>`` or HTTP Basic.

    Basic authentication carries the token as the password (any user name), because that is what
    QGIS and other desktop GIS offer for OGC API services: ``Basic base64(user:token)``.
    """
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        _user, sep, password = decoded.partition(":")
        if sep and password.strip():
            return password.strip()
    raise ApiError.of(
        401,
        N_("Authorization must be 'Bearer <token>', or Basic with the token as the password"),
        field="Authorization",
        headers={"WWW-Authenticate": 'Bearer, Basic realm="Pantau Tambang"'},
    )


def principal_from_header(
    request: Request, session: Session, cache: TokenCache | None = None
) -> Principal:
    """Return the caller's principal from ``Authorization`` (Bearer, or Basic with the token).

    No header means the public; a header with an unknown or revoked token is a 401 rather than a
    silent downgrade to the public, so that a misconfigured client notices.
    """
    header = request.headers.get("authorization")
    if not header:
        return anonymous(request)
    token = token_from_authorization(header)
    digest = hash_token(token)
    cached = cache.get(digest) if cache is not None else None
    if cached is not None:
        return cached
    principal = verify_token(session=session, token=token)
    if principal is not None and cache is not None:
        cache.put(digest, principal)
    if principal is None:
        raise ApiError.of(
            401,
            N_("the API token is unknown or revoked"),
            field="Authorization",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


def require(principal: Principal, roles: frozenset[str], action: str) -> None:
    """Raise 401 (no token) or 403 (wrong role) unless ``principal`` has one of ``roles``."""
    if principal.role in roles:
        return
    if principal.is_public:
        raise ApiError.of(
            401,
            N_("{action} needs an API token"),
            action=action,
            field="Authorization",
            headers={"WWW-Authenticate": "Bearer"},
        )
    raise ApiError.of(
        403,
        N_("role {role!r} may not {action}; allowed roles: {allowed}"),
        field="Authorization",
        role=principal.role,
        action=action,
        allowed=sorted(roles),
    )


class RateLimiter:
    """Token buckets per client address, in process memory (one bucket per address).

    ``rate_per_minute`` requests per minute with bursts of ``burst``; the least recently seen
    addresses are forgotten beyond ``max_clients`` so memory stays bounded under a flood.
    """

    def __init__(self, rate_per_minute: int, burst: int, max_clients: int = 100_000) -> None:
        self.rate = rate_per_minute / 60.0
        self.burst = float(max(burst, 1))
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, key: str) -> float:
        """Take one request from ``key``'s bucket; return 0 if allowed, else seconds to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / self.rate if self.rate > 0 else 60.0
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return wait

    def enforce(self, key: str) -> None:
        """Raise a 429 with ``Retry-After`` when ``key`` is over its rate."""
        wait = self.check(key)
        if wait > 0:
            raise ApiError.of(
                429,
                N_("too many requests from this address; retry later"),
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )


#: The audience of :func:`geo.reports.redact` for each role: the one redaction gate decides
#: what a role may see of a report.
PRIVACY_AUDIENCE: dict[str, str] = {
    "public": "public",
    "field_officer": "field_team",
    "analyst": "analyst",
    "intake_operator": "operator",
    "admin": "admin",
}


def audience(principal: Principal) -> str:
    """Return the redaction audience of ``principal``'s role."""
    return PRIVACY_AUDIENCE[principal.role]
