"""Revealing a reporter's identity on screen, on purpose, with an audit row naming who did it.

The console hides the reporter's name and phone even from the roles that may see them; a person
clicks "Tampilkan identitas pelapor" to see them, and that click is written to
``identity_reveals`` (report, user, role, time) before the identity is returned. The identity
is read through the one redaction gate (:func:`geo.reports.query.show` with the caller's
audience), so a role outside :data:`geo.reports.privacy.IDENTITY_ROLES` gets a refusal, not a
name.

Examples
--------
>>> shown = reveal_identity(settings=settings, session=session, code=code, actor="ani",
...                         role="operator")
>>> sorted(shown)
['reporter_name', 'reporter_phone']
>>> reveals(session=session, code=code)[0].actor
'ani'
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from geo.errors import N_, PermissionDenied
from geo.models import Base
from geo.reports.lifecycle import get_report
from geo.reports.privacy import may_see_identity
from geo.reports.query import show
from geo.settings import Settings

__all__ = ["IdentityReveal", "reveal_identity", "reveals"]


class IdentityReveal(Base):
    """One showing of a reporter's identity: which report, to whom (user and role), when."""

    __tablename__ = "identity_reveals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def reveal_identity(
    *, settings: Settings, session: Session, code: str, actor: str, role: str
) -> dict[str, str | None]:
    """Use case: show ``actor`` the identity of a report's reporter, and audit it.

    ``role`` is the privacy audience (``operator``, ``admin``, ...). Returns
    ``reporter_name`` and ``reporter_phone`` (``None`` where the reporter gave none).

    Raises
    ------
    PermissionDenied
        The role may not see identities (nothing is written).
    NotFound
        No report has this code.
    """
    if not may_see_identity(role):
        raise PermissionDenied.of(
            N_("role {role!r} may not see a reporter's identity"), field="role", role=role
        )
    report = get_report(session=session, code=code)
    session.add(IdentityReveal(report_id=report.id, actor=actor, role=role))
    session.flush()
    detail = show(session=session, code=report.code, role=role, settings=settings)
    return {
        "reporter_name": detail.get("reporter_name"),
        "reporter_phone": detail.get("reporter_phone"),
    }


def reveals(*, session: Session, code: str) -> list[IdentityReveal]:
    """Return who revealed a report's identity, newest first."""
    report = get_report(session=session, code=code)
    return list(
        session.scalars(
            select(IdentityReveal)
            .where(IdentityReveal.report_id == report.id)
            .order_by(IdentityReveal.at.desc(), IdentityReveal.id.desc())
        )
    )
