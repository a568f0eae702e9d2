"""Counts of reports for briefings and the public view: by kabupaten, by month, per grid cell.

Reports carry no kabupaten of their own: a report counts in the kabupaten of the site it is
matched to, else of the nearest registered site (an approximation that the agency's boundary
file will replace). Duplicates are never counted. Every function here returns counts; the
report rows it reads (:func:`report_rows`) stay inside the process and are never drawn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.errors import ValidationError

__all__ = ["CELL_M", "METRIC_CRS", "report_rows", "count_by", "monthly", "grid_cells"]

#: The side of a public grid cell, in metres.
CELL_M: Final[float] = 5000.0
#: Metric CRS for grid cells: UTM zone 50S covers East Kalimantan (114-120 E).
METRIC_CRS: Final[int] = 32750
#: Decimals kept of a cell corner (about 100 m): corners are grid lines, never a report.
CELL_DECIMALS: Final[int] = 3

_ROWS = text(
    """
    SELECT r.id, r.code, r.received_at, r.channel, r.confidentiality,
           COALESCE(ms.kabupaten, near.kabupaten) AS kabupaten,
           ST_X(r.geom) AS lon, ST_Y(r.geom) AS lat
    FROM reports r
    LEFT JOIN report_matches m ON m.report_id = r.id
    LEFT JOIN sites ms ON ms.id = m.site_id
    LEFT JOIN LATERAL (
        SELECT s.kabupaten FROM sites s
        WHERE r.geom IS NOT NULL AND ms.id IS NULL
        ORDER BY s.geom <-> r.geom LIMIT 1
    ) near ON TRUE
    WHERE (:duplicates OR r.duplicate_of_id IS NULL)
      AND (CAST(:start AS timestamptz) IS NULL OR r.received_at >= :start)
      AND (CAST(:end AS timestamptz) IS NULL OR r.received_at < :end)
      AND (CAST(:ids AS integer[]) IS NULL OR r.id = ANY(:ids))
    ORDER BY r.id
    """
)
_COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "code",
    "received_at",
    "channel",
    "confidentiality",
    "kabupaten",
    "lon",
    "lat",
)


def report_rows(
    *,
    session: Session,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    ids: Sequence[int] | None = None,
    duplicates: bool = False,
) -> pd.DataFrame:
    """Return one row per report that is not a duplicate, with the kabupaten it counts in.

    ``start`` is inclusive, ``end`` exclusive; ``ids`` keeps only those reports;
    ``duplicates=True`` keeps duplicates too (a complaint's clock runs for each report). Rows
    hold no text and no reporter; they are for counting only.

    Examples
    --------
    >>> rows = report_rows(session=session)
    >>> list(rows.columns)
    ['id', 'code', 'received_at', 'channel', 'confidentiality', 'kabupaten', 'lon', 'lat']
    >>> len(rows) > 0
    True
    """
    params = {
        "start": start,
        "end": end,
        "ids": list(ids) if ids is not None else None,
        "duplicates": duplicates,
    }
    rows = session.execute(_ROWS, params).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(_COLUMNS))


def count_by(rows: pd.DataFrame, column: str, *, unknown: str = "") -> dict[str, int]:
    """Count ``rows`` per value of ``column``, largest first (missing values as ``unknown``).

    Examples
    --------
    >>> count_by(pd.DataFrame({"k": ["a", "b", "b", None]}), "k", unknown="?")
    {'b': 2, 'a': 1, '?': 1}
    """
    if rows.empty:
        return {}
    values = rows[column].astype(object).where(rows[column].notna(), unknown).astype(str)
    counts = values.value_counts(sort=False)
    ordered = sorted(counts.items(), key=lambda kv: (-int(kv[1]), kv[0] == unknown, kv[0]))
    return {str(k): int(v) for k, v in ordered}


def monthly(rows: pd.DataFrame, *, end: dt.date, months: int = 12) -> list[tuple[dt.date, int]]:
    """Count ``rows`` per calendar month for the ``months`` months up to ``end``'s month.

    Months without reports are there with 0, oldest first.

    Examples
    --------
    >>> stamps = pd.to_datetime(["2026-10-03", "2026-11-09", "2026-11-10"], utc=True)
    >>> monthly(pd.DataFrame({"received_at": stamps}), end=dt.date(2026, 11, 20), months=3)
    ... # doctest: +NORMALIZE_WHITESPACE
    [(datetime.date(2026, 9, 1), 0), (datetime.date(2026, 10, 1), 1),
     (datetime.date(2026, 11, 1), 2)]
    """
    last = pd.Period(end, freq="M")
    periods = [last - i for i in range(months - 1, -1, -1)]
    counts: dict[str, int] = {}
    if not rows.empty:
        stamps = pd.to_datetime(rows["received_at"], utc=True).dt.tz_convert(None)
        counts = {str(p): int(n) for p, n in stamps.dt.to_period("M").value_counts().items()}
    return [(p.to_timestamp().date(), counts.get(str(p), 0)) for p in periods]


def grid_cells(
    rows: pd.DataFrame,
    *,
    min_count: int,
    cell_m: float = CELL_M,
    hotspots: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Count reports per square cell of ``cell_m`` metres; drop cells under ``min_count``.

    Cells are squares of a grid in UTM zone 50S, returned as polygons in EPSG:4326 with their
    corners rounded to :data:`CELL_DECIMALS` decimals, with ``reports`` (and ``hotspots``, the
    candidate hotspots whose centre falls in the cell). Reports without a location are not in
    any cell.

    Examples
    --------
    >>> rows = pd.DataFrame({"lon": [117.001, 117.002, 117.3], "lat": [-0.5, -0.5, -0.5]})
    >>> cells = grid_cells(rows, min_count=2)
    >>> cells["reports"].tolist()
    [2]
    """
    if min_count < 1:
        raise ValidationError(f"`min_count` must be at least 1, got {min_count}", field="min_count")
    empty = gpd.GeoDataFrame({"reports": [], "hotspots": []}, geometry=[], crs=4326)
    located = rows.dropna(subset=["lon", "lat"]) if not rows.empty else rows
    if located.empty:
        return empty
    points = gpd.GeoSeries(gpd.points_from_xy(located["lon"], located["lat"]), crs=4326)
    keys = _cell_keys(points, cell_m)
    table = keys.value_counts()
    table = table[table >= min_count].sort_index()
    if table.empty:
        return empty
    spots = pd.Series(0, index=table.index)
    if hotspots is not None and len(hotspots):
        centres = hotspots.to_crs(4326).geometry.representative_point()
        spots = _cell_keys(centres, cell_m).value_counts().reindex(table.index, fill_value=0)
    squares = [
        box(x * cell_m, y * cell_m, (x + 1) * cell_m, (y + 1) * cell_m) for x, y in table.index
    ]
    corners = gpd.GeoSeries(squares, crs=METRIC_CRS).to_crs(4326)
    rounded = corners.set_precision(10**-CELL_DECIMALS)
    return gpd.GeoDataFrame(
        {"reports": table.to_numpy(dtype=int), "hotspots": spots.to_numpy(dtype=int)},
        geometry=rounded.to_numpy(),
        crs=4326,
    )


def _cell_keys(points: gpd.GeoSeries, cell_m: float) -> pd.Series:
    metric = points.to_crs(METRIC_CRS)
    cx = np.floor(metric.x.to_numpy() / cell_m).astype(int)
    cy = np.floor(metric.y.to_numpy() / cell_m).astype(int)
    return pd.Series(list(zip(cx.tolist(), cy.tolist(), strict=True)))
