"""Use cases of satellite alerts, for the CLI and the API alike.

Each takes the session and the injected :class:`~geo.settings.Settings`; the adapters only
parse their input and print or serialise the answer. Building patches refreshes the stored
site priority, whose alert and land-status components read them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import httpx
import pandas as pd
import shapely.geometry
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.alerts import client, patches, readers, store
from geo.alerts.config import ATTRIBUTION, CONFIDENCE_WORDS, LICENSE_URL, SOURCE_GFW
from geo.i18n import Translator, translator
from geo.layers.guidance import forest_labels, indicative_note, permit_class_labels
from geo.settings import Settings

__all__ = [
    "ImportResult",
    "PatchView",
    "build_patches",
    "confidence_labels",
    "fetch_alerts",
    "import_alerts",
    "list_patches",
    "patch_frame",
    "patches_geojson",
]


@dataclasses.dataclass(frozen=True)
class ImportResult:
    """What an import or a fetch stored, and the patch build that followed it."""

    import_id: int
    origin: str
    rows_read: int
    outside_aoi: int
    added: int
    patches: patches.PatchSummary | None


@dataclasses.dataclass(frozen=True)
class PatchView:
    """One patch as people read it, in one language."""

    code: str
    first_date: dt.date
    last_date: dt.date
    alert_count: int
    area_ha: float
    confidence: str
    candidate: bool
    status_label: str
    report_count: int
    site_code: str | None
    site_distance_m: float | None
    hotspot_code: str | None
    permit_class: str | None
    permit_label: str | None
    forest_flags: list[str]
    forest_labels: list[str]
    lon: float
    lat: float


def confidence_labels(t: Translator) -> dict[str, str]:
    """Return the label of each confidence word of the alerts."""
    return {
        "nominal": t.pgettext("alert confidence", "nominal"),
        "high": t.pgettext("alert confidence", "high"),
        "highest": t.pgettext("alert confidence", "highest"),
    }


def build_patches(
    *, session: Session, settings: Settings, until: dt.date | None = None
) -> patches.PatchSummary:
    """Rebuild the patches from the stored alerts and refresh every site's priority."""
    from geo.priority import refresh_sites

    summary = patches.build_patches(
        session=session,
        settings=settings.alerts,
        layers=settings.layers,
        source=SOURCE_GFW,
        until=until,
    )
    refresh_sites(session=session, site_ids=None, settings=settings.priority)
    return summary


def _stored(
    session: Session,
    settings: Settings,
    rows: readers.AlertRows,
    origin: str,
    actor: str,
    patch: bool,
) -> ImportResult:
    record = store.write_alerts(
        session=session, rows=rows, source=SOURCE_GFW, origin=origin, actor=actor
    )
    built = build_patches(session=session, settings=settings) if patch else None
    return ImportResult(
        record.id, origin, record.rows_read, record.outside_aoi, record.added, built
    )


def import_alerts(
    *, session: Session, settings: Settings, path: str | Path, actor: str, patch: bool = True
) -> ImportResult:
    """Import a CSV or JSON query answer or a GeoTIFF tile, clipped to the area of interest.

    Alerts already stored (same source, date and rounded position) are skipped, so importing
    a file again adds nothing. With ``patch`` the patches are rebuilt afterwards.
    """
    rows = readers.read_alerts(path, aoi=settings.aoi_bbox)
    return _stored(session, settings, rows, Path(path).name, actor, patch)


def fetch_alerts(
    *,
    session: Session,
    settings: Settings,
    actor: str,
    days: int | None = None,
    until: dt.date | None = None,
    patch: bool = True,
    transport: httpx.BaseTransport | None = None,
) -> ImportResult:
    """Fetch the last ``days`` (default ``window_days``) of alerts of the area from the Data API."""
    until = until or dt.date.today()
    since = until - dt.timedelta(days=(days or settings.alerts.window_days) - 1)
    answer = client.query_alerts(
        settings=settings.alerts,
        bbox=settings.aoi_bbox,
        since=since,
        until=until,
        transport=transport,
    )
    origin = f"{settings.alerts.api_url} {since.isoformat()}..{until.isoformat()}"
    rows = readers.from_json_answer(answer, path="Data API", aoi=settings.aoi_bbox)
    return _stored(session, settings, rows, origin, actor, patch)


_PATCHES = """
SELECT p.code, p.first_date, p.last_date, p.alert_count, p.area_ha, p.max_confidence,
       p.candidate, p.report_count, s.code AS site_code, p.site_distance_m,
       h.code AS hotspot_code, p.permit_class, p.forest_flags,
       ST_X(p.centroid) AS lon, ST_Y(p.centroid) AS lat, ST_AsGeoJSON(p.hull, 6) AS geometry
  FROM alert_patches p
  LEFT JOIN sites s ON s.id = p.site_id
  LEFT JOIN hotspots h ON h.id = p.hotspot_id
 WHERE (CAST(:candidate AS boolean) IS NULL OR p.candidate = CAST(:candidate AS boolean))
 ORDER BY p.candidate DESC, p.last_date DESC, p.alert_count DESC, p.code
 LIMIT :limit OFFSET :offset
"""


def _rows(
    session: Session, candidate: bool | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    params = {"candidate": candidate, "limit": limit, "offset": offset}
    return [dict(r) for r in session.execute(text(_PATCHES), params).mappings()]


def _view(row: dict[str, Any], t: Translator) -> PatchView:
    permits, forests = permit_class_labels(t), forest_labels(t)
    n = int(row["report_count"])
    status = (
        t.gettext("new candidate: no report nearby")
        if row["candidate"]
        else t.ngettext("corroborates {n} report", "corroborates {n} reports", n)
    )
    word = CONFIDENCE_WORDS.get(int(row["max_confidence"]), "nominal")
    flags = list(row["forest_flags"] or [])
    return PatchView(
        code=row["code"],
        first_date=row["first_date"],
        last_date=row["last_date"],
        alert_count=int(row["alert_count"]),
        area_ha=round(float(row["area_ha"]), 2),
        confidence=confidence_labels(t)[word],
        candidate=bool(row["candidate"]),
        status_label=status,
        report_count=n,
        site_code=row["site_code"],
        site_distance_m=(
            None if row["site_distance_m"] is None else round(float(row["site_distance_m"]), 1)
        ),
        hotspot_code=row["hotspot_code"],
        permit_class=row["permit_class"],
        permit_label=permits.get(row["permit_class"] or ""),
        forest_flags=flags,
        forest_labels=[forests.get(f, f) for f in flags],
        lon=float(row["lon"]),
        lat=float(row["lat"]),
    )


def list_patches(
    *,
    session: Session,
    language: str,
    candidate: bool | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[PatchView]:
    """Return the patches (candidates first, newest first), worded in ``language``."""
    t = translator(language)
    return [_view(r, t) for r in _rows(session, candidate, limit, offset)]


def patches_geojson(
    *,
    session: Session,
    language: str,
    candidate: bool | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> dict[str, Any]:
    """Return the patches as a GeoJSON FeatureCollection carrying GFW's attribution.

    Examples
    --------
    >>> doc = patches_geojson(session=session, language="id")
    >>> doc["type"], doc["license"]
    ('FeatureCollection', 'CC BY 4.0')
    """
    t = translator(language)
    features = []
    for row in _rows(session, candidate, limit, offset):
        view = _view(row, t)
        props = dataclasses.asdict(view)
        props.update(
            first_date=view.first_date.isoformat(),
            last_date=view.last_date.isoformat(),
            indicative=True,
        )
        features.append(
            {
                "type": "Feature",
                "id": view.code,
                "geometry": json.loads(row["geometry"]),
                "properties": props,
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "attribution": ATTRIBUTION,
        "license": "CC BY 4.0",
        "license_url": LICENSE_URL,
        "note": indicative_note(t),
        "numberReturned": len(features),
    }


def patch_frame(*, session: Session, limit: int = 20_000) -> gpd.GeoDataFrame:
    """Return every alert patch as a frame for maps (candidates, newest first), EPSG:4326.

    Columns: those of :func:`list_patches`' rows (``code``, dates, ``alert_count``,
    ``area_ha``, ``candidate``, ``site_code``, ``permit_class``...) and the hull as geometry.

    Examples
    --------
    >>> frame = patch_frame(session=session)
    >>> "candidate" in frame.columns, frame.crs.to_epsg()
    (True, 4326)
    """
    rows = _rows(session, None, limit, 0)
    shapes = [shapely.geometry.shape(json.loads(r.pop("geometry"))) for r in rows]
    columns = None if rows else ["code", "alert_count", "candidate", "first_date", "last_date"]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry=shapes, crs=4326)
