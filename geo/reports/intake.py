"""Report intake: validate, protect the reporter, store evidence, write the report and history.

:func:`submit` is what the hotline desk, the web form (through the API) and notebooks call for
one report. It never creates an exact duplicate: the same channel and external id, or a photo
already attached to a report, returns the first report. Near duplicates are stored and linked
(see :mod:`geo.reports.dedup`). Nothing about the reporter is ever logged.

Examples
--------
>>> from geo.db import session_scope
>>> with session_scope(engine) as session:
...     result = submit(session=session, channel="hotline", lat=-0.52, lon=117.12,
...                     activity="excavator", reporter_phone="0812 3456 7890",
...                     settings=settings)
>>> result.code
'PTM-...'
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from geoalchemy2.shape import to_shape
from sqlalchemy import (
    ARRAY,
    DateTime,
    Select,
    Table,
    Text,
    bindparam,
    column,
    func,
    insert,
    select,
    table,
    true,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from geo.reports import row as report_row
from geo.reports.codes import new_code, settle
from geo.reports.dedup import (
    find_by_evidence,
    find_by_external_id,
    link_near_duplicates,
    match_new_reports,
)
from geo.reports.evidence import inspect_evidence, store_evidence
from geo.reports.models import Report, ReportCorroboration, ReportEvidence
from geo.reports.validation import CleanReport, clean_report
from geo.settings import ReportSettings, Settings

__all__ = ["SubmitResult", "submit"]

log = logging.getLogger(__name__)

_LINKS: Table = ReportEvidence.__table__  # type: ignore[assignment]  # typed FromClause
_QUEUE = table("intake_queue", column("report_id"))


@dataclass(frozen=True)
class SubmitResult:
    """What happened to a submitted report.

    ``created`` is false when it was an exact duplicate: ``code`` is then the first report's.
    ``duplicate_of`` is the code of the report this one duplicates (exact or near).
    """

    id: int
    code: str
    created: bool
    status: str
    flags: list[str] = field(default_factory=list)
    duplicate_of: str | None = None
    duplicate_rule: str | None = None


@cache
def _insert(*, evidence: bool, queue: bool) -> Select[int]:
    """One round trip: the report, its first history row, its evidence links, its queue row.

    Built once for each shape (with or without evidence, queued or not), every value a bound
    parameter (:func:`_insert_params`): building and keying a statement of some thirty values
    on every submission cost more than PostgreSQL takes to run it. The report's values are
    :func:`geo.reports.row.values`. A code, content or external id already stored makes the
    insert do nothing (``ON CONFLICT DO NOTHING``): no id returned.
    """
    values = {c.name: bindparam(f"v_{c.name}", type_=c.type) for c in report_row.COLUMNS}
    new = (
        pg_insert(report_row.REPORTS)
        .values(values)
        .on_conflict_do_nothing()
        .returning(report_row.REPORTS.c.id)
        .cte("report")
    )
    history = report_row.first_history(
        new,
        at=bindparam("received_at", type_=DateTime(timezone=True)),
        actor=bindparam("actor", type_=Text),
        reason=bindparam("reason", type_=Text),
    )
    stmt = select(new.c.id).add_cte(history.cte("history"))
    if evidence:
        sha = func.unnest(bindparam("shas", type_=ARRAY(Text))).table_valued("sha").render_derived()
        links = insert(_LINKS).from_select(
            ["report_id", "sha256"], select(new.c.id, sha.c.sha).join_from(new, sha, true())
        )
        stmt = stmt.add_cte(links.cte("evidence"))
    if queue:
        queued = insert(_QUEUE).from_select(["report_id"], select(new.c.id))
        stmt = stmt.add_cte(queued.cte("queued"))
    return stmt


def _insert_params(clean: CleanReport, *, code: str, actor: str, shas: list[str]) -> dict[str, Any]:
    """Return the parameters of :func:`_insert` for one report."""
    values = report_row.values(clean, code=code, content_hash=clean.content_hash())
    params: dict[str, Any] = {f"v_{name}": value for name, value in values.items()}
    params.update(
        received_at=clean.received_at, actor=actor, reason=f"received via {clean.channel}"
    )
    if shas:
        params["shas"] = shas
    return params


def _existing(report: Report, rule: str) -> SubmitResult:
    log.info("report not created: exact duplicate (%s) of %s", rule, report.code)
    return SubmitResult(
        id=report.id,
        code=report.code,
        created=False,
        status=report.status,
        flags=list(report.flags),
        duplicate_of=report.code,
        duplicate_rule=rule,
    )


def submit(
    *,
    session: Session,
    channel: str,
    lat: float | str | None = None,
    lon: float | str | None = None,
    received_at: dt.datetime | str | None = None,
    observed_at: dt.datetime | str | None = None,
    location_source: str | None = None,
    accuracy_m: float | None = None,
    location_text: str | None = None,
    title: str | None = None,
    description: str | None = None,
    activity: str | None = None,
    commodity_guess: str | None = None,
    confidentiality: str | None = None,
    reporter_name: str | None = None,
    reporter_phone: str | None = None,
    external_id: str | None = None,
    evidence: Sequence[Path | str | bytes] = (),
    actor: str | None = None,
    settings: Settings,
    report_settings: ReportSettings | None = None,
    now: dt.datetime | None = None,
    match: bool = True,
    defer: bool = False,
) -> SubmitResult:
    """Check and store one report; return its tracking code.

    Parameters
    ----------
    session
        Open session; the caller commits (``geo.db.session_scope`` does).
    channel
        ``hotline``, ``lapor``, ``web``, ``field_team``, ``media`` or ``satellite``
        (``whatsapp`` and ``sp4n-lapor`` are accepted as aliases).
    lat, lon
        WGS 84 degrees. Omit both for a described place (then ``location_text`` is required);
        a photo's EXIF position is used when no point is claimed.
    received_at, observed_at
        When the agency got the report (now by default) and when the activity was seen; naive
        times are WITA.
    location_source
        ``exif``, ``device_gps``, ``map_pin`` (default for a point) or ``described``.
    accuracy_m, location_text, title, description
        As reported.
    activity
        ``excavator``, ``hauling_trucks``, ``stockpile``, ``river_dredging``,
        ``land_clearing`` or ``other`` (default).
    commodity_guess
        One of :data:`geo.vocab.COMMODITIES`.
    confidentiality
        ``rahasia`` (default: not shown outside the agency) or ``anonim``.
    reporter_name, reporter_phone
        Stored encrypted; the phone also as a keyed hash. Never logged.
    external_id
        The channel's own id (LAPOR! tracking number, hotline message id).
    evidence
        Photo or video files (paths or bytes), each stored once by SHA-256.
    actor
        Who records it (``settings.actor`` by default), written into the history.
    settings, report_settings, now
        Injected configuration and clock (a notebook passes ``geo.settings.get_settings()``);
        ``report_settings`` is ``settings.reports`` unless given.
    match
        Match the new report to the nearest known site (:mod:`geo.matching`) at once.
    defer
        Queue the report for near-duplicate linking and matching in a later batch
        (:mod:`geo.reports.queue`) instead of doing both now: what the busy public intake
        does. The queue row is written in the same statement as the report.

    Returns
    -------
    SubmitResult

    Raises
    ------
    ValidationError
        A bad field, named in the message; nothing is written.

    Examples
    --------
    >>> submit(session=session, channel="lapor", external_id="LAP-1",
    ...        location_text="Desa Bukit Pariaman, Tenggarong Seberang",
    ...        location_source="described", settings=settings)
    SubmitResult(id=..., code='PTM-...', created=True, status='received', ...)
    """
    arguments = dict(locals())  # the fields below are read by name
    # Every field of a report, by the names of geo.reports.row.INPUT_FIELDS.
    fields = {name: arguments[name] for name in report_row.INPUT_FIELDS}
    limits = report_settings or settings.reports
    files = [
        inspect_evidence(
            item,
            field=f"evidence[{i}]",
            report_settings=limits,
            zone=settings.province_profile.zone,
        )
        for i, item in enumerate(evidence)
    ]
    clean = clean_report(fields, evidence=files, settings=settings, report_settings=limits, now=now)
    first = _exact_duplicate(session, clean)
    if first is not None:
        return first
    shared = find_by_evidence(session=session, sha256s=[f.sha256 for f in files])
    if shared is not None and _same_submitter(shared, clean):
        return _existing(shared, "exact_evidence")
    stored = [store_evidence(session=session, file=f, settings=settings) for f in files]
    written = _write(
        session,
        clean,
        actor=actor or settings.actor,
        shas=[e.sha256 for e in stored],
        queue=defer,
    )
    if isinstance(written, SubmitResult):
        return written
    report_id, code = written
    if shared is not None:  # someone else's report with the same file: corroboration
        _corroborate(session, report_id, shared.id)
    duplicate_of = None
    if not defer:
        duplicate_of = _follow_up(session, report_id, report_settings=limits, match=match)
    log.info(
        "report %s received via %s%s%s",
        code,
        clean.channel,
        f" flags={','.join(clean.flags)}" if clean.flags else "",
        f" near-duplicate of {duplicate_of}" if duplicate_of else "",
    )
    return SubmitResult(
        id=report_id,
        code=code,
        created=True,
        status="received",
        flags=list(clean.flags),
        duplicate_of=duplicate_of,
        duplicate_rule="near" if duplicate_of else None,
    )


def _exact_duplicate(session: Session, clean: CleanReport) -> SubmitResult | None:
    """Return the first report with the same channel and external id (a repeated ticket)."""
    if clean.external_id is not None:
        first = find_by_external_id(
            session=session, channel=clean.channel, external_id=clean.external_id
        )
        if first is not None:
            return _existing(first, "exact_external_id")
    return None


def _same_submitter(first: Report, clean: CleanReport) -> bool:
    """Whether a report with the same file is this submission sent again by the same person.

    The same reporter (keyed phone hash), or, without any phone on either side, the same text
    at the same place. Anyone else who sends the file (a forwarded photo) makes a report of
    their own and never receives the first reporter's code.
    """
    if first.reporter_hash or clean.reporter_hash:
        return first.reporter_hash == clean.reporter_hash
    xy = None if first.geom is None else to_shape(first.geom).coords[0]
    same_point = (xy is None and clean.lat is None) or (
        xy is not None
        and clean.lat is not None
        and clean.lon is not None
        and abs(xy[1] - clean.lat) < 1e-6
        and abs(xy[0] - clean.lon) < 1e-6
    )
    return (
        same_point
        and (first.description or "") == (clean.description or "")
        and (first.location_text or "") == (clean.location_text or "")
    )


def _corroborate(session: Session, report_id: int, first_id: int) -> None:
    session.execute(
        pg_insert(ReportCorroboration)
        .values(report_id=report_id, corroborates_id=first_id)
        .on_conflict_do_nothing()
    )


def _stored_meanwhile(session: Session, clean: CleanReport) -> SubmitResult | None:
    """After an insert that did nothing: the same external id or content stored meanwhile."""
    if clean.external_id is not None:
        first = find_by_external_id(
            session=session, channel=clean.channel, external_id=clean.external_id
        )
        if first is not None:
            return _existing(first, "exact_external_id")
    same = session.scalar(select(Report).where(Report.content_hash == clean.content_hash()))
    return None if same is None else _existing(same, "exact_content")


def _write(
    session: Session, clean: CleanReport, *, actor: str, shas: list[str], queue: bool
) -> tuple[int, str] | SubmitResult:
    """Insert the report (new id and code), or return the report stored meanwhile.

    An insert that does nothing lost a race (the same external id or content stored
    meanwhile: that report is the answer) or drew a code already taken (1 in 10^9 per stored
    report): the code is drawn again, as :func:`geo.reports.codes.settle` does for every writer.
    """
    found: list[int | SubmitResult] = []

    def attempt(codes: list[str]) -> list[int]:
        stmt = _insert(evidence=bool(shas), queue=queue)
        params = _insert_params(clean, code=codes[0], actor=actor, shas=shas)
        report_id = session.execute(stmt, params).scalar()
        answer = report_id if report_id is not None else _stored_meanwhile(session, clean)
        if answer is None:
            return [0]  # only the code clashed
        found.append(answer)
        return []

    code = settle([new_code()], attempt, taken=set())[0]
    return found[0] if isinstance(found[0], SubmitResult) else (found[0], code)


def _follow_up(
    session: Session, report_id: int, *, report_settings: ReportSettings, match: bool
) -> str | None:
    """Link the new report to a near duplicate and match it to a site; the original's code."""
    links = link_near_duplicates(
        session=session, report_ids=[report_id], report_settings=report_settings
    )
    if match:
        match_new_reports(session=session, report_ids=[report_id])
    if links.get(report_id) is None:
        return None
    return session.scalar(select(Report.code).where(Report.id == links[report_id]))
