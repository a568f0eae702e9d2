"""``/reports``: public intake and status by tracking code, and the staff views.

Staff views: the list, one report (identity only for the roles that may see it, through
:func:`geo.reports.redact`), the lifecycle and the complaint clocks.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Form, Header, Path, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from pydantic import ConfigDict
from sqlalchemy.orm import Session

from api import auth
from api.deps import (
    ApiSettingsDep,
    LanguageDep,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    public_rate_limit,
    run_write,
)
from api.errors import ApiError
from api.roles import role
from api.routes._geojson import (
    GeoJSONResponse,
    check_page,
    feature_collection,
    paging_links,
)
from api.routes._uploads import read_uploads
from api.schemas import (
    ERRORS,
    Activity,
    ClockOut,
    Confidentiality,
    FeatureCollection,
    ReportChannel,
    ReportCode,
    ReportDetail,
    ReportHistoryEntry,
    ReportIn,
    ReportPublicStatus,
    ReportReceipt,
    ReportStatus,
    TransitionIn,
    errors,
)
from api.schemas.reports import LinkChangeOut, MergeIn, ReportGroupOut, UnlinkIn
from api.settings import ApiSettings
from geo import features
from geo import reports as georeports
from geo.layers import service as layers
from geo.reports import service
from geo.reports.evidence import evidence_path
from geo.reports.queue import IntakeWorker
from geo.settings import Settings
from geo.tokens import Principal

router = APIRouter(prefix="/reports", tags=["reports"], responses=ERRORS)

ReportLister = Annotated[Principal, role(auth.REPORT_READERS, "list reports")]
ClockReader = Annotated[Principal, role(auth.REPORT_READERS, "read complaint clocks")]
ReportReader = Annotated[Principal, role(auth.REPORT_READERS, "read reports")]
EvidenceReader = Annotated[Principal, role(auth.REPORT_READERS, "download evidence")]
HistoryReader = Annotated[Principal, role(auth.REPORT_READERS, "read report history")]
StatusChanger = Annotated[Principal, role(auth.REPORT_HANDLERS, "change a report's status")]
# Linking and unlinking change what a report counts for, as a status change does: same roles.
GroupReader = Annotated[Principal, role(auth.REPORT_HANDLERS, "read a group of linked reports")]
Linker = Annotated[Principal, role(auth.REPORT_HANDLERS, "link or unlink duplicate reports")]

CodePath = Annotated[ReportCode, Path(description="Tracking code", examples=["PTM-7K3Q9X"])]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Repeat a submission safely: the same key returns the same report",
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
    ),
]


def _receipt(result: georeports.SubmitResult) -> JSONResponse:
    body = ReportReceipt.model_validate(result, from_attributes=True)
    if result.created:
        body.duplicate_of = None
    return JSONResponse(body.model_dump(), status_code=201 if result.created else 200)


def _submit(
    payload: ReportIn,
    evidence: list[bytes],
    *,
    session: Session,
    principal: Principal,
    settings: Settings,
    idempotency_key: str | None,
    defer: bool = False,
) -> JSONResponse:
    result = service.submit_report(
        settings=settings,
        session=session,
        fields=payload.model_dump(exclude_none=True),
        actor=principal.user,
        public=principal.is_public,
        evidence=evidence,
        idempotency_key=idempotency_key,
        defer=defer,
    )
    return _receipt(result)


def _queued(request: Request, response: JSONResponse) -> JSONResponse:
    """Wake the intake worker once the report (and its queue row) is committed."""
    worker: IntakeWorker | None = getattr(request.app.state, "intake_worker", None)
    if worker is not None and response.status_code == 201:
        worker.notify()
    return response


_RECEIPT_DOC: dict[int | str, dict[str, Any]] = {
    201: {"model": ReportReceipt, "description": "Report stored; keep the tracking code"},
    200: {"model": ReportReceipt, "description": "Repeat of an earlier submission: that report"},
}


@router.post(
    "",
    status_code=201,
    summary="Submit a report (public)",
    response_model=ReportReceipt,
    responses={**_RECEIPT_DOC, **errors(413, 429)},
    dependencies=[Depends(public_rate_limit)],
)
async def submit_report(
    request: Request,
    payload: Annotated[ReportIn, Body()],
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Store a report and return its tracking code; the reporter's identity is encrypted."""
    defer = getattr(request.app.state, "intake_worker", None) is not None
    response = await run_write(
        session,
        lambda s: _submit(
            payload,
            [],
            session=s,
            principal=principal,
            settings=settings,
            idempotency_key=idempotency_key,
            defer=defer,
        ),
    )
    return _queued(request, response)


class ReportForm(ReportIn):
    """The report fields as multipart form fields, next to the evidence files."""

    model_config = ConfigDict(extra="ignore")


@router.post(
    "/with-evidence",
    status_code=201,
    summary="Submit a report with photos or videos (public)",
    response_model=ReportReceipt,
    responses={**_RECEIPT_DOC, **errors(413, 429)},
    dependencies=[Depends(public_rate_limit)],
)
async def submit_report_with_evidence(
    payload: Annotated[ReportForm, Form()],
    request: Request,
    api: ApiSettingsDep,
    evidence: Annotated[list[UploadFile], File(description="Photos or videos")],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Store a report with evidence files (JPEG, PNG, HEIC, MP4, MOV), each checked by content."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(
        _submit_in_session, request, payload, evidence, api, idempotency_key
    )


def _submit_in_session(
    request: Request,
    payload: ReportIn,
    evidence: list[UploadFile],
    api: ApiSettings,
    idempotency_key: str | None,
) -> JSONResponse:
    from geo.db import session_scope

    contents = [content for _, content in read_uploads(evidence, api)]

    defer = getattr(request.app.state, "intake_worker", None) is not None
    with session_scope(request.app.state.engine) as session:
        principal = auth.principal_from_header(request, session, request.app.state.token_cache)
        response = _submit(
            payload,
            contents,
            session=session,
            principal=principal,
            settings=request.app.state.settings,
            idempotency_key=idempotency_key,
            defer=defer,
        )
    # Returned after the commit: a 201 is only sent for stored reports.
    return _queued(request, response)


@router.get(
    "/status/{code}",
    summary="Status of a report by tracking code (public)",
    response_model=ReportPublicStatus,
    responses=errors(404, 429),
    dependencies=[Depends(public_rate_limit)],
)
def public_status(code: CodePath, session: SessionDep) -> ReportPublicStatus:
    """Return only the status and its dates, for whoever holds the tracking code."""
    report = georeports.get_report(session=session, code=code)
    return ReportPublicStatus.model_validate(report, from_attributes=True)


@router.get(
    "",
    summary="List reports as GeoJSON (staff)",
    response_class=GeoJSONResponse,
    responses={200: {"model": FeatureCollection, "description": "GeoJSON FeatureCollection"}},
)
def list_reports(
    request: Request,
    session: SessionDep,
    principal: ReportLister,
    api: ApiSettingsDep,
    status: ReportStatus | None = None,
    channel: ReportChannel | None = None,
    activity: Activity | None = None,
    confidentiality: Confidentiality | None = None,
    bbox: Annotated[str | None, Query(max_length=200, examples=["116,-1,118,1"])] = None,
    datetime: Annotated[str | None, Query(max_length=100, examples=["2026-01-01/.."])] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> GeoJSONResponse:
    """Return reports (rahasia included, identity never) received in a period and area."""
    check_page(limit, offset, api.max_limit)
    page = features.query_items(
        session=session,
        collection="reports_internal",
        bbox=features.parse_bbox(bbox),
        interval=features.parse_datetime_interval(datetime),
        filters={
            "status": status,
            "channel": channel,
            "activity": activity,
            "confidentiality": confidentiality,
        },
        limit=limit,
        offset=offset,
    )
    return feature_collection(page, paging_links(request, page, limit=limit, offset=offset))


@router.get(
    "/overdue",
    summary="Overdue (and due-soon) complaint clocks (staff)",
    response_model=list[ClockOut],
)
def overdue_reports(
    session: SessionDep,
    principal: ClockReader,
    settings: SettingsDep,
    due_soon: bool = False,
) -> list[ClockOut]:
    """Return running clocks past their deadline (and, if asked, due soon), most urgent first."""
    zone = settings.province_profile.zone  # days end at the province's midnight
    return [
        ClockOut.model_validate(c, from_attributes=True)
        for c in georeports.overdue(session=session, due_soon=due_soon, zone=zone)
    ]


@router.get(
    "/{code}",
    summary="One report (staff; identity for intake operators and admins)",
    response_model=ReportDetail,
    responses=errors(404),
)
def get_report(
    code: CodePath,
    session: SessionDep,
    principal: ReportReader,
    settings: SettingsDep,
    language: LanguageDep,
) -> dict[str, Any]:
    """Return a report with history, evidence, clocks and its indicative class (staff only).

    ``indicative_class`` is the report's class by the permit and forest layers with the
    guidance in the asked language, or null before any classification.
    """
    detail = georeports.show(
        session=session, code=code, role=auth.audience(principal), settings=settings
    )
    detail.pop("id", None)
    views = layers.classifications_of(
        session=session, object_kind="report", codes=[detail["code"]], language=language
    )
    view = views.get(str(detail["code"]).upper())
    detail["indicative_class"] = dataclasses.asdict(view) if view is not None else None
    return detail


@router.get(
    "/{code}/evidence/{sha256}",
    summary="Download one evidence file of a report (staff)",
    response_class=FileResponse,
    responses={
        **errors(404),
        200: {
            "content": {"image/jpeg": {}, "image/png": {}, "video/mp4": {}},
            "description": "The file as received",
        },
    },
)
def get_evidence(
    code: CodePath,
    sha256: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
    session: SessionDep,
    principal: EvidenceReader,
    settings: SettingsDep,
) -> FileResponse:
    """Return an evidence file attached to the report (by its SHA-256)."""
    detail = georeports.show(
        session=session, code=code, role=auth.audience(principal), settings=settings
    )
    match = next((e for e in detail["evidence"] if e["sha256"] == sha256), None)
    if match is None:
        raise ApiError(404, f"report {code} has no evidence {sha256[:12]}…", field="sha256")
    path = evidence_path(sha256, match["mime"], settings=settings)
    if not path.is_file():
        raise ApiError(404, "the evidence file is missing from storage", field="sha256")
    # Uploaded content: the stored type only (never sniffed by the browser), as a download.
    return FileResponse(
        path,
        media_type=match["mime"],
        filename=path.name,
        headers={"X-Content-Type-Options": "nosniff"},
    )


@router.get(
    "/{code}/history",
    summary="Status history of a report (staff)",
    response_model=list[ReportHistoryEntry],
    responses=errors(404),
)
def report_history(
    code: CodePath, session: SessionDep, principal: HistoryReader
) -> list[ReportHistoryEntry]:
    """Return every status transition: from, to, who, when, why."""
    return [
        ReportHistoryEntry.model_validate(h, from_attributes=True)
        for h in georeports.history(session=session, code=code)
    ]


@router.post(
    "/{code}/transitions",
    summary="Move a report through its lifecycle (staff)",
    response_model=ReportPublicStatus,
    responses=errors(404, 409),
)
def transition_report(
    code: CodePath,
    payload: Annotated[TransitionIn, Body()],
    session: SessionDep,
    principal: StatusChanger,
    settings: SettingsDep,
) -> ReportPublicStatus:
    """Change a report's status; the transition is recorded with the token's user."""
    change = service.change_status(
        settings=settings,
        session=session,
        code=code,
        to=payload.to,
        actor=principal.user,
        reason=payload.reason,
        resolution=payload.resolution,
    )
    return ReportPublicStatus.model_validate(change, from_attributes=True)


@router.get(
    "/{code}/group",
    summary="A report's group of linked reports: members, their clocks, history (staff)",
    response_model=ReportGroupOut,
    responses=errors(404),
)
def report_group(
    code: CodePath, session: SessionDep, principal: GroupReader, settings: SettingsDep
) -> ReportGroupOut:
    """Return the group of linked reports, each member's own clocks and the group's history."""
    group = service.report_group(settings=settings, session=session, code=code)
    return ReportGroupOut.model_validate(group, from_attributes=True)


@router.post(
    "/{code}/unlink",
    summary="Take a wrongly linked duplicate out of its group (staff, audited)",
    response_model=LinkChangeOut,
    responses=errors(404),
)
def unlink_report(
    code: CodePath,
    payload: Annotated[UnlinkIn, Body()],
    session: SessionDep,
    principal: Linker,
    settings: SettingsDep,
) -> LinkChangeOut:
    """Unlink the report from its group; it is never linked to that group again automatically."""
    change = service.unlink_duplicate(
        settings=settings,
        session=session,
        code=code,
        reason=payload.reason,
        actor=principal.user,
    )
    return LinkChangeOut.model_validate(change, from_attributes=True)


@router.post(
    "/{code}/merge",
    summary="Link a missed duplicate into another report's group (staff, audited)",
    response_model=LinkChangeOut,
    responses=errors(404, 409),
)
def merge_report(
    code: CodePath,
    payload: Annotated[MergeIn, Body()],
    session: SessionDep,
    principal: Linker,
    settings: SettingsDep,
) -> LinkChangeOut:
    """Merge the report (with its group) into the group of ``into``; statuses are untouched."""
    change = service.merge_duplicate(
        settings=settings,
        session=session,
        code=code,
        into=payload.into,
        reason=payload.reason,
        actor=principal.user,
    )
    return LinkChangeOut.model_validate(change, from_attributes=True)
