"""Shapes every resource shares: errors, GeoJSON, links, health, text constraints."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)

from geo.vocab import COMMODITIES, RISK_LEVELS, SITE_STATUSES

__all__ = [
    "GEOJSON",
    "Commodity",
    "SiteStatus",
    "RiskLevel",
    "ShortText",
    "LongText",
    "SiteCode",
    "NO_CONTROL",
    "NO_CONTROL_LINE",
    "FiniteFloat",
    "Line200",
    "Line300",
    "Line1000",
    "Text2000",
    "Text10000",
    "ErrorDetail",
    "ErrorResponse",
    "errors",
    "ERRORS",
    "Geometry",
    "Feature",
    "Link",
    "FeatureCollection",
    "Health",
]

GEOJSON = "application/geo+json"

Commodity = Literal[COMMODITIES]  # type: ignore[valid-type]  # Literal built from the vocabulary
SiteStatus = Literal[SITE_STATUSES]  # type: ignore[valid-type]
RiskLevel = Literal[RISK_LEVELS]  # type: ignore[valid-type]

# Printable text only: control characters are refused at the boundary, emoji are welcome.
ShortText = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$"
    ),
]
LongText = Annotated[
    str, StringConstraints(max_length=5000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")
]
SiteCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2,5}-[0-9]{1,5}$"),
]


NO_CONTROL = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
NO_CONTROL_LINE = r"^[^\x00-\x1f\x7f]*$"
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]

Line200 = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200, pattern=NO_CONTROL_LINE)
]
Line300 = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=300, pattern=NO_CONTROL_LINE)
]
Line1000 = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=1000, pattern=NO_CONTROL_LINE)
]
Text2000 = Annotated[str, StringConstraints(max_length=2000, pattern=NO_CONTROL)]
Text10000 = Annotated[str, StringConstraints(max_length=10_000, pattern=NO_CONTROL)]


class ErrorDetail(BaseModel):
    """What went wrong: a stable code, a message for people, and the field concerned."""

    code: str = Field(examples=["validation_error"])
    message: str = Field(examples=["latitude: Input should be less than or equal to 90"])
    field: str | None = Field(examples=["latitude"])


class ErrorResponse(BaseModel):
    """The one error body of every endpoint."""

    error: ErrorDetail


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return OpenAPI ``responses`` documenting ``statuses`` (and any other) as ErrorResponse."""
    described: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorResponse, "description": _DESCRIPTIONS.get(status, "Error")}
        for status in statuses
    }
    described["default"] = {"model": ErrorResponse, "description": "Error"}
    return described


_DESCRIPTIONS = {
    401: "No token, or an unknown or revoked token",
    403: "The token's role may not do this",
    404: "Not found",
    409: "Conflicts with what is stored",
    413: "Body or upload too large",
    422: "A value is not acceptable; `field` names it",
    429: "Too many requests from this address",
    503: "The database is unavailable",
}

#: Errors any route may return (validation, authentication, rate limit).
ERRORS = errors(401, 403, 422, 429)


class Geometry(BaseModel):
    """A GeoJSON geometry (RFC 7946) in WGS 84 longitude, latitude."""

    type: Literal["Point", "Polygon", "MultiPolygon", "LineString", "MultiLineString", "MultiPoint"]
    coordinates: Any = Field(examples=[[117.1536, -0.5022]])


class Feature(BaseModel):
    """A GeoJSON Feature."""

    model_config = ConfigDict(extra="allow")

    type: Literal["Feature"]
    id: str | int | None = None
    geometry: Geometry | None
    properties: dict[str, Any] | None


class Link(BaseModel):
    """A link of OGC API - Features (rel, type, href)."""

    href: str
    rel: str
    type: str | None = None
    title: str | None = None


class FeatureCollection(BaseModel):
    """A GeoJSON FeatureCollection with OGC API paging members."""

    model_config = ConfigDict(extra="allow")

    type: Literal["FeatureCollection"]
    features: list[Feature]
    numberMatched: int | None = None  # noqa: N815 - the OGC member name
    numberReturned: int | None = None  # noqa: N815 - the OGC member name
    timeStamp: str | None = None  # noqa: N815 - the OGC member name
    links: list[Link] = []


class Health(BaseModel):
    """Liveness or readiness of the service."""

    status: Literal["ok", "unavailable"]
    postgis: str | None = None
    detail: str | None = None
