"""Export reports for spreadsheets and GIS (CSV, XLSX, GeoJSON, GeoPackage), as a role may see them.

Rows pass :func:`geo.reports.privacy.redact` through :func:`geo.reports.query.load`, so an export
for a partner carries ``anonim`` reports only and no reporter identity, and only the roles that
handle complaints get names and phones. Columns use the field names that
``pantau reports import`` reads, times are ISO 8601 in the province's zone with their offset
(WITA in Kaltim, WIB in Kalteng), and text that a spreadsheet would run as a formula is
guarded (:mod:`geo.io.delimited`), so an export imports back as the same reports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd
from sqlalchemy.orm import Session

from geo.io.vector import write_vector
from geo.reports.config import local_zone
from geo.reports.query import COLUMNS, load
from geo.settings import Settings

__all__ = ["EXPORT_COLUMNS", "ExportSummary", "export_reports"]

#: Columns of an export, in order: what :func:`geo.reports.query.load` gives, up to the
#: report's status, then its site and hotspot codes and (for roles that may see it) the
#: identity. Ids and the derived match and duplicate figures stay inside the system.
EXPORT_COLUMNS: tuple[str, ...] = (
    *COLUMNS[1 : COLUMNS.index("status") + 1],
    "matched_site_code",
    "hotspot_code",
    "reporter_name",
    "reporter_phone",
)
_TIMES = ("received_at", "observed_at")


@dataclass(frozen=True)
class ExportSummary:
    """Where the export was written and how many reports it holds."""

    path: Path
    rows: int


def _local_iso(value: object, zone: ZoneInfo) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    if pd.isna(stamp):
        return None
    moment: dt.datetime = stamp.to_pydatetime()
    return moment.astimezone(zone).isoformat()  # to the microsecond: it imports back exactly


def export_reports(
    *,
    session: Session,
    path: Path | str,
    role: str,
    settings: Settings,
    since: dt.datetime | dt.date | str | None = None,
    status: str | None = None,
    fmt: str | None = None,
) -> ExportSummary:
    """Write the reports ``role`` may see to ``path`` (format from the extension or ``fmt``).

    Examples
    --------
    >>> export_reports(session=session, path="laporan.xlsx", role="analyst",
    ...                settings=settings)
    ExportSummary(path=PosixPath('laporan.xlsx'), rows=...)
    """
    frame = load(session, since=since, status=status, role=role, settings=settings)
    columns = [c for c in EXPORT_COLUMNS if c in frame.columns]
    table = frame[[*columns, "geometry"]].copy()
    zone = local_zone(settings)  # the province's: WITA in Kalimantan Timur, WIB in Kalteng
    for column in _TIMES:
        if column in table.columns:
            table[column] = table[column].map(lambda v: _local_iso(v, zone)).astype(object)
    gdf = gpd.GeoDataFrame(table, geometry="geometry", crs=4326)
    written = write_vector(gdf, path, fmt, layer="laporan")
    return ExportSummary(written, len(gdf))
