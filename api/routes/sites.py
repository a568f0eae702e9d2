"""``/sites``: the registry as GeoJSON, one site, create and edit (admins), and its history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api import auth
from api.deps import ApiSettingsDep, SessionDep, SettingsDep, run_read
from api.language import request_language
from api.roles import role
from api.routes._geojson import (
    GeoJSONResponse,
    check_page,
    feature_collection,
    feature_response,
    paging_links,
    to_shapely,
)
from api.schemas import (
    ERRORS,
    Commodity,
    Feature,
    FeatureCollection,
    RiskLevel,
    SiteCreate,
    SiteHistoryEntry,
    SiteStatus,
    SiteUpdate,
    errors,
)
from geo import features, registry, sites
from geo.featurecache import CollectionCache
from geo.features import FeaturePage
from geo.tokens import Principal

router = APIRouter(prefix="/sites", tags=["sites"], responses=ERRORS)

SiteReader = Annotated[Principal, role(auth.READERS, "read sites")]
SiteCreator = Annotated[Principal, role(auth.SITE_EDITORS, "create sites")]
SiteEditor = Annotated[Principal, role(auth.SITE_EDITORS, "edit sites")]
HistoryReader = Annotated[Principal, role(auth.READERS, "read site history")]

CodePath = Annotated[
    str, Path(description="Site code", examples=["KKR-001"], pattern=r"^[A-Za-z]{2,5}-[0-9]{1,5}$")
]


RegistryCache = CollectionCache[FeaturePage | str]


def registry_cache(request: Request) -> RegistryCache | None:
    """Return the application's registry cache, or ``None`` when it is turned off."""
    cache: RegistryCache | None = getattr(request.app.state, "registry_cache", None)
    return cache


async def read_sites_page(
    request: Request,
    session: Session,
    *,
    bbox: tuple[float, float, float, float] | None,
    filters: Mapping[str, str | int | None],
    interval: tuple[dt.datetime | None, dt.datetime | None] | None = None,
    limit: int,
    offset: int,
    language: str,
) -> FeaturePage:
    """Return a page of the ``sites`` collection, from the registry cache when it holds it.

    Shared by ``/sites`` and the OGC items of ``sites``. The caller checks authorisation first;
    the page is the same for every role allowed to read sites. Each site carries its
    indicative class in ``language`` (joined in the page's query: ``geo.layers.columns``); a
    classification run notifies the cache's channel like a change to a site does, so a cached
    page never outlives it.
    """
    cache = registry_cache(request)
    key = (
        "sites",
        language,
        bbox,
        interval,
        tuple(sorted((k, v) for k, v in filters.items() if v is not None)),
        limit,
        offset,
    )
    version = None
    if cache is not None:
        version = cache.version()  # taken before reading: see geo.featurecache
        hit = cache.get(key)
        if isinstance(hit, FeaturePage):
            return hit
    page = await run_read(
        session,
        lambda s: features.query_items(
            session=s,
            collection="sites",
            bbox=bbox,
            interval=interval,
            filters=filters,
            limit=limit,
            offset=offset,
            language=language,
        ),
    )
    if cache is not None:
        cache.put(key, version, page)
    return page


async def read_site_feature(
    request: Request, session: Session, feature_id: str, language: str
) -> str:
    """Return one site as GeoJSON text with its class, from the registry cache when it holds it."""
    cache = registry_cache(request)
    key = ("sites", "feature", language, feature_id)
    version = None
    if cache is not None:
        version = cache.version()
        hit = cache.get(key)
        if isinstance(hit, str):
            return hit
    feature = await run_read(
        session,
        lambda s: features.get_feature(
            session=s, collection="sites", feature_id=feature_id, language=language
        ),
    )
    if cache is not None:
        cache.put(key, version, feature)
    return feature


def _commit_and_invalidate(request: Request, session: Session) -> None:
    # Committed here rather than by the session dependency so that the cache is dropped after
    # the commit: this process's next GET reads the change (other processes are notified).
    session.commit()
    cache = registry_cache(request)
    if cache is not None:
        cache.invalidate()


@router.get(
    "",
    summary="List sites as GeoJSON",
    response_class=GeoJSONResponse,
    responses={200: {"model": FeatureCollection, "description": "GeoJSON FeatureCollection"}},
)
async def list_sites(
    request: Request,
    session: SessionDep,
    principal: SiteReader,
    api: ApiSettingsDep,
    bbox: Annotated[
        str | None,
        Query(description="minlon,minlat,maxlon,maxlat (WGS 84)", examples=["116.5,-1.0,117.5,0"]),
    ] = None,
    status: SiteStatus | None = None,
    kabupaten: Annotated[str | None, Query(max_length=100)] = None,
    commodity: Commodity | None = None,
    risk_level: RiskLevel | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """Return the sites matching the filters as an RFC 7946 FeatureCollection, paged.

    Each site carries its indicative class (permit class, forest flags, authority, overlap
    share, snapshot dates and guidance in the asked language): guidance, not a legal finding.
    """
    check_page(limit, offset, api.max_limit)
    box = features.parse_bbox(bbox)
    filters = {
        "status": status,
        "kabupaten": kabupaten,
        "commodity": commodity,
        "risk_level": risk_level,
    }
    # The language is read here rather than as a LanguageDep: on the two hot cached reads of
    # the registry each dependency FastAPI solves costs a few per cent of the request
    # (benchmarks/README.md, "Cached reads: FastAPI's dependencies and the whole registry").
    page = await read_sites_page(
        request,
        session,
        bbox=box,
        filters=filters,
        limit=limit,
        offset=offset,
        language=request_language(request),
    )
    return feature_collection(page, paging_links(request, page, limit=limit, offset=offset))


@router.get(
    "/{code}",
    summary="One site as a GeoJSON Feature",
    response_class=GeoJSONResponse,
    responses={**errors(404), 200: {"model": Feature, "description": "GeoJSON Feature"}},
)
async def get_site(
    request: Request,
    code: CodePath,
    session: SessionDep,
    principal: SiteReader,
) -> Response:
    """Return one site by its code, with its indicative class and guidance."""
    language = request_language(request)  # not LanguageDep: see list_sites
    return feature_response(await read_site_feature(request, session, code.upper(), language))


@router.post(
    "",
    status_code=201,
    summary="Create a site (admin)",
    response_class=GeoJSONResponse,
    responses={**errors(409), 201: {"model": Feature, "description": "The new site"}},
)
def create_site(
    request: Request,
    payload: Annotated[SiteCreate, Body()],
    session: SessionDep,
    principal: SiteCreator,
    settings: SettingsDep,
) -> Response:
    """Add a site to the registry; the audit trail records the token's user."""
    change = registry.create_site(
        settings=settings,
        session=session,
        fields=payload.model_dump(exclude={"geometry"}),
        geometry=to_shapely(payload.geometry.model_dump()),
        actor=principal.user,
    )
    feature = features.get_feature(session=session, collection="sites", feature_id=change.code)
    _commit_and_invalidate(request, session)
    return feature_response(feature, status_code=201)


@router.patch(
    "/{code}",
    summary="Change fields of a site (admin)",
    response_class=GeoJSONResponse,
    responses={**errors(404), 200: {"model": Feature, "description": "GeoJSON Feature"}},
)
def update_site(
    request: Request,
    code: CodePath,
    payload: Annotated[SiteUpdate, Body()],
    session: SessionDep,
    principal: SiteEditor,
    settings: SettingsDep,
) -> Response:
    """Change the given fields of a site; each change is written to the audit trail."""
    changes = payload.model_dump(exclude_unset=True, exclude={"geometry"})
    if payload.geometry is not None:
        changes["geom"] = to_shapely(payload.geometry.model_dump())
    change = registry.edit_site(
        settings=settings, session=session, code=code, changes=changes, actor=principal.user
    )
    feature = features.get_feature(session=session, collection="sites", feature_id=change.code)
    _commit_and_invalidate(request, session)
    return feature_response(feature)


@router.get(
    "/{code}/history",
    summary="Audit trail of a site",
    response_model=list[SiteHistoryEntry],
    responses=errors(404),
)
def site_history(
    code: CodePath, session: SessionDep, principal: HistoryReader
) -> list[SiteHistoryEntry]:
    """Return every change to the site, oldest first: who, when, and what changed."""
    return [SiteHistoryEntry.model_validate(e) for e in sites.history(session, code)]
