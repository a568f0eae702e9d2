"""Building GeoJSON responses around the feature text PostGIS returns, with OGC paging links."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from api.errors import ApiError
from api.schemas import GEOJSON
from geo.features import FeaturePage

__all__ = [
    "GeoJSONResponse",
    "GeoJSONParts",
    "feature_collection",
    "feature_response",
    "paging_links",
    "to_shapely",
    "check_page",
]


class GeoJSONResponse(JSONResponse):
    """A response whose body is GeoJSON text (``application/geo+json``) passed through as is.

    A JSONResponse subclass so that OpenAPI documents the body with the route's model.
    """

    media_type = GEOJSON

    def render(self, content: Any) -> bytes:
        """Return text or bytes built by PostGIS unchanged; serialise anything else as JSON."""
        if isinstance(content, bytes):
            return content
        if isinstance(content, str):
            return content.encode("utf-8")
        return super().render(content)


class GeoJSONParts(GeoJSONResponse):
    """GeoJSON written in parts, so that a large cached feature array is sent as it is kept.

    Joining a page of 2,741 sites (1.8 MB) to its envelope copied it for every response; with
    the service's cache the copy was most of the work of a cached ``GET /sites``
    (benchmarks/README.md, "Cached reads: FastAPI's dependencies and the whole registry").
    """

    def __init__(self, parts: tuple[bytes, ...], *, status_code: int = 200) -> None:
        self.parts = parts
        super().__init__(b"", status_code=status_code)
        self.headers["content-length"] = str(sum(len(part) for part in parts))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the start, then each part as a body message (the last one ends the body)."""
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        last = len(self.parts) - 1
        for i, part in enumerate(self.parts):
            await send({"type": "http.response.body", "body": part, "more_body": i < last})


def check_page(limit: int, offset: int, max_limit: int) -> None:
    """Refuse a page size above the configured maximum, naming ``limit``."""
    if limit > max_limit:
        raise ApiError(422, f"limit must be at most {max_limit}, got {limit}", field="limit")


def paging_links(
    request: Request, page: FeaturePage, *, limit: int, offset: int, media_type: str = GEOJSON
) -> list[dict[str, Any]]:
    """Return self/next/prev links for a page, keeping every other query parameter."""
    base = request.url.remove_query_params(["limit", "offset"])

    def href(new_offset: int) -> str:
        return str(base.include_query_params(limit=limit, offset=new_offset))

    links: list[dict[str, Any]] = [
        {"href": href(offset), "rel": "self", "type": media_type, "title": "This page"}
    ]
    more = (
        offset + page.number_returned < page.number_matched
        if page.number_matched >= 0
        else page.number_returned == limit
    )
    if more:
        links.append(
            {"href": href(offset + limit), "rel": "next", "type": media_type, "title": "Next page"}
        )
    if offset > 0:
        links.append(
            {
                "href": href(max(0, offset - limit)),
                "rel": "prev",
                "type": media_type,
                "title": "Previous page",
            }
        )
    return links


def feature_collection(
    page: FeaturePage, links: list[dict[str, Any]], *, status_code: int = 200
) -> GeoJSONResponse:
    """Return a GeoJSON FeatureCollection response wrapping PostGIS's feature array as is."""
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    head = (
        f'{{"type":"FeatureCollection","numberMatched":{page.number_matched},'
        f'"numberReturned":{page.number_returned},"timeStamp":"{stamp}",'
        f'"links":{json.dumps(links)},"features":'
    )
    return GeoJSONParts((head.encode("utf-8"), page.features_utf8, b"}"), status_code=status_code)


def feature_response(feature_json: str, *, status_code: int = 200) -> GeoJSONResponse:
    """Return one GeoJSON Feature (as built by PostGIS)."""
    return GeoJSONResponse(feature_json, status_code=status_code)


def to_shapely(geometry: dict[str, Any], field: str = "geometry") -> Any:
    """Convert a GeoJSON geometry to shapely, refusing malformed coordinates with a 422."""
    import shapely.geometry

    def finite(value: Any) -> bool:
        if isinstance(value, list):
            return all(finite(v) for v in value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("coordinates must be numbers")
        return math.isfinite(value)

    try:
        if not finite(geometry.get("coordinates")):
            raise ApiError(
                422, "coordinates must be finite numbers (no NaN or Infinity)", field=field
            )
        shape = shapely.geometry.shape(geometry)
    except ApiError:
        raise
    except Exception as exc:  # noqa: BLE001 - shapely raises many types for malformed input
        raise ApiError(
            422,
            f"{field} is not a valid GeoJSON {geometry.get('type')}: {str(exc)[:200]}",
            field=field,
        ) from None
    return shape
