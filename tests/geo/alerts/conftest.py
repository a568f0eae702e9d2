"""Hand-made GFW alerts near (117.5, 0.5) and helpers to write them as the Data API does.

0.0001 degree is about 11 m here: alerts 0.0001 apart are neighbouring 10 m pixels.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.alerts.readers import CONFIDENCE, DATE, INTENSITY
from geo.settings import Settings

AOI = (117.0, 0.0, 118.0, 1.0)
FIELDS = ["latitude", "longitude", DATE, CONFIDENCE, INTENSITY]


@pytest.fixture
def alert_settings() -> Settings:
    return Settings(_env_file=None, aoi_bbox=AOI)


def row(
    lon: float, lat: float, day: str, conf: str = "high", intensity: Any = ""
) -> dict[str, Any]:
    return {"latitude": lat, "longitude": lon, DATE: day, CONFIDENCE: conf, INTENSITY: intensity}


def write_csv(path: Path, rows: list[dict[str, Any]], fields: list[str] = FIELDS) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_json(path: Path, rows: list[dict[str, Any]], status: str = "success") -> Path:
    path.write_text(json.dumps({"data": rows, "status": status}))
    return path


def blob(x: float, y: float, n: int, day: str, step: float = 0.0001) -> list[dict[str, Any]]:
    """``n`` alerts in a row of neighbouring pixels starting at (x, y)."""
    return [row(round(x + i * step, 6), y, day) for i in range(n)]


def count_alerts(session: Session) -> int:
    return int(session.execute(text("SELECT count(*) FROM alerts")).scalar_one())


def add_report(session: Session, lon: float, lat: float, status: str = "received") -> int:
    return int(
        session.execute(
            text(
                "INSERT INTO reports (code, channel, received_at, location_source, geom, status) "
                "VALUES (:code, 'hotline', :t, 'device_gps', "
                "ST_SetSRID(ST_MakePoint(:x, :y), 4326), :status) RETURNING id"
            ),
            {
                "code": f"AL{abs(hash((lon, lat, status))) % 10**10:010d}",
                "t": dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
                "x": lon,
                "y": lat,
                "status": status,
            },
        ).scalar_one()
    )
