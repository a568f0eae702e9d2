"""What of a report may reach a map or briefing: the redaction entry point for ``geo.maps``.

Maps and briefings never carry a reporter's identity or a ``rahasia`` report, whoever asks:
a briefing PDF or an offline HTML file travels. The rows go through
:func:`geo.reports.privacy.redact` (the one gate that knows roles and confidentiality flags)
and then through an allow-list of columns, so a column added to reports later cannot leak
into a map by default. For maps shared outside the agency, exact points are replaced by
counts per site, per hotspot, or per grid cell and month.
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from geo.errors import ValidationError

__all__ = ["MAP_REPORT_COLUMNS", "map_reports", "aggregate_reports"]

#: The only report columns a map may show (besides the geometry).
MAP_REPORT_COLUMNS: Final[tuple[str, ...]] = (
    "code",
    "received_at",
    "channel",
    "status",
    "activity",
    "title",
    "description",
    "site_code",
    "hotspot_id",
)

#: Metric CRS for grid cells: UTM zone 50S covers East Kalimantan (114-120 E).
_METRIC_CRS: Final[int] = 32750


def map_reports(reports: gpd.GeoDataFrame, *, share: bool = False) -> gpd.GeoDataFrame:
    """Return the reports a map may draw: no ``rahasia`` rows, no identity, allow-listed columns.

    Parameters
    ----------
    reports
        Reports with a ``confidentiality`` column and point geometries in EPSG:4326.
    share
        ``True`` for maps leaving the agency: the result is then what the ``partner`` audience
        of :func:`geo.reports.privacy.redact` may see (``anonim`` only, no reporter hash).

    Raises
    ------
    ValidationError
        When the frame has no ``confidentiality`` column: without it no row can be shown safely.

    Examples
    --------
    >>> gdf = gpd.GeoDataFrame({"code": ["A", "B"], "confidentiality": ["rahasia", "anonim"],
    ...     "reporter_name": ["Siti", "Budi"]}, geometry=[Point(117, 0), Point(117, 0.1)], crs=4326)
    >>> list(map_reports(gdf).columns), list(map_reports(gdf)["code"])
    (['code', 'geometry'], ['B'])
    """
    from geo.reports.privacy import redact

    if "confidentiality" not in reports.columns:
        raise ValidationError(
            "reports for a map need a `confidentiality` column ('rahasia'/'anonim'); found "
            f"{sorted(map(str, reports.columns))}",
            field="confidentiality",
        )
    visible = redact(reports, role="partner" if share else "analyst")
    visible = visible[visible["confidentiality"].eq("anonim").fillna(False).astype(bool)]
    visible = visible[visible.geometry.notna() & ~visible.geometry.is_empty]
    keep = [c for c in MAP_REPORT_COLUMNS if c in visible.columns]
    out = gpd.GeoDataFrame(visible[keep], geometry=visible.geometry.values, crs=reports.crs)
    if out.crs is not None and out.crs.to_epsg() != 4326:
        out = out.to_crs(4326)
    return out.reset_index(drop=True)


def aggregate_reports(
    reports: gpd.GeoDataFrame,
    *,
    sites: gpd.GeoDataFrame | None = None,
    hotspots: gpd.GeoDataFrame | None = None,
    cell_m: float = 5000.0,
) -> gpd.GeoDataFrame:
    """Replace exact report points by counts per site, hotspot or grid cell, and per month.

    Reports matched to a site are counted at the site's representative point, reports in a
    hotspot at the hotspot's, the rest at the centre of a ``cell_m`` grid cell. Only ``count``,
    ``received_at`` (first day of the month) and ``geometry`` remain.

    Examples
    --------
    >>> gdf = gpd.GeoDataFrame({"received_at": pd.to_datetime(["2026-01-03", "2026-01-09"])},
    ...     geometry=[Point(117.001, 0.5), Point(117.002, 0.5)], crs=4326)
    >>> aggregate_reports(gdf)["count"].tolist()
    [2]
    """
    if cell_m <= 0:
        raise ValidationError(f"`cell_m` must be positive, got {cell_m}", field="cell_m")
    if reports.empty:
        return gpd.GeoDataFrame({"count": [], "received_at": []}, geometry=[], crs=4326)
    frame = reports.to_crs(4326)
    keys = pd.Series([""] * len(frame), index=frame.index, dtype=object)
    anchors: dict[str, Point] = {}
    if sites is not None and "site_code" in frame.columns and len(sites):
        points = sites.set_index("code").geometry.representative_point()
        matched = frame["site_code"].isin(points.index)
        for code in frame.loc[matched, "site_code"].unique():
            anchors[f"site:{code}"] = points[code]
        keys[matched] = "site:" + frame.loc[matched, "site_code"].astype(str)
    if hotspots is not None and "hotspot_id" in frame.columns and len(hotspots):
        id_col = "id" if "id" in hotspots.columns else None
        ids = hotspots[id_col] if id_col else pd.Series(hotspots.index, index=hotspots.index)
        points = pd.Series(hotspots.geometry.representative_point().values, index=ids.values)
        free = keys.eq("") & frame["hotspot_id"].isin(points.index)
        for hid in frame.loc[free, "hotspot_id"].unique():
            anchors[f"hotspot:{hid}"] = points[hid]
        keys[free] = "hotspot:" + frame.loc[free, "hotspot_id"].astype(str)
    rest = keys.eq("")
    if rest.any():
        metric = frame.loc[rest].to_crs(_METRIC_CRS).geometry
        cx = np.floor(metric.x / cell_m).astype(int)
        cy = np.floor(metric.y / cell_m).astype(int)
        cell_keys = "cell:" + cx.astype(str) + ":" + cy.astype(str)
        keys[rest] = cell_keys
        centres = gpd.GeoSeries(
            [Point((x + 0.5) * cell_m, (y + 0.5) * cell_m) for x, y in zip(cx, cy, strict=True)],
            crs=_METRIC_CRS,
            index=cell_keys.index,
        ).to_crs(4326)
        for key, centre in zip(cell_keys, centres, strict=True):
            anchors[key] = centre
    if "received_at" in frame.columns:
        month = pd.to_datetime(frame["received_at"], utc=True).dt.tz_localize(None)
        month = month.dt.to_period("M").dt.to_timestamp()
    else:
        month = pd.Series(pd.NaT, index=frame.index)
    table = (
        pd.DataFrame({"key": keys, "received_at": month})
        .groupby(["key", "received_at"], dropna=False)
        .size()
        .rename("count")
        .reset_index()
    )
    return gpd.GeoDataFrame(
        table[["count", "received_at"]],
        geometry=[anchors[k] for k in table["key"]],
        crs=4326,
    )
