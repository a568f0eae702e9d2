"""Load the synthetic demo reports (``data/demo_reports.csv``) for ``pantau demo``.

The file is written by ``data/generate_reports.py``. Loading imports it (idempotently), checks
that every row of ``data/demo_reports_rejects.csv`` is refused, and moves older reports along
the lifecycle as an agency would have (verified, assigned, inspected, closed, some rejected),
so that clocks, maps and plans have something realistic to show. Each report's path is fixed by
its content hash, so running the demo twice changes nothing.

Examples
--------
>>> summary = load_demo_reports(engine=geo.connect(), settings=settings, progress=False)
>>> summary.rejected  # loaded already: nothing new but the rejects, refused again
40
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from geo.reports.clocks import add_working_days, evaluate
from geo.reports.config import local_zone
from geo.reports.importer import import_file
from geo.reports.lifecycle import TRANSITIONS
from geo.settings import Settings

__all__ = ["DEMO_DIR", "DemoReportsSummary", "load_demo_reports", "DEMO_ACTOR"]

#: The repository's ``data/`` folder with the generated files.
DEMO_DIR = Path(__file__).resolve().parents[2] / "data"
#: Actor written into the history of everything the demo does.
DEMO_ACTOR = "demo"


@dataclass(frozen=True)
class DemoReportsSummary:
    """What loading the demo reports did, and how the reports stand afterwards."""

    rows: int
    imported: int
    duplicates: int
    near_duplicates: int
    rejected: int
    flagged: int
    advanced: int
    overdue: int


_Step = tuple[str, str, float, str | None]  # from, to, days after the previous step, resolution


def _path(u: int, age_days: float) -> list[_Step]:
    """Return the lifecycle a report of this age went through; ``u`` (0..99) picks one."""
    if age_days < 7:
        return []
    if age_days < 30:
        if u < 30:
            return [("received", "verified", 1, None), ("verified", "assigned", 2, None)]
        return [("received", "verified", 2, None)] if u < 60 else []
    if u >= 85:
        return []  # the backlog: never verified, now overdue
    if u < 10:
        reason = "out_of_authority" if u < 4 else "insufficient_info"
        return [("received", "rejected", 2, reason)]
    steps: list[_Step] = [("received", "verified", 2, None)]
    if u < 78:
        steps.append(("verified", "assigned", 2, None))
    if u < 65:
        steps += [
            ("assigned", "follow_up_scheduled", 3, None),
            ("follow_up_scheduled", "inspected", 10, None),
            ("inspected", "closed", 1, "confirmed" if u % 3 else "not_found"),
        ]
    return steps


def _advance(
    session: Session, *, content_hashes: list[str], now: dt.datetime, zone: ZoneInfo
) -> int:
    rows = session.execute(
        text(
            "SELECT id, received_at, content_hash FROM reports WHERE content_hash = ANY(:h) "
            "AND status = 'received' AND duplicate_of_id IS NULL ORDER BY id"
        ),
        {"h": content_hashes},
    ).all()
    history: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    for row in rows:
        u = int(row.content_hash[:8], 16) % 100
        steps = _path(u, (now - row.received_at).total_seconds() / 86400)
        when: dt.datetime = row.received_at
        for before, after, days, resolution in steps:
            assert after in TRANSITIONS[before]  # demo paths follow the real lifecycle
            local = when.astimezone(zone)  # working days in the province's zone
            day = add_working_days(local.date(), int(days))
            when = min(
                dt.datetime.combine(day, dt.time(9 + u % 7, u % 60), tzinfo=local.tzinfo), now
            )
            history.append({"id": row.id, "f": before, "t": after, "at": when, "r": resolution})
        if steps:
            updates.append({"id": row.id, "s": steps[-1][1], "r": steps[-1][3], "at": when})
    if history:
        session.execute(
            text(
                "INSERT INTO report_status_history (report_id, from_status, to_status, actor, at, "
                "reason) VALUES (:id, :f, :t, 'demo', :at, :r)"
            ),
            history,
        )
        session.execute(
            text(
                "UPDATE reports SET status = :s, resolution = :r, status_changed_at = :at, "
                "updated_at = now() WHERE id = :id"
            ),
            updates,
        )
    return len(updates)


def load_demo_reports(
    *,
    engine: Engine,
    data_dir: Path = DEMO_DIR,
    settings: Settings,
    now: dt.datetime | None = None,
    progress: bool = True,
    advance: bool = True,
) -> DemoReportsSummary:
    """Import the demo reports, refuse the demo rejects, and age the lifecycle realistically.

    Parameters
    ----------
    engine
        Database at head.
    data_dir
        Folder with ``demo_reports.csv``, ``demo_reports_rejects.csv`` and ``evidence/``.
    settings
        Secret key and evidence folder.
    now
        The time the demo pretends it is (now by default).
    progress
        Show the import progress bar.
    advance
        Move older reports along the lifecycle (history actor ``demo``).

    Returns
    -------
    DemoReportsSummary
        ``overdue`` counts reports with at least one overdue clock at ``now``.

    Examples
    --------
    >>> load_demo_reports(engine=engine, settings=settings, progress=False).rejected
    40
    """
    now = now or dt.datetime.now(dt.UTC)
    main = import_file(
        engine=engine,
        path=data_dir / "demo_reports.csv",
        actor=DEMO_ACTOR,
        settings=settings,
        now=now,
        progress=progress,
    )
    rejects = import_file(
        engine=engine,
        path=data_dir / "demo_reports_rejects.csv",
        actor=DEMO_ACTOR,
        on_error="skip",
        settings=settings,
        now=now,
        progress=False,
    )
    with Session(engine) as session, session.begin():
        hashes = list(
            session.execute(
                text(
                    "SELECT r.content_hash FROM reports r JOIN report_status_history h "
                    "ON h.report_id = r.id AND h.from_status IS NULL "
                    "WHERE h.reason = 'imported from demo_reports.csv'"
                )
            ).scalars()
        )
        zone = local_zone(settings)
        advanced = _advance(session, content_hashes=hashes, now=now, zone=zone) if advance else 0
        near = int(
            session.execute(
                text(
                    "SELECT count(*) FROM reports WHERE content_hash = ANY(:h) "
                    "AND duplicate_of_id IS NOT NULL"
                ),
                {"h": hashes},
            ).scalar()
            or 0
        )
        overdue = len(
            {
                c.report_id
                for c in evaluate(session=session, now=now, zone=zone)
                if c.state == "overdue"
            }
        )
    return DemoReportsSummary(
        rows=main.rows,
        imported=main.inserted,
        duplicates=main.duplicates,
        near_duplicates=near,
        rejected=len(rejects.rejected),
        flagged=main.flagged,
        advanced=advanced,
        overdue=overdue,
    )
