"""OGC API - Features Part 1 (Core, GeoJSON) under ``/ogc``, for QGIS, GDAL and OWSLib.

The landing page and conformance are open; which collections a caller sees depends on the
token's role (:data:`COLLECTION_ROLES`). Collections come from :mod:`geo.features`, so a
collection appears here as soon as its spec is registered there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from api import auth
from api.deps import ApiSettingsDep, LanguageDep, PrincipalDep, SessionDep, run_read
from api.errors import ApiError
from api.routes._geojson import GeoJSONResponse, feature_collection, feature_response, paging_links
from api.routes.sites import read_site_feature, read_sites_page
from api.schemas import ERRORS, Feature, FeatureCollection, errors
from api.settings import ApiSettings
from geo import features
from geo.i18n import N_, translator
from geo.settings import Settings
from geo.tokens import Principal

router = APIRouter(prefix="/ogc", tags=["ogc"], responses=ERRORS)

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
JSON = "application/json"
GEOJSON = "application/geo+json"

#: Which roles see which collection; a collection not listed here is served to nobody.
COLLECTION_ROLES: dict[str, frozenset[str]] = {
    "sites": auth.READERS,
    "hotspots": auth.READERS,
    "patrol_routes": auth.READERS,
    "reports": auth.REPORT_READERS,
}

#: ``PANTAU_API_DATA_LICENSE`` value meaning "the agency's internal use only" (the default).
INTERNAL_LICENSE = "internal"
INTERNAL_LICENSE_TEXT = N_(
    "Restricted: for the internal use of {agency} and the partners it names; do not redistribute"
)


@dataclass(frozen=True)
class DataSource:
    """Who made a collection's data and under which licence, when it is not the agency.

    ``license`` is an SPDX identifier or a licence name, ``license_url`` where it is written.
    """

    attribution: str
    license: str
    license_url: str


#: Collections whose data comes from someone else (layers such as permits or satellite data):
#: their source's attribution and licence replace the agency's. Collections not listed here are
#: the agency's own data (``PANTAU_API_DATA_LICENSE`` and ``PANTAU_API_DATA_ATTRIBUTION``).
SOURCES: dict[str, DataSource] = {}


def _license(api: ApiSettings, lang: str, base: str, agency: str) -> tuple[str, str]:
    """Return the title and URL of the licence of the agency's own data.

    >>> from api.settings import ApiSettings
    >>> title, url = _license(ApiSettings(), "en", "http://x/ogc", "Dinas ESDM Provinsi X")
    >>> title.startswith("Restricted: for the internal use of Dinas ESDM Provinsi X"), url
    (True, 'http://x/ogc/license')
    >>> _license(ApiSettings(data_license="CC-BY-4.0"), "en", "http://x/ogc", "-")
    ('CC-BY-4.0', 'https://spdx.org/licenses/CC-BY-4.0.html')
    """
    if api.data_license == INTERNAL_LICENSE:
        text = translator(lang).gettext(INTERNAL_LICENSE_TEXT, agency=agency)
        return text, api.data_license_url or (f"{base}/license")
    url = api.data_license_url or f"https://spdx.org/licenses/{api.data_license}.html"
    return api.data_license, url


def _agency(request: Request) -> str:
    """Return the agency of the configured province (``Dinas ESDM Provinsi ...``)."""
    settings: Settings = request.app.state.settings
    return settings.province_profile.agency


def _rights(cid: str, api: ApiSettings, lang: str, request: Request) -> dict[str, Any]:
    """Return the ``attribution`` and ``license`` members and the licence link of ``cid``."""
    source = SOURCES.get(cid)
    if source is not None:
        title, url, attribution = source.license, source.license_url, source.attribution
    else:
        agency = _agency(request)
        title, url = _license(api, lang, _base(request), agency)
        attribution = api.data_attribution or agency
    return {
        "attribution": attribution,
        "license": title,
        "link": {"href": url, "rel": "license", "type": "text/html", "title": title},
    }


CollectionPath = Annotated[
    str, Path(description="Collection id", examples=["sites"], pattern=r"^[a-z_]{1,40}$")
]


def _visible(principal: Principal) -> list[str]:
    return [
        cid
        for cid in features.COLLECTIONS
        if principal.role in COLLECTION_ROLES.get(cid, frozenset())
    ]


def _check_visible(principal: Principal, collection: str) -> None:
    roles = COLLECTION_ROLES.get(collection)
    if collection not in features.COLLECTIONS or roles is None:
        raise ApiError(404, f"no collection {collection!r}", field="collectionId")
    auth.require(principal, roles, f"read collection {collection!r}")


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _collection_doc(
    request: Request, session: SessionDep, cid: str, api: ApiSettings, lang: str
) -> dict[str, Any]:
    spec = features.COLLECTIONS[cid]
    bbox, (start, end) = features.collection_extent(session=session, collection=cid)
    base = _base(request)
    extent: dict[str, Any] = {
        "spatial": {"bbox": [list(bbox) if bbox else [-180.0, -90.0, 180.0, 90.0]], "crs": CRS84}
    }
    if spec.datetime_column:
        extent["temporal"] = {"interval": [[start, end]]}
    rights = _rights(cid, api, lang, request)
    return {
        "id": cid,
        "title": spec.title,
        "description": spec.description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": extent,
        "attribution": rights["attribution"],
        "license": rights["license"],
        "links": [
            rights["link"],
            {
                "href": f"{base}/collections/{cid}",
                "rel": "self",
                "type": JSON,
                "title": "This collection",
            },
            {
                "href": f"{base}/collections/{cid}/items",
                "rel": "items",
                "type": GEOJSON,
                "title": f"{spec.title} (GeoJSON)",
            },
        ],
    }


@router.get("", summary="OGC API landing page")
def landing(request: Request) -> dict[str, Any]:
    """Return the landing page with links to the API definition, conformance and collections."""
    base = _base(request)
    root = str(request.base_url).rstrip("/")
    return {
        "title": "Pantau Tambang OGC API - Features",
        "description": "Suspect illegal-mining sites, hotspots, patrol routes and reports "
        "of East Kalimantan. Send an API token as 'Authorization: Bearer <token>' or as the "
        "password of HTTP Basic authentication (any user name), as QGIS does.",
        "links": [
            {"href": base, "rel": "self", "type": JSON, "title": "This document"},
            {
                "href": f"{root}/openapi.json",
                "rel": "service-desc",
                "type": "application/vnd.oai.openapi+json;version=3.0",
                "title": "API definition",
            },
            {
                "href": f"{root}/docs",
                "rel": "service-doc",
                "type": "text/html",
                "title": "API documentation",
            },
            {
                "href": f"{base}/conformance",
                "rel": "conformance",
                "type": JSON,
                "title": "Conformance classes",
            },
            {"href": f"{base}/collections", "rel": "data", "type": JSON, "title": "Collections"},
        ],
    }


@router.get("/conformance", summary="OGC conformance classes")
def conformance() -> dict[str, list[str]]:
    """Return the conformance classes implemented: Core, GeoJSON and OpenAPI 3.0."""
    return {"conformsTo": CONFORMANCE}


@router.get("/collections", summary="Collections the caller may read")
def collections(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    api: ApiSettingsDep,
    lang: LanguageDep,
) -> dict[str, Any]:
    """Return the collections visible to the caller's role, with extents, licence and source."""
    base = _base(request)
    return {
        "links": [
            {"href": f"{base}/collections", "rel": "self", "type": JSON, "title": "Collections"}
        ],
        "collections": [
            _collection_doc(request, session, cid, api, lang) for cid in _visible(principal)
        ],
    }


@router.get("/collections/{collectionId}", summary="One collection", responses=errors(404))
def collection(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    api: ApiSettingsDep,
    lang: LanguageDep,
    collection_id: Annotated[str, Path(alias="collectionId", pattern=r"^[a-z_]{1,40}$")],
) -> dict[str, Any]:
    """Return the description, extent, licence and attribution of one collection."""
    _check_visible(principal, collection_id)
    return _collection_doc(request, session, collection_id, api, lang)


@router.get("/license", summary="Licence and attribution of the agency's data")
def license_terms(api: ApiSettingsDep, lang: LanguageDep, request: Request) -> dict[str, str]:
    """Return the licence and attribution of the agency's own collections.

    In the caller's language; the collections' ``license`` links point here when the data is
    internal.
    """
    agency = _agency(request)
    title, url = _license(api, lang, _base(request), agency)
    return {"license": title, "url": url, "attribution": api.data_attribution or agency}


@router.get(
    "/collections/{collectionId}/items",
    summary="Features of a collection (GeoJSON)",
    response_class=GeoJSONResponse,
    responses={
        **errors(400, 404),
        200: {"model": FeatureCollection, "description": "GeoJSON FeatureCollection"},
    },
)
async def items(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    api: ApiSettingsDep,
    lang: LanguageDep,
    collection_id: Annotated[str, Path(alias="collectionId", pattern=r"^[a-z_]{1,40}$")],
    bbox: Annotated[
        str | None,
        Query(
            description="minlon,minlat,maxlon,maxlat in CRS84",
            examples=["116,-1,118,1"],
            max_length=200,
        ),
    ] = None,
    datetime: Annotated[
        str | None,
        Query(
            description="RFC 3339 instant or interval (a/b, ../b, a/..)",
            examples=["2025-01-01T00:00:00Z/.."],
            max_length=100,
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> GeoJSONResponse:
    """Return a page of features, filtered by bbox, datetime and simple property filters."""
    _check_visible(principal, collection_id)
    spec = features.COLLECTIONS[collection_id]
    limit = min(limit, api.max_limit)  # OGC: a larger limit is clamped, not refused
    filters = {
        name: request.query_params[name] for name in spec.filterable if name in request.query_params
    }
    box = features.parse_bbox(bbox)
    interval = features.parse_datetime_interval(datetime)
    if collection_id == "sites":  # the registry: served from its cache while it holds the page
        page = await read_sites_page(
            request,
            session,
            bbox=box,
            interval=interval,
            filters=filters,
            limit=limit,
            offset=offset,
            language=lang,  # each site carries its indicative class in the reader's language
        )
    else:
        page = await run_read(
            session,
            lambda s: features.query_items(
                session=s,
                collection=collection_id,
                bbox=box,
                interval=interval,
                filters=filters,
                limit=limit,
                offset=offset,
            ),
        )
    links = paging_links(request, page, limit=limit, offset=offset)
    links.append(
        {
            "href": f"{_base(request)}/collections/{collection_id}",
            "rel": "collection",
            "type": JSON,
            "title": spec.title,
        }
    )
    return feature_collection(page, links)


@router.get(
    "/collections/{collectionId}/items/{featureId}",
    summary="One feature (GeoJSON)",
    response_class=GeoJSONResponse,
    responses={**errors(404), 200: {"model": Feature, "description": "GeoJSON Feature"}},
)
async def item(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    lang: LanguageDep,
    collection_id: Annotated[str, Path(alias="collectionId", pattern=r"^[a-z_]{1,40}$")],
    feature_id: Annotated[str, Path(alias="featureId", max_length=100)],
) -> GeoJSONResponse:
    """Return one feature of a collection by its id (a site with its indicative class)."""
    _check_visible(principal, collection_id)
    if collection_id == "sites":
        feature = await read_site_feature(request, session, feature_id, lang)
    else:
        # In a worker thread: a query run directly in this async route would stop the server's
        # event loop (every other request) while it waits for PostgreSQL.
        feature = await run_read(
            session,
            lambda s: features.get_feature(
                session=s, collection=collection_id, feature_id=feature_id
            ),
        )
    base = f"{_base(request)}/collections/{collection_id}"
    links = [
        {"href": str(request.url), "rel": "self", "type": GEOJSON, "title": "This feature"},
        {"href": base, "rel": "collection", "type": JSON, "title": "The collection"},
    ]
    # The feature text comes from PostGIS; the links are spliced in before its closing brace.
    return feature_response(f'{feature.rstrip()[:-1]}, "links": {json.dumps(links)}}}')
