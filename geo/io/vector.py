"""Read and write vector files (GeoJSON, GeoPackage, KML, CSV, XLSX, zipped Shapefile).

Readers return a GeoDataFrame in EPSG:4326 with a ``_row`` column naming each row as a user
finds it: the feature's 1-based position, or for a CSV the spreadsheet row (header = row 1).
Writers take a GeoDataFrame in EPSG:4326. Attribute renaming for formats with short field names
(Shapefile's ten characters) lives here too.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo.errors import InputFileError, ValidationError
from geo.io.delimited import neutralise_frame, read_delimited, restore

__all__ = ["FORMATS", "Format", "format_for", "read_vector", "write_vector"]

Format = Literal["geojson", "gpkg", "kml", "csv", "xlsx", "shp"]
FORMATS: dict[str, Format] = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".kml": "kml",
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".zip": "shp",
    ".shp": "shp",
}
LAT_NAMES = ("lat", "latitude", "lintang", "y")
LON_NAMES = ("lon", "lng", "long", "longitude", "bujur", "x")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")


def format_for(path: Path, fmt: str | None = None) -> Format:
    """Return the format named by ``fmt`` or by the file's extension."""
    if fmt is not None:
        allowed = sorted(set(FORMATS.values()))
        if fmt not in allowed:
            raise ValidationError(
                f"format was {fmt!r} but is expected to be one of {allowed}", field="format"
            )
        return fmt
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InputFileError(
            f"{path.name}: cannot tell the format from the extension {suffix!r}; "
            f"expected one of {', '.join(sorted(FORMATS))}",
            field="file",
        )
    return FORMATS[suffix]


def _to_wgs84(gdf: gpd.GeoDataFrame, path: Path, default_4326: bool) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        if default_4326:
            return gdf.set_crs(4326)
        raise InputFileError(
            f"{path.name}: the coordinate reference system is unknown (no .prj or CRS "
            "information); add it, or convert the file to EPSG:4326",
            field="crs",
        )
    try:
        crs = CRS.from_user_input(gdf.crs)
    except CRSError as exc:
        raise InputFileError(f"{path.name}: unreadable CRS: {exc}", field="crs") from None
    if crs.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return gdf.set_crs(4326, allow_override=True)
    return gdf.to_crs(4326)


def _coordinate(text: str) -> float:
    text = text.strip().replace("\u2212", "-")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")  # decimal comma, as Indonesian spreadsheets write it
    return float(text)


def _read_csv(path: Path) -> gpd.GeoDataFrame:
    """Read a CSV with ``,``, ``;`` or tab separators (:func:`geo.io.delimited.read_delimited`).

    ``_row`` is the spreadsheet row number (the header is row 1), as a user sees it in Excel or
    LibreOffice.
    """
    return _table_to_gdf(read_delimited(path).drop(columns="_row"), path)


def _read_xlsx(path: Path) -> gpd.GeoDataFrame:
    """Read the first sheet of a workbook like a CSV (every cell as text, guards taken off)."""
    try:
        frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
    except (ValueError, OSError, KeyError, zipfile.BadZipFile) as exc:
        message = f"{path.name}: not a readable XLSX file: {exc}"
        raise InputFileError(message, field="file") from None
    frame = frame.map(lambda v: restore(v) if isinstance(v, str) else v)
    return _table_to_gdf(frame, path)


def _table_to_gdf(frame: pd.DataFrame, path: Path) -> gpd.GeoDataFrame:
    """Turn a table of text with lat/lon or WKT columns into a GeoDataFrame (rows from 2)."""
    lower = {c.lower().strip(): c for c in frame.columns}
    wkt_col = next((lower[n] for n in WKT_NAMES if n in lower), None)
    lat_col = next((lower[n] for n in LAT_NAMES if n in lower), None)
    lon_col = next((lower[n] for n in LON_NAMES if n in lower), None)
    if wkt_col is None and (lat_col is None or lon_col is None):
        raise InputFileError(
            f"{path.name}: a table needs latitude/longitude columns (lat, lon) or a WKT column "
            f"(wkt); found columns {list(frame.columns)}",
            field="geometry",
        )
    geoms: list[shapely.Geometry | None] = []
    problems: list[str] = []
    for i, rec in enumerate(frame.to_dict("records"), start=2):
        geom: shapely.Geometry | None = None
        if wkt_col and rec[wkt_col].strip():
            try:
                geom = shapely.from_wkt(rec[wkt_col])
            except shapely.errors.GEOSException as exc:
                problems.append(f"row {i}: column {wkt_col!r} is not valid WKT ({exc})")
        elif lat_col and lon_col and (rec[lat_col].strip() or rec[lon_col].strip()):
            try:
                geom = shapely.Point(_coordinate(rec[lon_col]), _coordinate(rec[lat_col]))
            except ValueError:
                problems.append(
                    f"row {i}: {lon_col}/{lat_col} must be numbers, got "
                    f"{rec[lon_col]!r}/{rec[lat_col]!r}"
                )
        geoms.append(geom)
    if problems:
        raise InputFileError(f"{path.name}: " + "; ".join(problems[:20]), field="geometry")
    drop = [c for c in (wkt_col, lat_col, lon_col) if c]
    gdf = gpd.GeoDataFrame(frame.drop(columns=drop), geometry=geoms, crs=4326)
    gdf["_row"] = range(2, len(gdf) + 2)
    return gdf


def _read_ogr(path: Path, fmt: Format) -> gpd.GeoDataFrame:
    sources: list[tuple[str, str | None]] = []
    if fmt == "shp" and path.suffix.lower() == ".zip":
        if not zipfile.is_zipfile(path):
            raise InputFileError(f"{path.name}: not a readable zip file", field="file")
        with zipfile.ZipFile(path) as zf:
            shps = sorted(n for n in zf.namelist() if n.lower().endswith(".shp"))
        if not shps:
            raise InputFileError(f"{path.name}: the zip holds no .shp file", field="file")
        sources = [(f"/vsizip/{path}/{name}", None) for name in shps]
    else:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
        sources = [(str(path), layer) for layer in layers] if fmt == "kml" else [(str(path), None)]
    frames = []
    for source, layer in sources:
        gdf = gpd.read_file(source, layer=layer, engine="pyogrio")
        frames.append(_to_wgs84(gdf, path, default_4326=fmt in ("geojson", "kml")))
    frames = [f for f in frames if len(f)]
    if not frames:
        return gpd.GeoDataFrame(geometry=[], crs=4326)
    merged = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=4326)


def read_vector(path: Path | str, fmt: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector file into a GeoDataFrame in EPSG:4326 with a ``_row`` column.

    Raises
    ------
    InputFileError
        When the file is missing, unreadable, or its CRS is unknown.
    """
    path = Path(path)
    kind = format_for(path, fmt)
    if not path.exists():
        raise InputFileError(f"{path}: no such file", field="file")
    try:
        readers = {"csv": _read_csv, "xlsx": _read_xlsx}
        gdf = readers[kind](path) if kind in readers else _read_ogr(path, kind)
    except InputFileError:
        raise
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise InputFileError(f"{path.name}: unreadable {kind} file: {exc}", field="file") from None
    gdf = gdf.reset_index(drop=True)
    if "_row" not in gdf.columns:
        gdf["_row"] = range(1, len(gdf) + 1)
    return gdf


def write_vector(
    gdf: gpd.GeoDataFrame,
    path: Path | str,
    fmt: str | None = None,
    *,
    layer: str = "sites",
    shp_names: dict[str, str] | None = None,
) -> Path:
    """Write ``gdf`` (EPSG:4326) to ``path`` in ``fmt`` and return the path.

    CSV gets ``lon``/``lat`` for points and a ``wkt`` column for every geometry. A Shapefile is
    written as a zip with one layer per geometry family (a Shapefile holds only one), with
    columns renamed by ``shp_names`` to fit ten characters.
    """
    path = Path(path)
    kind = format_for(path, fmt)
    if kind == "shp" and path.suffix.lower() == ".shp":
        raise ValidationError(
            f"{path.name}: a Shapefile is several files and holds one geometry type; write "
            f"{path.stem}.shp.zip (zipped, one layer per geometry type, opened by GDAL and QGIS "
            "as it is) or .gpkg",
            field="file",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    if kind in ("csv", "xlsx"):
        # Text that a spreadsheet would run as a formula gets its apostrophe guard; the readers
        # above take it off again.
        out = neutralise_frame(_as_table(gdf))
        if kind == "csv":
            out.to_csv(path, index=False)
        else:
            _write_xlsx(out, path, sheet=layer)
    elif kind == "shp":
        renamed = gdf.rename(columns=shp_names or {})
        with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(path, "w") as zf:
            families = renamed.geometry.geom_type.replace({"MultiPolygon": "Polygon"})
            for family, part in renamed.groupby(families):
                shp = Path(tmp) / f"{layer}_{str(family).lower()}.shp"
                part.to_file(shp, engine="pyogrio", promote_to_multi=family == "Polygon")
                for member in sorted(Path(tmp).glob(f"{shp.stem}.*")):
                    zf.write(member, member.name)
    elif kind == "kml":
        gdf.to_file(path, driver="LIBKML", engine="pyogrio", layer=layer)
    else:
        driver = {"geojson": "GeoJSON", "gpkg": "GPKG"}[kind]
        gdf.to_file(path, driver=driver, engine="pyogrio", layer=layer)
    return path


def _as_table(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the attributes with lon/lat (points) and WKT (every geometry) for spreadsheets."""
    out = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    is_point = gdf.geometry.geom_type == "Point"
    out["lon"] = [g.x if p else None for g, p in zip(gdf.geometry, is_point, strict=True)]
    out["lat"] = [g.y if p else None for g, p in zip(gdf.geometry, is_point, strict=True)]
    out["wkt"] = gdf.geometry.to_wkt(rounding_precision=7)
    return out


def _write_xlsx(table: pd.DataFrame, path: Path, *, sheet: str) -> None:
    """Write one sheet with a bold, frozen header and columns wide enough to read."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        table.to_excel(writer, index=False, sheet_name=sheet[:31])
        ws = writer.sheets[sheet[:31]]
        ws.freeze_panes = "A2"
        for i, column in enumerate(table.columns, start=1):
            ws.cell(row=1, column=i).font = Font(bold=True)
            width = max([len(str(column))] + [len(str(v)) for v in table[column].head(200)])
            ws.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
