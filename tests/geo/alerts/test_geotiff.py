"""GeoTIFF tiles: band 1 = confidence × 10000 + days since 2014-12-31, written with rasterio."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.alerts import service
from geo.alerts.readers import read_geotiff
from geo.errors import InputFileError
from geo.settings import Settings

EPOCH = dt.date(2014, 12, 31)
PIXEL = 0.0001  # about 11 m


def write_tile(
    path: Path, band: np.ndarray, west: float = 117.0, north: float = 0.01, crs: str = "EPSG:4326"
) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=band.shape[0],
        width=band.shape[1],
        count=1,
        dtype="uint16",
        crs=crs,
        transform=from_origin(west, north, PIXEL, PIXEL),
    ) as dst:
        dst.write(band.astype("uint16"), 1)
    return path


def code(confidence: int, day: dt.date) -> int:
    return confidence * 10000 + (day - EPOCH).days


def test_decoding_dates_confidence_and_pixel_centres(tmp_path: Path) -> None:
    band = np.zeros((10, 10), dtype=np.uint16)
    band[0, 0] = code(2, dt.date(2026, 11, 2))
    band[3, 7] = code(3, dt.date(2015, 1, 1))
    band[9, 9] = code(4, dt.date(2025, 6, 30))
    tile = write_tile(tmp_path / "t.tif", band)
    rows = read_geotiff(tile, aoi=(116.0, -1.0, 118.0, 1.0))
    assert (rows.rows_read, rows.outside_aoi, len(rows)) == (3, 0, 3)
    got = sorted(
        (EPOCH + dt.timedelta(days=int(d)), int(c), round(float(x), 6), round(float(y), 6))
        for d, c, x, y in zip(rows.day, rows.confidence, rows.lon, rows.lat, strict=True)
    )
    assert got == [
        (dt.date(2015, 1, 1), 3, 117.00075, 0.00965),
        (dt.date(2025, 6, 30), 4, 117.00095, 0.00905),
        (dt.date(2026, 11, 2), 2, 117.00005, 0.00995),
    ]


def test_clipped_to_the_area_of_interest(
    session: Session, tmp_path: Path, alert_settings: Settings
) -> None:
    band = np.zeros((10, 10), dtype=np.uint16)
    band[:, 2] = code(3, dt.date(2026, 10, 1))  # column 2: x = 117.00025, inside
    band[:, 8] = code(3, dt.date(2026, 10, 1))  # column 8: x = 117.00085, outside
    tile = write_tile(tmp_path / "edge.tif", band)
    settings = alert_settings.model_copy(update={"aoi_bbox": (116.0, -1.0, 117.0005, 1.0)})
    rows = read_geotiff(tile, aoi=settings.aoi_bbox)
    assert len(rows) == 10 and bool((rows.lon < 117.0005).all())
    result = service.import_alerts(
        session=session, settings=settings, path=tile, actor="t", patch=False
    )
    assert result.added == 10
    again = service.import_alerts(
        session=session, settings=settings, path=tile, actor="t", patch=False
    )
    assert again.added == 0
    assert session.execute(text("SELECT count(*) FROM alerts")).scalar_one() == 10
    # A tile wholly outside the area reads nothing.
    far = write_tile(tmp_path / "far.tif", band, west=100.0)
    assert len(read_geotiff(far, aoi=settings.aoi_bbox)) == 0


def test_a_tile_in_utm_is_read_in_degrees(tmp_path: Path) -> None:
    band = np.zeros((4, 4), dtype=np.uint16)
    band[1, 1] = code(4, dt.date(2026, 1, 1))
    # UTM 50N, 10 m pixels: easting 500,000 is the zone's central meridian, 117 E.
    with rasterio.open(
        tmp_path / "utm.tif",
        "w",
        driver="GTiff",
        height=4,
        width=4,
        count=1,
        dtype="uint16",
        crs="EPSG:32650",
        transform=from_origin(500_000, 55_300, 10, 10),
    ) as dst:
        dst.write(band, 1)
    rows = read_geotiff(tmp_path / "utm.tif", aoi=(116.0, 0.0, 118.0, 1.0))
    assert len(rows) == 1
    assert rows.lon[0] == pytest.approx(117.000135, abs=2e-6)
    assert rows.lat[0] == pytest.approx(0.5, abs=0.01)


def test_a_value_that_is_not_an_alert_code_is_refused(tmp_path: Path) -> None:
    band = np.zeros((3, 3), dtype=np.uint16)
    band[1, 1] = 15000  # confidence 1 does not exist
    tile = write_tile(tmp_path / "bad.tif", band)
    with pytest.raises(InputFileError, match="15000") as err:
        read_geotiff(tile, aoi=(116.0, -1.0, 118.0, 1.0))
    assert err.value.field == "band 1"
