"""Read the GeoJSON an ArcGIS MapServer/FeatureServer ``query?f=geojson`` answers, page by page.

A server returns at most its ``maxRecordCount`` features per request and says
``exceededTransferLimit: true`` (at the top level, or inside ``properties`` in newer versions)
when more remain; the next page is asked for with ``resultOffset``. Only the standard library
is used: the requests are plain GETs.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from geo.errors import InputFileError
from geo.layers.config import LayerSettings

__all__ = ["fetch_features", "query_url"]


def query_url(url: str, *, offset: int, page_size: int) -> str:
    """Return ``url`` with the query parameters of one page (the caller's own ones kept).

    Examples
    --------
    >>> query_url("http://h/MapServer/0/query?where=1%3D1", offset=5, page_size=2)
    'http://h/MapServer/0/query?where=1%3D1&outFields=%2A&f=geojson&outSR=4326&returnGeometry=true&resultOffset=5&resultRecordCount=2'
    """
    parts = urllib.parse.urlsplit(url)
    params = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    params.setdefault("where", "1=1")
    params.setdefault("outFields", "*")
    params["f"] = "geojson"
    params.setdefault("outSR", "4326")
    params.setdefault("returnGeometry", "true")
    params["resultOffset"] = str(offset)
    params["resultRecordCount"] = str(page_size)
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(params)))


def _get(url: str, timeout_s: float) -> dict[str, Any]:
    try:
        # The scheme is checked by fetch_features: only http(s) reaches here.
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310
            body = response.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise InputFileError(
            f"{url}: the layer service did not answer: {exc}", field="url"
        ) from None
    try:
        doc = json.loads(body)
    except ValueError:
        raise InputFileError(f"{url}: the answer is not JSON", field="url") from None
    if not isinstance(doc, dict):
        raise InputFileError(f"{url}: the answer is not a GeoJSON object", field="url")
    if "error" in doc:
        raise InputFileError(
            f"{url}: the layer service answered an error: {doc['error']}", field="url"
        )
    return doc


def _more(doc: dict[str, Any]) -> bool:
    props = doc.get("properties") or {}
    return bool(doc.get("exceededTransferLimit") or props.get("exceededTransferLimit"))


def fetch_features(url: str, *, settings: LayerSettings) -> list[dict[str, Any]]:
    """Return every GeoJSON feature of the layer behind ``url``, following the paging.

    Raises
    ------
    InputFileError
        When the URL is not http(s), the service fails or answers something else than GeoJSON.
    """
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise InputFileError(f"{url}: expected an http:// or https:// URL", field="url")
    features: list[dict[str, Any]] = []
    for _ in range(settings.max_pages):
        page_url = query_url(url, offset=len(features), page_size=settings.page_size)
        doc = _get(page_url, settings.timeout_s)
        page = doc.get("features")
        if not isinstance(page, list):
            raise InputFileError(f"{url}: the answer has no GeoJSON 'features'", field="url")
        features.extend(page)
        if not page or not _more(doc):
            return features
    raise InputFileError(
        f"{url}: still more features after {settings.max_pages} pages "
        "(raise PANTAU_LAYERS_MAX_PAGES)",
        field="url",
    )
