"""The GFW Data API: a query of the alerts of an area and period.

``POST /dataset/<dataset>/<version>/query/json`` with ``sql`` and ``geometry``, authenticated
by the ``x-api-key`` header. The key comes from the settings (``PANTAU_ALERTS_API_KEY``),
never from the repository, and is never logged or put into an error message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from geo.alerts.config import AlertSettings
from geo.alerts.readers import CONFIDENCE, DATE, INTENSITY
from geo.errors import N_, ConfigurationError, PantauError

__all__ = ["AlertSourceError", "area_geometry", "query_alerts", "query_sql"]

_NO_KEY = N_("the GFW Data API key is not set (PANTAU_ALERTS_API_KEY)")
_FAILED = N_("the GFW Data API answered {status}: {detail}")
_UNREACHABLE = N_("the GFW Data API at {url} cannot be reached: {problem}")


class AlertSourceError(PantauError):
    """The alert service refused a query or could not be reached."""


def area_geometry(bbox: tuple[float, float, float, float]) -> dict[str, Any]:
    """Return the area of interest as a GeoJSON polygon, the ``geometry`` of a query.

    Examples
    --------
    >>> area_geometry((116.0, -1.0, 117.0, 0.0))["coordinates"][0][:2]
    [[116.0, -1.0], [117.0, -1.0]]
    """
    x0, y0, x1, y1 = bbox
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def query_sql(since: dt.date, until: dt.date, *, intensity: bool = True) -> str:
    """Return the SQL of a query for the alerts between two days (both included).

    Examples
    --------
    >>> sql = query_sql(dt.date(2026, 11, 1), dt.date(2026, 11, 30), intensity=False)
    >>> sql.split(" WHERE ")[1].split(" AND ")[1]
    "gfw_integrated_alerts__date <= '2026-11-30'"
    """
    columns = ["latitude", "longitude", DATE, CONFIDENCE, *([INTENSITY] if intensity else [])]
    return (
        f"SELECT {', '.join(columns)} FROM results "
        f"WHERE {DATE} >= '{since.isoformat()}' AND {DATE} <= '{until.isoformat()}'"
    )


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict):
        return str(body.get("message") or body.get("detail") or body.get("data") or body)[:500]
    return str(body)[:500]


def query_alerts(
    *,
    settings: AlertSettings,
    bbox: tuple[float, float, float, float],
    since: dt.date,
    until: dt.date,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, Any]:
    """Ask the Data API for the alerts of an area and period; return its JSON answer.

    Raises
    ------
    ConfigurationError
        When no API key is set.
    AlertSourceError
        When the service answers with an error (the message it gives is kept) or cannot be
        reached.
    """
    key = settings.api_key.get_secret_value() if settings.api_key is not None else ""
    if not key:
        raise ConfigurationError.of(_NO_KEY, field="api_key")
    base = settings.api_url.rstrip("/")
    url = f"{base}/dataset/{settings.dataset}/{settings.version}/query/json"
    body = {"sql": query_sql(since, until), "geometry": area_geometry(bbox)}
    headers = {"x-api-key": key, "Content-Type": "application/json"}
    try:
        with httpx.Client(timeout=settings.timeout_s, transport=transport) as client:
            response = client.post(url, json=body, headers=headers)
    except httpx.HTTPError as e:
        raise AlertSourceError.of(
            _UNREACHABLE, field="api_url", url=base, problem=type(e).__name__
        ) from None
    if response.status_code != 200:
        raise AlertSourceError.of(
            _FAILED, field="api_url", status=response.status_code, detail=_message(response)
        )
    try:
        answer: dict[str, Any] = response.json()
    except ValueError:
        raise AlertSourceError.of(
            _FAILED, field="api_url", status=200, detail=response.text[:200]
        ) from None
    if not isinstance(answer, dict) or answer.get("status", "success") != "success":
        message = answer.get("message") if isinstance(answer, dict) else answer
        raise AlertSourceError.of(_FAILED, field="api_url", status=200, detail=str(message))
    return answer
