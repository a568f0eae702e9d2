"""Reports queued at intake for near-duplicate linking and matching, processed in batches.

The public intake (``POST /reports``) stores a report and answers at once; linking it to near
duplicates and matching it to the nearest site cost more than storing it, and cost far less
per report when done for many at a time. :func:`geo.reports.submit` with ``defer=True``
writes the report and its ``intake_queue`` row in one statement, so a stored report is always
either processed or queued: a crash between the two leaves it queued, never forgotten.

:func:`drain` takes a batch from the queue (``FOR UPDATE SKIP LOCKED``, so several API
processes can drain side by side), links and matches it, gives its reports their indicative
class when permit or forest layers are loaded (:func:`geo.layers.service.reclassify`, one
statement set for the batch), and deletes the rows, all in one transaction.
:class:`IntakeWorker` drains in a background thread of the API process, a
fraction of a second after reports arrive; ``pantau match`` drains whatever is left.

Examples
--------
>>> from geo.reports.queue import drain
>>> drain(engine=engine, settings=settings)  # reports queued, linked and matched now
0
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine, text

from geo.db import session_scope
from geo.reports.dedup import link_near_duplicates, match_new_reports
from geo.settings import Settings
from geo.worker import BackgroundRound

__all__ = ["drain", "pending", "IntakeWorker"]

log = logging.getLogger(__name__)

_TAKE = text(
    """
    DELETE FROM intake_queue
     WHERE report_id IN (SELECT report_id FROM intake_queue ORDER BY report_id
                          LIMIT :limit FOR UPDATE SKIP LOCKED)
    RETURNING report_id
    """
)


def pending(*, engine: Engine) -> int:
    """Return how many reports wait in the queue.

    Examples
    --------
    >>> pending(engine=engine)
    0
    """
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM intake_queue")).scalar_one())


def drain(*, engine: Engine, settings: Settings, batch_size: int = 500) -> int:
    """Link, match and classify queued reports, a batch per transaction, until none is left.

    A batch that fails is rolled back whole and stays queued.

    Parameters
    ----------
    engine
        Database engine.
    settings
        The near-duplicate distance and time window (``settings.reports``) and the layer
        settings the classes are computed with.
    batch_size
        Reports per transaction.

    Returns
    -------
    int
        How many reports were processed.

    Examples
    --------
    >>> drain(engine=engine, settings=settings)
    0
    """
    from geo.layers.service import reclassify

    done = 0
    while True:
        with session_scope(engine) as session:
            ids = sorted(int(i) for i in session.execute(_TAKE, {"limit": batch_size}).scalars())
            if not ids:
                return done
            link_near_duplicates(session=session, report_ids=ids, report_settings=settings.reports)
            match_new_reports(session=session, report_ids=ids)
            reclassify(session=session, settings=settings, only={"report": ids})
        done += len(ids)


class IntakeWorker(BackgroundRound):
    """Drain the intake queue in a background thread, shortly after reports arrive.

    :meth:`notify` (called after a report is queued) wakes it; it then waits ``delay_s`` so
    that reports arriving together are processed together, and drains. It also drains every
    ``idle_s`` seconds in case reports were queued by another process that has stopped.
    Errors are logged (without report content) and retried at the next round.

    Examples
    --------
    >>> worker = IntakeWorker(engine, settings=settings, idle_s=1.0)
    >>> worker.start()
    >>> worker.notify()
    >>> worker.stop()
    """

    def __init__(
        self, engine: Engine, *, settings: Settings, delay_s: float = 0.2, idle_s: float = 10.0
    ) -> None:
        super().__init__(name="pantau-intake", delay_s=delay_s, idle_s=idle_s)
        self._engine = engine
        self._settings = settings

    def round(self) -> int:
        """Drain the queue; a failed batch stays queued for the next round."""
        return drain(engine=self._engine, settings=self._settings)
