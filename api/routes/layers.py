"""``/layers``: imported permit and land-status snapshots, and indicative classes.

The class of a site, report or hotspot is for analysts and admins: it points at enforcement.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from api import auth
from api.deps import PrincipalDep, SessionDep
from api.schemas import ERRORS
from api.schemas.layers import ClassificationOut, LayerSnapshotOut, ObjectKind
from geo.layers import service

router = APIRouter(prefix="/layers", tags=["layers"], responses=ERRORS)

#: Who may read permit classes: they point at enforcement, so staff who plan it.
LAYER_READERS = auth.PATROL_PLANNERS

Lang = Annotated[Literal["id", "en"], Query(description="Bahasa Indonesia or English")]
Code = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]


@router.get("/snapshots", summary="Imported layer snapshots, newest first (analyst, admin)")
def list_snapshots(
    session: SessionDep,
    principal: PrincipalDep,
    kind: Literal["wiup", "kawasan_hutan", "pippib"] | None = None,
) -> list[LayerSnapshotOut]:
    """Return every stored snapshot; ``newest`` marks those classification uses."""
    auth.require(principal, LAYER_READERS, "read the permit layers")
    rows = service.list_snapshots(session=session, kind=kind)
    return [LayerSnapshotOut.model_validate(dataclasses.asdict(r)) for r in rows]


@router.get(
    "/classification/{object_kind}/{code}",
    summary="Indicative permit and forest class of a site, report or hotspot (analyst, admin)",
)
def classification(
    object_kind: ObjectKind,
    code: Code,
    session: SessionDep,
    principal: PrincipalDep,
    lang: Lang = "id",
) -> ClassificationOut:
    """Return the stored indicative class with its evidence and guidance in ``lang``."""
    auth.require(principal, LAYER_READERS, "read permit classes")
    view = service.classification_of(
        session=session, object_kind=object_kind, code=code, language=lang
    )
    return ClassificationOut.model_validate(dataclasses.asdict(view))
