"""API tokens: who may call the HTTP service, with which role, hashed at rest.

A token is shown once, when it is created; the database keeps only its SHA-256 digest and a
short prefix for display, so a copy of the database does not give access to the API. Tokens
are long random strings, so a plain digest (not a slow password hash) is the right tool, as in
GitHub's and PyPI's token schemes.

Examples
--------
>>> from geo.tokens import ROLES
>>> ROLES
('admin', 'analyst', 'field_officer', 'intake_operator')
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import CheckConstraint, DateTime, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from geo.errors import N_, NotFound, ValidationError
from geo.models import Base

__all__ = [
    "ROLES",
    "TOKEN_PREFIX",
    "ApiToken",
    "Principal",
    "create_token",
    "revoke_token",
    "verify_token",
    "list_tokens",
    "hash_token",
]

#: Roles a token can carry; callers without a token are the public.
ROLES: tuple[str, ...] = ("admin", "analyst", "field_officer", "intake_operator")

#: Every token starts with this, so a leaked one is recognisable by secret scanners.
TOKEN_PREFIX = "ptm_"

_DISPLAY_CHARS = 12


class ApiToken(Base):
    """One API token: the user it belongs to, its role, and the digest of its secret."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'analyst', 'field_officer', 'intake_operator')",
            name="ck_api_tokens_role",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    display: Mapped[str] = mapped_column(String(_DISPLAY_CHARS))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user written into the audit trail and their role.

    ``role`` is ``"public"`` and ``token_id`` is ``None`` for a caller without a token.
    """

    user: str
    role: str
    token_id: int | None = None

    @property
    def is_public(self) -> bool:
        """Whether the caller presented no token."""
        return self.token_id is None


def hash_token(token: str) -> str:
    """Return the hex SHA-256 digest under which ``token`` is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(*, session: Session, user: str, role: str) -> tuple[ApiToken, str]:
    """Create a token for ``user`` with ``role``; return the row and the secret (shown once).

    Parameters
    ----------
    session
        Session in which the row is added (the caller commits).
    user
        Name written into the audit trail for every change made with this token.
    role
        One of :data:`ROLES`.

    Returns
    -------
    tuple[ApiToken, str]
        The stored row (without the secret) and the plain token to hand to the user.

    Raises
    ------
    ValidationError
        If ``role`` is unknown or ``user`` is empty or too long.

    Examples
    --------
    >>> row, secret = create_token(session=session, user="rina", role="analyst")
    >>> secret.startswith("ptm_"), row.role
    (True, 'analyst')
    """
    if role not in ROLES:
        raise ValidationError.of(
            N_("{field} was {value!r} but is expected to be one of {allowed}"),
            field="role",
            value=role,
            allowed=", ".join(ROLES),
        )
    user = user.strip()
    if not user or len(user) > 100 or not user.isprintable():
        raise ValidationError.of(
            N_("{field} must be 1 to 100 printable characters, got {n} characters"),
            field="user",
            n=len(user),
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user=user, role=role, token_hash=hash_token(secret), display=secret[:_DISPLAY_CHARS]
    )
    session.add(row)
    session.flush()
    return row, secret


def revoke_token(*, session: Session, token_id: int) -> ApiToken:
    """Revoke the token with id ``token_id``; revoking twice keeps the first revocation time.

    Raises
    ------
    NotFound
        If no token has that id.

    Examples
    --------
    >>> row, _ = create_token(session=session, user="budi", role="field_officer")
    >>> revoke_token(session=session, token_id=row.id).revoked_at is not None
    True
    """
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound.of(
            N_("no API token with id {token_id}"), field="token_id", token_id=token_id
        )
    if row.revoked_at is None:
        row.revoked_at = dt.datetime.now(dt.UTC)
        session.flush()
    return row


def verify_token(*, session: Session, token: str) -> Principal | None:
    """Return the :class:`Principal` for a presented token, or ``None`` if it is not valid.

    Unknown, malformed and revoked tokens all give ``None`` so that a caller cannot tell them
    apart.

    Examples
    --------
    >>> verify_token(session=session, token="ptm_not-a-real-token") is None
    True
    >>> _, secret = create_token(session=session, user="sari", role="admin")
    >>> verify_token(session=session, token=secret).role
    'admin'
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.execute(
        select(ApiToken.id, ApiToken.user, ApiToken.role).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    ).first()
    if row is None:
        return None
    return Principal(user=row.user, role=row.role, token_id=row.id)


def list_tokens(*, session: Session, include_revoked: bool = False) -> list[ApiToken]:
    """Return the tokens, oldest first (never their secrets, which are not stored).

    Examples
    --------
    >>> _ = create_token(session=session, user="dewi", role="intake_operator")
    >>> "intake_operator" in [t.role for t in list_tokens(session=session)]
    True
    """
    query = select(ApiToken).order_by(ApiToken.id)
    if not include_revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    return list(session.scalars(query))
