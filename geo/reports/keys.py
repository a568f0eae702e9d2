"""Key rotation: re-encrypt every reporter identity with the current key, in resumable batches.

To rotate, an administrator makes a new key, moves the old one into
``PANTAU_PREVIOUS_SECRET_KEYS`` (so identities stay readable meanwhile), sets the new one as
``PANTAU_SECRET_KEY`` and runs ``pantau keys rotate``. Each batch re-encrypts the name and phone of
a range of reports with the new key, recomputes the keyed phone hash, and records the last report
id done in ``key_rotations`` in the same transaction: an interrupted rotation continues where it
stopped, and no row is ever half rotated. When it reports ``finished``, the old key can be removed
from ``PANTAU_PREVIOUS_SECRET_KEYS`` (keep it in escrow until the next backup is verified).

Until a report is rotated its phone hash is still the old key's, so grouping by reporter sees the
same person under two hashes for that short time; nothing is lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import BigInteger, DateTime, Engine, String, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from geo.errors import ValidationError
from geo.models import Base
from geo.reports.models import Report
from geo.reports.privacy import (
    decrypt_for,
    key_fingerprint,
    reencrypt_identity,
    reporter_hash,
)
from geo.settings import Settings

__all__ = ["KeyRotation", "RotationSummary", "rotate_identities"]


class KeyRotation(Base):
    """Progress of one rotation, by the fingerprint of the key it re-encrypts to."""

    __tablename__ = "key_rotations"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_report_id: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_done: Mapped[int] = mapped_column(BigInteger, default=0)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=func.now())
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class RotationSummary:
    """What a rotation run did; ``resumed_after`` is the report id it continued from."""

    key_id: str
    resumed_after: int
    rows: int
    batches: int
    finished: bool


def _progress(session: Session, key_id: str) -> KeyRotation:
    row = session.get(KeyRotation, key_id, with_for_update=True)
    if row is None:
        row = KeyRotation(key_id=key_id, last_report_id=0, rows_done=0)
        session.add(row)
        session.flush()
    return row


def _rotate_batch(
    session: Session, *, after: int, limit: int, settings: Settings
) -> tuple[int, int]:
    """Re-encrypt up to ``limit`` reports' identities after id ``after``: (last id, rows)."""
    rows = session.execute(
        select(Report.id, Report.reporter_name_enc, Report.reporter_phone_enc)
        .where(Report.id > after)
        .where((Report.reporter_name_enc.is_not(None)) | (Report.reporter_phone_enc.is_not(None)))
        .order_by(Report.id)
        .limit(limit)
        .with_for_update()
    ).all()
    for report_id, name_enc, phone_enc in rows:
        phone = decrypt_for(phone_enc, purpose="key_rotation", settings=settings)
        session.execute(
            update(Report)
            .where(Report.id == report_id)
            .values(
                reporter_name_enc=reencrypt_identity(name_enc, settings=settings),
                reporter_phone_enc=reencrypt_identity(phone_enc, settings=settings),
                reporter_hash=reporter_hash(phone, settings=settings),
            )
        )
    return (int(rows[-1][0]) if rows else after), len(rows)


def rotate_identities(
    *,
    engine: Engine,
    settings: Settings,
    batch_size: int = 500,
    max_batches: int | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> RotationSummary:
    """Re-encrypt every stored reporter identity with ``settings.secret_key``, resumably.

    Parameters
    ----------
    engine
        The database.
    settings
        ``secret_key`` is the target; ``previous_secret_keys`` must hold every key that
        identities may still be under.
    batch_size
        Reports per transaction.
    max_batches
        Stop after this many batches (a later run resumes); ``None`` runs to the end.
    on_batch
        Called with the number of rows of each committed batch (a progress bar).

    Returns
    -------
    RotationSummary
        ``finished`` is true once every report up to the newest has been rotated.
    """
    if batch_size < 1:
        raise ValidationError(f"batch_size must be at least 1, got {batch_size}", field="batch")
    key_id = key_fingerprint(settings)
    with Session(engine) as session, session.begin():
        start = _progress(session, key_id).last_report_id
    done = batches = 0
    while max_batches is None or batches < max_batches:
        with Session(engine) as session, session.begin():
            progress = _progress(session, key_id)
            last, rows = _rotate_batch(
                session, after=progress.last_report_id, limit=batch_size, settings=settings
            )
            if rows == 0:
                progress.finished_at = progress.finished_at or dt.datetime.now(dt.UTC)
                return RotationSummary(key_id, start, done, batches, True)
            progress.last_report_id = last
            progress.rows_done += rows
            progress.finished_at = None
        done += rows
        batches += 1
        if on_batch is not None:
            on_batch(rows)
    return RotationSummary(key_id, start, done, batches, False)
