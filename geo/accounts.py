"""Staff accounts of the web console: users with a role, argon2 passwords, server-side sessions.

API tokens (:mod:`geo.tokens`) stay for machines; people sign in to the console with a user
name and a password. Passwords are hashed with argon2id (``argon2-cffi``, its default
parameters); a session is a random id kept in the browser's cookie, of which the database holds
only the SHA-256 digest, beside a CSRF token and the times that end it (idle and absolute).

Examples
--------
>>> user = create_user(session=session, username="Ani", role="analyst", password="rahasia-ani-1")
>>> user.username, user.role
('ani', 'analyst')
>>> authenticate(session=session, username="ani", password="rahasia-ani-1").username
'ani'
>>> opened = open_session(session=session, user=user)
>>> resume_session(session=session, session_id=opened.session_id,
...                idle=dt.timedelta(minutes=30), max_age=dt.timedelta(hours=12)).user.username
'ani'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from geo.errors import N_, Conflict, NotFound, PermissionDenied, ValidationError
from geo.models import Base
from geo.tokens import ROLES

__all__ = [
    "MIN_PASSWORD_CHARS",
    "User",
    "StaffSession",
    "OpenedSession",
    "create_user",
    "list_users",
    "get_user",
    "disable_user",
    "reset_password",
    "authenticate",
    "open_session",
    "resume_session",
    "close_session",
    "check_password",
    "DemoUser",
    "ensure_demo_users",
]

#: The shortest password accepted (NIST SP 800-63B asks for at least 8; staff get 10).
MIN_PASSWORD_CHARS = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,49}$")
_HASHER = PasswordHasher()
#: Verified when the user name is unknown, so both refusals take the same time.
_DUMMY_HASH = _HASHER.hash("no such user, same cost")

#: One message for an unknown user, a wrong password and a disabled account alike.
BAD_CREDENTIALS = N_("the user name or the password is wrong, or the account is disabled")


class User(Base):
    """A person who signs in to the console: user name, role, password hash, disabled or not."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'analyst', 'field_officer', 'intake_operator')", name="ck_users_role"
        ),
        CheckConstraint("username = lower(username)", name="ck_users_username_lower"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def active(self) -> bool:
        """Whether the account may sign in."""
        return self.disabled_at is None


class StaffSession(Base):
    """One signed-in browser: the digest of its cookie, its user, CSRF token and times."""

    __tablename__ = "staff_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    last_seen_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    user: Mapped[User] = relationship(lazy="joined")


@dataclass(frozen=True)
class OpenedSession:
    """A new session: the secret for the cookie (shown once) and its CSRF token."""

    session_id: str
    csrf_token: str


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def _check_username(username: str) -> str:
    name = username.strip().lower()
    if not _USERNAME.match(name):
        raise ValidationError.of(
            N_(
                "user name {username!r}: use 2 to 50 lower-case letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            ),
            field="username",
            username=username,
        )
    return name


def check_password(password: str) -> None:
    """Raise :class:`ValidationError` unless ``password`` is long enough.

    Examples
    --------
    >>> check_password("kurang")
    Traceback (most recent call last):
    ...
    geo.errors.ValidationError: the password must have at least 10 characters
    """
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValidationError.of(
            N_("the password must have at least {n} characters"),
            field="password",
            n=MIN_PASSWORD_CHARS,
        )


def get_user(*, session: Session, username: str) -> User:
    """Return the user called ``username`` (any case).

    Raises
    ------
    NotFound
        No such user.
    """
    row = session.scalar(select(User).where(User.username == username.strip().lower()))
    if row is None:
        raise NotFound.of(N_("no user is called {username!r}"), field="username", username=username)
    return row


def create_user(
    *,
    session: Session,
    username: str,
    role: str,
    password: str,
    display_name: str | None = None,
) -> User:
    """Add a user with a role and a password (stored as an argon2id hash only).

    Raises
    ------
    ValidationError
        A malformed user name, an unknown role or a short password.
    Conflict
        The user name is taken.
    """
    name = _check_username(username)
    if role not in ROLES:
        raise ValidationError.of(
            N_("role {role!r}: expected one of {roles}"),
            field="role",
            role=role,
            roles=", ".join(ROLES),
        )
    check_password(password)
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise Conflict.of(
            N_("the user name {username!r} is taken"), field="username", username=name
        )
    row = User(
        username=name,
        role=role,
        display_name=display_name,
        password_hash=_HASHER.hash(password),
        password_changed_at=dt.datetime.now(dt.UTC),
    )
    session.add(row)
    session.flush()
    return row


def list_users(*, session: Session, include_disabled: bool = True) -> list[User]:
    """Return the users by name (the disabled ones too unless told otherwise)."""
    query = select(User).order_by(User.username)
    if not include_disabled:
        query = query.where(User.disabled_at.is_(None))
    return list(session.scalars(query))


def disable_user(*, session: Session, username: str) -> User:
    """Disable an account and end its sessions at once (the row stays for the audit trail)."""
    row = get_user(session=session, username=username)
    if row.disabled_at is None:
        row.disabled_at = dt.datetime.now(dt.UTC)
    session.execute(delete(StaffSession).where(StaffSession.user_id == row.id))
    session.flush()
    return row


def reset_password(*, session: Session, username: str, password: str, enable: bool = True) -> User:
    """Give a user a new password, ending their sessions (and enabling the account if asked)."""
    check_password(password)
    row = get_user(session=session, username=username)
    row.password_hash = _HASHER.hash(password)
    row.password_changed_at = dt.datetime.now(dt.UTC)
    if enable:
        row.disabled_at = None
    session.execute(delete(StaffSession).where(StaffSession.user_id == row.id))
    session.flush()
    return row


def authenticate(*, session: Session, username: str, password: str) -> User:
    """Return the active user whose password this is.

    Raises
    ------
    PermissionDenied
        Unknown user, wrong password or disabled account: one message for all three, so the
        answer does not tell which user names exist.
    """
    row = session.scalar(select(User).where(User.username == username.strip().lower()))
    try:
        _HASHER.verify(row.password_hash if row is not None else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        row = None
    if row is None or not row.active:
        raise PermissionDenied.of(BAD_CREDENTIALS, field="password")
    if _HASHER.check_needs_rehash(row.password_hash):
        row.password_hash = _HASHER.hash(password)
    row.last_login_at = dt.datetime.now(dt.UTC)
    session.flush()
    return row


def open_session(*, session: Session, user: User) -> OpenedSession:
    """Start a session for ``user``; the returned id goes into the cookie and nowhere else."""
    session_id = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(StaffSession(id_hash=_digest(session_id), user_id=user.id, csrf_token=csrf))
    session.flush()
    return OpenedSession(session_id=session_id, csrf_token=csrf)


def resume_session(
    *,
    session: Session,
    session_id: str,
    idle: dt.timedelta,
    max_age: dt.timedelta,
    now: dt.datetime | None = None,
) -> StaffSession | None:
    """Return the live session of a cookie and mark it seen, or ``None`` (ended if expired).

    A session ends when unused for ``idle``, ``max_age`` after it began, or when its user is
    disabled; an ended session's row is deleted.
    """
    if not session_id or len(session_id) > 200:
        return None
    row = session.get(StaffSession, _digest(session_id))
    if row is None:
        return None
    now = now or dt.datetime.now(dt.UTC)
    expired = now - row.last_seen_at > idle or now - row.created_at > max_age
    if expired or not row.user.active:
        session.delete(row)
        session.flush()
        return None
    row.last_seen_at = now
    session.flush()
    return row


def close_session(*, session: Session, session_id: str) -> bool:
    """End a session (sign out); return whether there was one."""
    result = session.execute(
        delete(StaffSession).where(StaffSession.id_hash == _digest(session_id))
    )
    return bool(getattr(result, "rowcount", 0))


@dataclass(frozen=True)
class DemoUser:
    """A demo account of the development database, printed by ``pantau demo``."""

    username: str
    role: str
    password: str


def ensure_demo_users(*, session: Session, environment: str) -> list[DemoUser]:
    """Make (or reset) one demo account per role, in development only; return them.

    Outside development nothing is made and the list is empty: a deployment has no default
    users (the administrator makes them with ``pantau users create``).

    Examples
    --------
    >>> ensure_demo_users(session=session, environment="production")
    []
    >>> [u.username for u in ensure_demo_users(session=session, environment="development")][:2]
    ['demo-admin', 'demo-analyst']
    """
    if environment != "development":
        return []
    out = []
    for role in ROLES:
        user = DemoUser(f"demo-{role.replace('_', '-')}", role, f"demo-{role}-pantau")
        exists = session.scalar(select(User.id).where(User.username == user.username))
        if exists is None:
            create_user(session=session, username=user.username, role=role, password=user.password)
        else:
            reset_password(session=session, username=user.username, password=user.password)
        out.append(user)
    return out
