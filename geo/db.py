"""The one place that creates database engines and sessions.

Adapters make the one engine of their process from the injected settings
(``make_engine(settings=settings)``); notebooks use :func:`connect`, which reads
``PANTAU_DATABASE_URL`` through :func:`~geo.settings.get_settings`.

Examples
--------
>>> from geo.db import make_engine
>>> test_engine = make_engine(settings=settings)
>>> check_database(test_engine).startswith("3.")
True
>>> test_engine.dispose()
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from geo.errors import DatabaseUnavailable
from geo.settings import Settings, get_settings

__all__ = [
    "make_engine",
    "session_scope",
    "check_database",
    "redact_url",
    "default_engine",
    "connect",
    "use_session",
    "Target",
]


def redact_url(url: str) -> str:
    """Return ``url`` with its password replaced by ``***`` for messages and logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str | None = None, *, settings: Settings | None = None) -> Engine:
    """Create an engine for ``url`` or for ``settings.database.url``.

    Parameters
    ----------
    url
        A SQLAlchemy URL (``postgresql+psycopg://...``); a plain ``postgresql://`` URL is
        given the psycopg 3 driver.
    settings
        Settings to read the URL from when ``url`` is not given (the process settings of
        :func:`~geo.settings.get_settings` when neither is).

    Returns
    -------
    sqlalchemy.Engine
        An engine with ``pool_pre_ping`` so that a restarted server is noticed, and with
        PostgreSQL's JIT compilation off.
    """
    if url is None:
        url = (settings or get_settings()).database.url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # JIT off: the spheroid functions' cost estimates make PostgreSQL compile (~0.5 s) queries
    # that then run in milliseconds; nothing in this workload gains from JIT.
    return create_engine(
        url, pool_pre_ping=True, future=True, connect_args={"options": "-c jit=off"}
    )


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """Yield a session whose work is committed on success and rolled back on any error."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session, session.begin():
        yield session


def check_database(engine: Engine) -> str:
    """Return the PostGIS version, or raise :class:`DatabaseUnavailable` saying why not."""
    try:
        with engine.connect() as conn:
            version = conn.execute(
                text("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
            ).scalar()
    except OperationalError as exc:
        raise DatabaseUnavailable(
            f"cannot connect to the database at {redact_url(str(engine.url))}: "
            f"{exc.orig}. Start it with `make db` (scripts/dev-db)."
        ) from None
    if version is None:
        raise DatabaseUnavailable(
            "the database has no PostGIS extension; run `CREATE EXTENSION postgis` or `make db`"
        )
    return str(version)


_default: Engine | None = None


def default_engine() -> Engine:
    """Return the process-wide engine for the settings' database, created on first use."""
    global _default
    if _default is None:
        _default = make_engine()
    return _default


def connect(url: str | None = None) -> Engine:
    """Return an engine for ``url``, or the process-wide one from ``PANTAU_DATABASE_URL``.

    Examples
    --------
    >>> import geo
    >>> same = geo.connect(str(engine.url.render_as_string(hide_password=False)))
    >>> same.url == engine.url
    True
    """
    global _default
    engine = make_engine(url) if url else default_engine()
    check_database(engine)
    if url:
        _default = engine
    return engine


#: What library functions accept as their database: an engine, or a session already open.
Target = Engine | Session


@contextmanager
def use_session(target: Target | None, *, write: bool = False) -> Iterator[Session]:
    """Yield a session on ``target``.

    A :class:`~sqlalchemy.orm.Session` is used as it is, inside a SAVEPOINT when ``write`` is
    true, so a failure undoes only this call's work and the caller keeps control of the
    transaction. An engine (or ``None``: the default engine) gets a new session that commits
    on success when ``write`` is true, and rolls back on any error.
    """
    if isinstance(target, Session):
        if write:
            with target.begin_nested():
                yield target
        else:
            yield target
        return
    engine = target if target is not None else default_engine()
    if write:
        with session_scope(engine) as session:
            yield session
    else:
        with Session(engine) as session:
            yield session
