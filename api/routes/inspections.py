"""``/inspections``: record what a field team found, with its photos and videos.

Two ways to record: JSON (``POST /inspections``, no files) or a multipart form with the same
fields and the evidence files (``POST /inspections/with-evidence``), the way
``/reports/with-evidence`` takes a report's files. Files sent after the visit go to
``POST /inspections/{id}/evidence``. Every file is checked by :mod:`geo.reports.evidence`
(type by content, so a ZIP named ``.png`` is refused; size limits; decodable) before anything
is written, and the body size limit of :class:`api.main.BodySizeLimit` answers 413. Only field
officers, analysts and admins record or read inspections; each write carries the token's user.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Form, Path, UploadFile
from fastapi.responses import FileResponse

from api import auth
from api.deps import ApiSettingsDep, PrincipalDep, SessionDep, SettingsDep
from api.routes._uploads import MAX_FILES, read_uploads
from api.schemas import (
    ERRORS,
    InspectionDetail,
    InspectionForm,
    InspectionIn,
    InspectionOut,
    errors,
)
from geo.patrols import inspections as geoinspections
from geo.patrols import service

__all__ = ["router"]

router = APIRouter(prefix="/inspections", tags=["inspections"], responses=ERRORS)

InspectionPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="Inspection id")]
EvidenceFiles = Annotated[
    list[UploadFile],
    File(description=f"Photos or videos (JPEG, PNG, HEIC, MP4, MOV), 1 to {MAX_FILES}"),
]


def _record(
    payload: InspectionIn,
    evidence: list[tuple[str, bytes]],
    *,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> InspectionOut:
    auth.require(principal, auth.INSPECTORS, "record inspections")
    request = service.InspectionRequest(**payload.model_dump(), evidence=evidence)
    result = service.record_inspection(
        settings=settings, session=session, request=request, actor=principal.user
    )
    return InspectionOut.model_validate(result, from_attributes=True)


@router.post(
    "",
    status_code=201,
    summary="Record an inspection (field officer, analyst, admin)",
    response_model=InspectionOut,
    responses=errors(404),
)
def create_inspection(
    payload: Annotated[InspectionIn, Body()],
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> InspectionOut:
    """Record a visit's result: updates the site, its audit trail and its matched reports."""
    return _record(payload, [], session=session, principal=principal, settings=settings)


@router.post(
    "/with-evidence",
    status_code=201,
    summary="Record an inspection with photos or videos (field officer, analyst, admin)",
    response_model=InspectionOut,
    responses=errors(404, 413),
)
def create_inspection_with_evidence(
    payload: Annotated[InspectionForm, Form()],
    evidence: EvidenceFiles,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    api: ApiSettingsDep,
) -> InspectionOut:
    """Record a visit with its evidence files; one bad file and nothing is recorded."""
    auth.require(principal, auth.INSPECTORS, "record inspections")
    files = read_uploads(evidence, api)
    return _record(
        payload.to_inspection(), files, session=session, principal=principal, settings=settings
    )


@router.get(
    "/{inspection_id}",
    summary="One inspection with its evidence files (field officer, analyst, admin)",
    response_model=InspectionDetail,
    responses=errors(404),
)
def get_inspection(
    inspection_id: InspectionPath,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Return the recorded result, who recorded it, and the stored evidence files."""
    auth.require(principal, auth.INSPECTORS, "read inspections")
    return geoinspections.get_inspection(
        session=session, inspection_id=inspection_id, settings=settings
    )


@router.post(
    "/{inspection_id}/evidence",
    summary="Add photos or videos to a recorded inspection (field officer, analyst, admin)",
    response_model=InspectionDetail,
    responses=errors(404, 413),
)
def add_inspection_evidence(
    inspection_id: InspectionPath,
    evidence: EvidenceFiles,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    api: ApiSettingsDep,
) -> dict[str, Any]:
    """Store and link files sent after the visit; files already linked are skipped."""
    auth.require(principal, auth.INSPECTORS, "add inspection evidence")
    geoinspections.add_evidence(
        session=session,
        inspection_id=inspection_id,
        evidence=read_uploads(evidence, api),
        actor=principal.user,
        settings=settings,
    )
    return geoinspections.get_inspection(
        session=session, inspection_id=inspection_id, settings=settings
    )


@router.get(
    "/{inspection_id}/evidence/{sha256}",
    summary="Download one evidence file of an inspection (field officer, analyst, admin)",
    response_class=FileResponse,
    responses={
        **errors(404),
        200: {
            "content": {
                "image/jpeg": {},
                "image/png": {},
                "image/heic": {},
                "video/mp4": {},
                "video/quicktime": {},
                "video/3gpp": {},
            },
            "description": "The file as received",
        },
    },
)
def get_inspection_evidence(
    inspection_id: InspectionPath,
    sha256: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> FileResponse:
    """Return an evidence file linked to the inspection (by its SHA-256)."""
    auth.require(principal, auth.INSPECTORS, "download inspection evidence")
    stored = geoinspections.evidence_file(
        session=session, inspection_id=inspection_id, sha256=sha256, settings=settings
    )
    # Uploaded content: the stored type only (never sniffed by the browser), as a download.
    return FileResponse(
        stored.path,
        media_type=stored.mime,
        filename=stored.path.name,
        headers={"X-Content-Type-Options": "nosniff"},
    )
