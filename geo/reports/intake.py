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
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geo.reports.config import ReportSettings, get_report_settings
from geo.reports.dedup import (
    find_by_evidence,
    find_by_external_id,
    link_near_duplicates,
    match_new_reports,
)
from geo.reports.evidence import inspect_evidence, store_evidence
from geo.reports.models import Report
from geo.reports.validation import CleanReport, clean_report
from geo.settings import Settings, get_settings

__all__ = ["SubmitResult", "submit", "new_code", "report_values", "CODE_ALPHABET"]

log = logging.getLogger(__name__)

#: Letters and digits that cannot be misread over the phone (no 0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_CODE_LENGTH = 6


def new_code() -> str:
    """Return a fresh public tracking code, ``PTM-`` and 6 random characters (~30 bits).

    Examples
    --------
    >>> code = new_code()
    >>> code.startswith("PTM-") and len(code) == 10
    True
    """
    value = secrets.randbelow(len(CODE_ALPHABET) ** _CODE_LENGTH)
    chars = []
    for _ in range(_CODE_LENGTH):
        value, digit = divmod(value, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[digit])
    return "PTM-" + "".join(chars)


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


def report_values(clean: CleanReport, *, code: str) -> dict[str, Any]:
    """Return the column values of the ``reports`` row for a checked report."""
    return {
        "code": code,
        "channel": clean.channel,
        "external_id": clean.external_id,
        "received_at": clean.received_at,
        "observed_at": clean.observed_at,
        "geom": clean.ewkt,
        "location_source": clean.location_source,
        "accuracy_m": clean.accuracy_m,
        "location_text": clean.location_text,
        "title": clean.title,
        "description": clean.description,
        "activity": clean.activity,
        "commodity_guess": clean.commodity_guess,
        "confidentiality": clean.confidentiality,
        "reporter_name_enc": clean.reporter_name_enc,
        "reporter_phone_enc": clean.reporter_phone_enc,
        "reporter_hash": clean.reporter_hash,
        "status": "received",
        "status_changed_at": clean.received_at,
        "flags": clean.flags,
        "content_hash": clean.content_hash(),
    }


_INSERT = text(
    """
    WITH report AS (
        INSERT INTO reports (code, channel, external_id, received_at, observed_at, geom,
                             location_source, accuracy_m, location_text, title, description,
                             activity, commodity_guess, confidentiality, reporter_name_enc,
                             reporter_phone_enc, reporter_hash, status, status_changed_at,
                             flags, content_hash)
        VALUES (:code, :channel, :external_id, :received_at, :observed_at,
                ST_GeomFromEWKT(:geom), :location_source, :accuracy_m, :location_text, :title,
                :description, :activity, :commodity_guess, :confidentiality,
                :reporter_name_enc, :reporter_phone_enc, :reporter_hash, :status,
                :status_changed_at, CAST(:flags AS text[]), :content_hash)
        ON CONFLICT DO NOTHING
        RETURNING id
    ), history AS (
        INSERT INTO report_status_history (report_id, from_status, to_status, actor, at, reason)
        SELECT id, NULL, 'received', :actor, :received_at, :reason FROM report
    ), evidence AS (
        INSERT INTO report_evidence (report_id, sha256)
        SELECT report.id, sha FROM report, unnest(CAST(:shas AS text[])) AS sha
    ), queued AS (
        INSERT INTO intake_queue (report_id) SELECT id FROM report WHERE :queue
    )
    SELECT id FROM report
    """
)


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
    settings: Settings | None = None,
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
        Injected configuration and clock.
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
    settings = settings or get_settings()
    limits = report_settings or get_report_settings()
    files = [
        inspect_evidence(item, field=f"evidence[{i}]", report_settings=limits)
        for i, item in enumerate(evidence)
    ]
    clean = clean_report(
        {
            "channel": channel,
            "lat": lat,
            "lon": lon,
            "received_at": received_at,
            "observed_at": observed_at,
            "location_source": location_source,
            "accuracy_m": accuracy_m,
            "location_text": location_text,
            "title": title,
            "description": description,
            "activity": activity,
            "commodity_guess": commodity_guess,
            "confidentiality": confidentiality,
            "reporter_name": reporter_name,
            "reporter_phone": reporter_phone,
            "external_id": external_id,
        },
        evidence=files,
        settings=settings,
        report_settings=limits,
        now=now,
    )
    if clean.external_id is not None:
        first = find_by_external_id(
            session=session, channel=clean.channel, external_id=clean.external_id
        )
        if first is not None:
            return _existing(first, "exact_external_id")
    first = find_by_evidence(session=session, sha256s=[f.sha256 for f in files])
    if first is not None:
        return _existing(first, "exact_evidence")

    stored = [store_evidence(session=session, file=f, settings=settings) for f in files]
    values = {
        **report_values(clean, code=new_code()),
        "actor": actor or settings.actor,
        "reason": f"received via {clean.channel}",
        "shas": [e.sha256 for e in stored],
        "queue": defer,
    }
    report_id: int | None = None
    while report_id is None:
        # One round trip: the report, its first history row and its evidence links. A code
        # already taken (1 in 10^9 per stored report) makes the insert do nothing.
        report_id = session.execute(_INSERT, values).scalar()
        if report_id is None:
            # Lost a race: either the same external id was stored meanwhile, or the code.
            if clean.external_id is not None:
                first = find_by_external_id(
                    session=session, channel=clean.channel, external_id=clean.external_id
                )
                if first is not None:
                    return _existing(first, "exact_external_id")
            same = session.scalar(select(Report).where(Report.content_hash == clean.content_hash()))
            if same is not None:
                return _existing(same, "exact_content")
            values["code"] = new_code()
    code = str(values["code"])
    links: dict[int, int | None] = {}
    if not defer:
        links = link_near_duplicates(
            session=session, report_ids=[report_id], report_settings=limits
        )
        if match:
            match_new_reports(session=session, report_ids=[report_id])
    duplicate_of = None
    if links.get(report_id) is not None:
        duplicate_of = session.scalar(select(Report.code).where(Report.id == links[report_id]))
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
