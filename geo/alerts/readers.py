"""GFW integrated alerts from files into arrays: Data API query answers and GeoTIFF tiles.

- CSV and JSON answers of ``/dataset/gfw_integrated_alerts/<version>/query/{csv,json}``:
  ``latitude``, ``longitude``, ``gfw_integrated_alerts__date`` (ISO date),
  ``gfw_integrated_alerts__confidence`` (``nominal``, ``high``, ``highest``) and optionally
  ``gfw_integrated_alerts__intensity``. A JSON answer is ``{"data": [...], "status": "success"}``.
- GeoTIFF tiles: band 1 is ``confidence * 10000 + days since 2014-12-31``, 0 is no alert;
  read with rasterio (imported only when a tile is read), only the window of the area of
  interest.

Every reader returns :class:`AlertRows` clipped to the area of interest; bad values raise an
error that names the field and the row.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.alerts.config import CONFIDENCE_CODES, EPOCH
from geo.errors import N_, InputFileError

__all__ = [
    "CONFIDENCE",
    "DATE",
    "INTENSITY",
    "AlertRows",
    "from_frame",
    "from_json_answer",
    "read_alerts",
    "read_geotiff",
]

DATE = "gfw_integrated_alerts__date"
CONFIDENCE = "gfw_integrated_alerts__confidence"
INTENSITY = "gfw_integrated_alerts__intensity"
_REQUIRED = ("latitude", "longitude", DATE, CONFIDENCE)

Box = tuple[float, float, float, float]

_MISSING_COLUMN = N_("{path}: the column {field} is missing (columns found: {found})")
_BAD_LAT = N_(
    "{path}, row {row}: {field} was {value} but is expected to be a number from -90 to 90"
)
_BAD_LON = N_(
    "{path}, row {row}: {field} was {value} but is expected to be a number from -180 to 180"
)
_BAD_DATE = N_(
    "{path}, row {row}: {field} was {value} but is expected to be a date (YYYY-MM-DD) after "
    "2014-12-31"
)
_BAD_CONFIDENCE = N_(
    "{path}, row {row}: {field} was {value} but is expected to be nominal, high or highest"
)
_BAD_INTENSITY = N_(
    "{path}, row {row}: {field} was {value} but is expected to be a number or empty"
)
_BAD_JSON = N_("{path}: not a Data API answer ({problem})")
_FAILED_ANSWER = N_("{path}: the Data API answered {status}: {detail}")
_BAD_PIXEL = N_("{path}: band 1 value {value} is not confidence × 10000 + days (2, 3 or 4)")
_UNKNOWN_FORMAT = N_("{path}: expected a .csv, .json or .tif file")
_NO_RASTERIO = N_("reading GeoTIFF tiles needs rasterio: pip install rasterio")


@dataclasses.dataclass
class AlertRows:
    """Alerts as parallel arrays, and how many rows were read and dropped outside the area."""

    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    day: npt.NDArray[np.int32]  # days since 2014-12-31
    confidence: npt.NDArray[np.int16]
    intensity: npt.NDArray[np.float64]  # NaN when not given
    rows_read: int
    outside_aoi: int

    def __len__(self) -> int:
        return len(self.lon)


def _clip(
    lon: npt.NDArray[Any],
    lat: npt.NDArray[Any],
    day: npt.NDArray[Any],
    conf: npt.NDArray[Any],
    intensity: npt.NDArray[Any],
    aoi: Box,
) -> AlertRows:
    keep = (lon >= aoi[0]) & (lon <= aoi[2]) & (lat >= aoi[1]) & (lat <= aoi[3])
    return AlertRows(
        lon[keep].astype(np.float64),
        lat[keep].astype(np.float64),
        day[keep].astype(np.int32),
        conf[keep].astype(np.int16),
        intensity[keep].astype(np.float64),
        rows_read=len(lon),
        outside_aoi=int((~keep).sum()),
    )


def _fail(path: str, frame: pd.DataFrame, bad: pd.Series, field: str, template: str) -> None:
    if bool(bad.any()):
        first = int(np.flatnonzero(bad.to_numpy())[0])
        value = frame[field].iloc[first]
        raise InputFileError.of(
            template,
            field=field,
            path=path,
            row=first + 1,
            value=repr("" if value is None or value is pd.NA else value),
        )


def _numbers(frame: pd.DataFrame, field: str) -> pd.Series:
    # to_numeric parses strings in C and accepts surrounding spaces; empty becomes NaN.
    return pd.to_numeric(frame[field], errors="coerce")


def _slow_rows(bad: pd.Series, values: pd.Series, fix: Any) -> pd.Series:
    """Retry the rows the fast path refused with ``fix`` (spaces, case, a time part)."""
    if bool(bad.any()):
        values = values.copy()
        values[bad] = fix(values[bad])
    return values


def _dates(column: pd.Series) -> pd.Series:
    dates = pd.to_datetime(column, format="%Y-%m-%d", errors="coerce")
    return _slow_rows(
        dates.isna(),
        dates,
        lambda rows: pd.to_datetime(
            column[rows.index].astype("string").str.strip().str.slice(0, 10),
            format="%Y-%m-%d",
            errors="coerce",
        ),
    )


def _confidence(column: pd.Series) -> pd.Series:
    codes = column.map(CONFIDENCE_CODES)
    return _slow_rows(
        codes.isna(),
        codes,
        lambda rows: (
            column[rows.index].astype("string").str.strip().str.lower().map(CONFIDENCE_CODES)
        ),
    )


def from_frame(frame: pd.DataFrame, *, path: str, aoi: Box) -> AlertRows:
    """Check and convert the rows of a query answer; raise on the first bad value.

    Examples
    --------
    >>> f = pd.DataFrame({"latitude": ["0.5"], "longitude": ["117"],
    ...                   DATE: ["2026-11-02"], CONFIDENCE: ["High"]})
    >>> rows = from_frame(f, path="x.csv", aoi=(113.5, -3.0, 119.5, 2.8))
    >>> int(rows.day[0]), int(rows.confidence[0]), bool(np.isnan(rows.intensity[0]))
    (4324, 3, True)
    >>> from_frame(f.assign(**{CONFIDENCE: ["low"]}), path="x.csv", aoi=(0, 0, 1, 1))
    Traceback (most recent call last):
    ...
    geo.errors.InputFileError: x.csv, row 1: gfw_integrated_alerts__confidence was 'low' but ...
    """
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns)) or "-"
        raise InputFileError.of(_MISSING_COLUMN, field=missing[0], path=path, found=found)
    lat, lon = _numbers(frame, "latitude"), _numbers(frame, "longitude")
    _fail(path, frame, lat.isna() | ~lat.between(-90, 90), "latitude", _BAD_LAT)
    _fail(path, frame, lon.isna() | ~lon.between(-180, 180), "longitude", _BAD_LON)
    dates = _dates(frame[DATE])
    _fail(path, frame, dates.isna() | (dates.dt.date <= EPOCH), DATE, _BAD_DATE)
    conf = _confidence(frame[CONFIDENCE])
    _fail(path, frame, conf.isna(), CONFIDENCE, _BAD_CONFIDENCE)
    if INTENSITY in frame.columns:
        intensity = _numbers(frame, INTENSITY)
        if bool(intensity.isna().any()):
            given = frame[INTENSITY].astype("string").str.strip().fillna("") != ""
            _fail(path, frame, given & intensity.isna(), INTENSITY, _BAD_INTENSITY)
    else:
        intensity = pd.Series(np.nan, index=frame.index)
    epoch = pd.Timestamp(EPOCH)
    return _clip(
        lon.to_numpy(dtype=np.float64),
        lat.to_numpy(dtype=np.float64),
        ((dates - epoch).dt.days).to_numpy(dtype=np.int32),
        conf.to_numpy(dtype=np.int16),
        intensity.to_numpy(dtype=np.float64, na_value=np.nan),
        aoi,
    )


def from_json_answer(doc: Any, *, path: str, aoi: Box) -> AlertRows:
    """Read a Data API JSON answer (``{"data": [...], "status": "success"}``)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise InputFileError.of(_BAD_JSON, field="data", path=path, problem="no list 'data'")
    status = doc.get("status", "success")
    if status != "success":
        message = doc.get("message") or doc.get("data") or "-"
        raise InputFileError.of(
            _FAILED_ANSWER, field="status", path=path, status=status, detail=str(message)
        )
    frame = pd.DataFrame.from_records(doc["data"], columns=None)
    if frame.empty:
        frame = pd.DataFrame(columns=list(_REQUIRED))
    return from_frame(frame, path=path, aoi=aoi)


def _decode(
    values: npt.NDArray[np.int64], path: str
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.int32]]:
    conf = (values // 10000).astype(np.int16)
    bad = (conf < 2) | (conf > 4)
    if bad.any():
        raise InputFileError.of(_BAD_PIXEL, field="band 1", path=path, value=int(values[bad][0]))
    return conf, (values % 10000).astype(np.int32)


def read_geotiff(path: str | Path, *, aoi: Box) -> AlertRows:
    """Read the alert pixels of a GeoTIFF tile inside the area of interest (pixel centres).

    Only the window of the tile that overlaps the area is read; a tile in another CRS has its
    pixel centres transformed to EPSG:4326.
    """
    try:
        # rasterio ships no type information.
        import rasterio  # type: ignore[import-untyped]
        from rasterio.windows import Window, from_bounds  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - rasterio is a dependency
        raise InputFileError.of(_NO_RASTERIO, field="file") from None
    from rasterio.warp import transform as warp  # type: ignore[import-untyped]
    from rasterio.warp import transform_bounds

    with rasterio.open(path) as src:
        crs = src.crs
        bounds = aoi if crs is None or crs.to_epsg() == 4326 else transform_bounds(4326, crs, *aoi)
        full = Window(0, 0, src.width, src.height)
        try:
            window = from_bounds(*bounds, transform=src.transform).intersection(full)
        except Exception:  # rasterio.errors.WindowError: the tile and the area do not overlap
            window = None
        if window is None or window.width < 1 or window.height < 1:
            band = np.zeros((0, 0), dtype=np.int64)
            origin = src.transform
        else:
            window = window.round_offsets().round_lengths()
            band = src.read(1, window=window).astype(np.int64)
            origin = src.window_transform(window)
    rows, cols = np.nonzero(band)
    values = band[rows, cols]
    conf, day = _decode(values, str(path))
    xs = origin.c + (cols + 0.5) * origin.a + (rows + 0.5) * origin.b
    ys = origin.f + (cols + 0.5) * origin.d + (rows + 0.5) * origin.e
    if crs is not None and crs.to_epsg() != 4326 and len(xs):
        lon_l, lat_l = warp(crs, "EPSG:4326", xs.tolist(), ys.tolist())
        xs, ys = np.asarray(lon_l), np.asarray(lat_l)
    nan = np.full(len(xs), np.nan)
    return _clip(xs.astype(np.float64), ys.astype(np.float64), day, conf, nan, aoi)


def read_alerts(path: str | Path, *, aoi: Box) -> AlertRows:
    """Read a CSV or JSON query answer or a GeoTIFF tile, by its extension."""
    p = Path(path)
    suffix = p.suffix.lower()
    name = p.name
    if suffix in (".tif", ".tiff"):
        return read_geotiff(p, aoi=aoi)
    if suffix == ".csv":
        # Numbers parsed by the C reader; a column with a bad or empty cell stays text and
        # is checked cell by cell.
        text_columns = {DATE: str, CONFIDENCE: str}
        frame = pd.read_csv(p, dtype=text_columns, keep_default_na=False, low_memory=False)
        return from_frame(frame, path=name, aoi=aoi)
    if suffix == ".json":
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise InputFileError.of(_BAD_JSON, field="file", path=name, problem=str(e)) from None
        return from_json_answer(doc, path=name, aoi=aoi)
    raise InputFileError.of(_UNKNOWN_FORMAT, field="file", path=name)
