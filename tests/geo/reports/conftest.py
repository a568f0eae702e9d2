"""Fixtures for the reports tests: settings with a known key, photos with EXIF."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from fractions import Fraction

import piexif
import pytest
from PIL import Image

from geo.reports.config import ReportSettings
from geo.settings import Settings

#: A point in Kutai Kartanegara, inside the area of interest.
TENGGARONG = (-0.42, 117.0)
NOW = dt.datetime(2026, 1, 15, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def rsettings(settings: Settings) -> Settings:
    return settings


@pytest.fixture
def limits() -> ReportSettings:
    return ReportSettings(max_photo_bytes=200_000, max_video_bytes=400_000)


def _dms(value: float) -> tuple[tuple[int, int], ...]:
    value = abs(value)
    deg = int(value)
    minutes = int((value - deg) * 60)
    seconds = Fraction((value - deg - minutes / 60) * 3600).limit_denominator(1000)
    return ((deg, 1), (minutes, 1), (seconds.numerator, seconds.denominator))


def make_jpeg(
    lat: float | None = None,
    lon: float | None = None,
    taken_at: dt.datetime | None = None,
    colour: tuple[int, int, int] = (120, 90, 40),
) -> bytes:
    """A small JPEG, with GPS and capture time in EXIF when given."""
    exif: dict[str, dict[int, object]] = {"0th": {}, "Exif": {}, "GPS": {}}
    if lat is not None and lon is not None:
        exif["GPS"] = {
            piexif.GPSIFD.GPSLatitudeRef: b"S" if lat < 0 else b"N",
            piexif.GPSIFD.GPSLatitude: _dms(lat),
            piexif.GPSIFD.GPSLongitudeRef: b"W" if lon < 0 else b"E",
            piexif.GPSIFD.GPSLongitude: _dms(lon),
        }
    if taken_at is not None:
        exif["Exif"][piexif.ExifIFD.DateTimeOriginal] = taken_at.strftime(
            "%Y:%m:%d %H:%M:%S"
        ).encode()
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(buf, "JPEG", exif=piexif.dump(exif))
    return buf.getvalue()


@pytest.fixture
def jpeg() -> Callable[..., bytes]:
    return make_jpeg
