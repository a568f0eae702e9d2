"""Writing an import's batches on writer threads while the rest of the file is still checked.

:class:`BatchWriter` takes checked batches from the importer as they come and writes each on one
of ``writers`` threads, each with its own connection: psycopg releases the GIL while it waits
for PostgreSQL, so on two cores the importer's Python work and the database work at once.

**Held commits.** With ``held=True`` (an import that must write nothing if any row is bad) the
writers still write the batches that come before :meth:`BatchWriter.release`, but each keeps
them in one open transaction, a savepoint per batch, and commits only once released; an
:meth:`BatchWriter.abort` (a bad row met later) rolls them back, and so does a ``kill -9``.
Batches with evidence files are never written early: their files are read again as they are
written, one batch at a time after the release, so that a file changed after an earlier commit
is caught rather than raced.

**After the release** every batch is its own transaction, at most ``writers`` of them in flight,
and ``on_commit`` is called after each commit, in the order of the batches.

Examples
--------
>>> with BatchWriter(engine=engine, actor="ops", reason="import", settings=settings,
...                  held=True) as out:
...     out.release()
...     result = out.finish()
"""

from __future__ import annotations

import queue
import re
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

import psycopg
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError

from geo.reports.codes import fresh_codes
from geo.reports.privacy import IdentityCache
from geo.reports.writer import (
    PreparedRow,
    Written,
    report_lines,
    seal,
    write_direct,
    write_staged,
)
from geo.settings import Settings

__all__ = ["BatchWriter", "WriteResult"]


@dataclass
class WriteResult:
    """What the batches wrote: new report ids and content hashes, and rows already stored."""

    inserted_ids: list[int] = field(default_factory=list)
    inserted: list[str] = field(default_factory=list)
    stored_ids: list[int] = field(default_factory=list)
    skipped: int = 0
    batches: int = 0


@dataclass
class _Job:
    batch: Sequence[PreparedRow]
    codes: list[str]
    lines: list[str] | None  # COPY text, or None for a batch with evidence files
    ticket: int | None  # its turn to reserve report ids (batches written by COPY)
    done: Future[Written] = field(default_factory=Future)


class _Release:
    """Marker put into each writer's queue by :meth:`BatchWriter.release`."""


class _Aborted(Exception):
    """The import was aborted while a writer waited for its turn."""


_RELEASE = _Release()


class BatchWriter:
    """Write checked batches of rows on writer threads, in committed transactions.

    Parameters
    ----------
    engine
        Database engine; each writer holds one connection while it works.
    actor, reason
        Written into each report's first history row.
    settings
        Where evidence files are stored.
    identities
        Encrypts the identity of rows that still carry it in clear.
    writers
        Writer threads (and connections).
    held
        Keep every batch uncommitted until :meth:`release` (see the module's notes).
    on_commit
        Called with the number of batches committed so far, after each commit, in order.
    """

    def __init__(
        self,
        *,
        engine: Engine,
        actor: str,
        reason: str,
        settings: Settings,
        identities: IdentityCache | None = None,
        writers: int = 2,
        held: bool = False,
        on_commit: Callable[[int, int], None] | None = None,
    ) -> None:
        self._engine = engine
        self._actor = actor
        self._reason = reason
        self._settings = settings
        self._identities = identities
        self._released = threading.Event()
        if not held:
            self._released.set()
        self._aborted = threading.Event()
        self._on_commit = on_commit
        self._in_flight: deque[_Job] = deque()
        self._later: list[_Job] = []  # batches with evidence, put while held
        self._result = WriteResult()
        # Writers reserve the ids of their batches in the order of the batches (a ticket each),
        # so that reports keep the order of the file.
        self._turn = threading.Condition()
        self._tickets = 0
        self._serving = 0
        self._codes: set[str] = set()
        self._sequence: str | None = None
        self._next = 0
        self._queues: list[queue.SimpleQueue[_Job | _Release | None]] = [
            queue.SimpleQueue() for _ in range(writers)
        ]
        self._threads = [
            threading.Thread(target=self._work, args=(q,), name=f"report-writer-{i}", daemon=True)
            for i, q in enumerate(self._queues)
        ]
        for thread in self._threads:
            thread.start()

    # -- the importer's side ------------------------------------------------------------------

    def put(self, batch: Sequence[PreparedRow]) -> None:
        """Queue a batch, in the order of the file."""
        if not batch:
            return
        self._collect_ready()
        codes, lines = self._prepare(batch)
        job = _Job(batch, codes, lines, None if lines is None else self._tickets)
        self._tickets += lines is not None
        if lines is None:
            if not self._released.is_set():
                self._later.append(job)
            else:
                self._write_alone(job)
            return
        if self._released.is_set():
            while len(self._in_flight) >= len(self._queues):
                self._collect()
        self._send(job)

    def release(self) -> None:
        """Every row of the file is checked: let the writers commit."""
        self._released.set()
        for q in self._queues:
            q.put(_RELEASE)
        later, self._later = self._later, []
        for job in later:
            self._write_alone(job)

    def finish(self) -> WriteResult:
        """Wait for every batch to be committed and return what was written."""
        if not self._released.is_set():
            raise RuntimeError("finish() before release(): nothing would be committed")
        while self._in_flight:
            self._collect()
        self._stop()
        return self._result

    def abort(self) -> None:
        """Roll back every batch not yet committed and stop the writers."""
        self._aborted.set()
        with self._turn:
            self._turn.notify_all()
        self._stop()
        for job in self._in_flight:
            job.done.cancel()
        self._in_flight.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is not None or any(t.is_alive() for t in self._threads):
            self.abort()

    # -- helpers of the importer's side --------------------------------------------------------

    def _prepare(self, batch: Sequence[PreparedRow]) -> tuple[list[str], list[str] | None]:
        """Encrypt identities and draw codes; COPY text unless the batch has evidence files.

        Codes are never drawn twice in one import (see :func:`fresh_codes`).
        """
        seal(batch, self._identities)
        codes = fresh_codes(len(batch), self._codes)
        if any(item.clean.evidence for item in batch):
            return codes, None
        return codes, report_lines(batch, codes)

    def _send(self, job: _Job) -> None:
        self._in_flight.append(job)
        self._queues[self._next % len(self._queues)].put(job)
        self._next += 1

    def _write_alone(self, job: _Job) -> None:
        """Write a batch with evidence once every earlier batch is committed, and wait for it."""
        while self._in_flight:
            self._collect()
        self._send(job)
        self._collect()

    def _collect_ready(self) -> None:
        while self._in_flight and self._in_flight[0].done.done():
            self._collect()

    def _collect(self) -> None:
        job = self._in_flight[0]
        inserted, stored, skipped = job.done.result()  # re-raises the writer's error
        self._in_flight.popleft()
        self._result.inserted_ids += [i for i, _ in inserted]
        self._result.inserted += [h for _, h in inserted]
        self._result.stored_ids += stored
        self._result.skipped += skipped
        self._result.batches += 1
        if self._on_commit is not None:
            self._on_commit(self._result.batches, len(job.batch))

    def _stop(self) -> None:
        for q in self._queues:
            q.put(None)
        for thread in self._threads:
            thread.join()

    # -- the writers' side --------------------------------------------------------------------

    def _reserve(self, conn: Connection, job: _Job) -> list[int]:
        """Reserve the ids of a batch once those of every earlier batch are reserved.

        The sequence is named literally: ``nextval`` of ``pg_get_serial_sequence(...)`` would
        look the name up again for every id, 15 times slower.
        """
        with self._turn:
            self._turn.wait_for(lambda: self._serving == job.ticket or self._aborted.is_set())
            if self._aborted.is_set():
                raise _Aborted
            try:
                if self._sequence is None:
                    found = conn.execute(text("SELECT pg_get_serial_sequence('reports', 'id')"))
                    sequence = str(found.scalar())
                    if not re.fullmatch(r'[\w."]+', sequence):  # it goes into the SQL text below
                        raise ValueError(f"unexpected sequence name {sequence!r}")
                    self._sequence = sequence
                return sorted(
                    int(i)
                    for i in conn.execute(
                        text(
                            f"SELECT nextval('{self._sequence}'::regclass) "
                            "FROM generate_series(1, :n)"
                        ),
                        {"n": len(job.batch)},
                    ).scalars()
                )
            finally:
                self._pass_turn(job)

    def _pass_turn(self, job: _Job) -> None:
        with self._turn:
            if job.ticket is not None and self._serving == job.ticket:
                self._serving += 1
                self._turn.notify_all()

    def _write(self, conn: Connection, job: _Job) -> Written:
        """One batch in a savepoint: straight COPY, or through staging after a conflict."""
        if job.lines is not None:
            ids = self._reserve(conn, job)
            try:
                with conn.begin_nested():
                    return write_direct(
                        conn,
                        job.batch,
                        job.lines,
                        ids,
                        actor=self._actor,
                        reason=self._reason,
                        taken=self._codes,
                    )
            except (IntegrityError, psycopg.errors.UniqueViolation):
                pass  # stored meanwhile, or a code clash: ON CONFLICT sorts it out
        with conn.begin_nested():
            return write_staged(
                conn,
                job.batch,
                actor=self._actor,
                reason=self._reason,
                settings=self._settings,
                codes=job.codes,
                taken=self._codes,
            )

    def _work(self, jobs: queue.SimpleQueue[_Job | _Release | None]) -> None:
        conn: Connection | None = None
        held: list[tuple[_Job, Written]] = []
        failed: BaseException | None = None
        try:
            while True:
                job = jobs.get()
                if job is None or self._aborted.is_set():
                    break
                if isinstance(job, _Release) or self._released.is_set():
                    if conn is not None:  # commit what was written while held
                        try:
                            conn.commit()
                        except BaseException as exc:  # noqa: BLE001 - handed to the importer
                            failed = exc
                        for earlier, written in held:
                            _settle(earlier, written, failed)
                        held = []
                        conn.close()
                        conn = None
                    if isinstance(job, _Release):
                        continue
                if failed is not None:
                    self._pass_turn(job)
                    job.done.set_exception(failed)
                    continue
                if not self._released.is_set():
                    if conn is None:
                        conn = self._engine.connect()
                        conn.begin()
                    try:
                        held.append((job, self._write(conn, job)))
                    except BaseException as exc:  # noqa: BLE001 - handed to the importer
                        failed = exc
                        conn.rollback()
                        for earlier, _ in held:
                            earlier.done.set_exception(exc)
                        held = []
                        job.done.set_exception(exc)
                    continue
                try:
                    with self._engine.begin() as own:
                        written = self._write(own, job)
                except BaseException as exc:  # noqa: BLE001 - handed to the importer
                    job.done.set_exception(exc)
                else:
                    job.done.set_result(written)
        finally:
            if conn is not None:
                conn.close()  # rolls back what was held: aborted, or never released
            for job_, _ in held:
                job_.done.cancel()


def _settle(job: _Job, written: Written, failed: BaseException | None) -> None:
    if failed is None:
        job.done.set_result(written)
    else:
        job.done.set_exception(failed)
