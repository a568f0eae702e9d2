"""Writing alert rows: COPY into a staging table, then ``INSERT ... ON CONFLICT DO NOTHING``.

An alert has no id of its own: its identity is (source, date, longitude and latitude rounded
to :data:`~geo.alerts.config.KEY_DECIMALS` decimals), the ``uq_alerts_key`` constraint, so a
file imported twice (or two overlapping tiles) adds each alert once.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
from sqlalchemy import CursorResult, text
from sqlalchemy.orm import Session

from geo.alerts.config import EPOCH, KEY_SCALE
from geo.alerts.models import AlertImport
from geo.alerts.readers import AlertRows

__all__ = ["copy_binary", "write_alerts"]

_STAGING = "alerts_staging"
_CREATE = f"""
CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} (
    lon double precision, lat double precision, day integer, confidence smallint,
    intensity smallint
) ON COMMIT DROP
"""
# The key is computed here, once, by the database: the date from the day number and the
# position rounded to KEY_DECIMALS (an intensity of -1 is "not given").
_INSERT = f"""
INSERT INTO alerts (source, alert_date, lon_key, lat_key, confidence, intensity, geom, import_id)
SELECT :source, DATE '{EPOCH.isoformat()}' + day,
       CAST(round(lon * {KEY_SCALE}) AS integer), CAST(round(lat * {KEY_SCALE}) AS integer),
       confidence, NULLIF(intensity, -1), ST_SetSRID(ST_MakePoint(lon, lat), 4326), :import_id
  FROM {_STAGING}
    ON CONFLICT ON CONSTRAINT uq_alerts_key DO NOTHING
"""

#: One row of ``COPY ... (FORMAT binary)``: the field count, then length and value of each.
_ROW = np.dtype(
    [
        ("n", ">i2"),
        ("lon_len", ">i4"),
        ("lon", ">f8"),
        ("lat_len", ">i4"),
        ("lat", ">f8"),
        ("day_len", ">i4"),
        ("day", ">i4"),
        ("conf_len", ">i4"),
        ("conf", ">i2"),
        ("int_len", ">i4"),
        ("int", ">i2"),
    ]
)
_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
_TRAILER = b"\xff\xff"


def copy_binary(rows: AlertRows) -> bytes:
    """Return the rows in PostgreSQL's binary COPY format, built by numpy (no loop per row).

    Examples
    --------
    >>> rows = AlertRows(np.array([117.123456]), np.array([-0.5]), np.array([10], np.int32),
    ...                  np.array([3], np.int16), np.array([np.nan]), 1, 0)
    >>> data = copy_binary(rows)
    >>> len(data) == len(_HEADER) + _ROW.itemsize + len(_TRAILER), data[:6]
    (True, b'PGCOPY')
    """
    out = np.empty(len(rows), dtype=_ROW)
    out["n"] = 5
    out["lon_len"], out["lat_len"], out["day_len"] = 8, 8, 4
    out["conf_len"], out["int_len"] = 2, 2
    out["lon"], out["lat"], out["day"], out["conf"] = rows.lon, rows.lat, rows.day, rows.confidence
    intensity = np.nan_to_num(rows.intensity, nan=-1.0)
    out["int"] = np.clip(np.rint(intensity), -1, 32767).astype(np.int16)
    return _HEADER + out.tobytes() + _TRAILER


def write_alerts(
    *, session: Session, rows: AlertRows, source: str, origin: str, actor: str
) -> AlertImport:
    """Store the rows not stored yet; return the import record (``added`` = new alerts)."""
    record = AlertImport(
        source=source,
        origin=origin,
        imported_by=actor,
        rows_read=rows.rows_read,
        outside_aoi=rows.outside_aoi,
        added=0,
    )
    session.add(record)
    session.flush()
    if len(rows):
        conn = session.connection()
        conn.execute(text(_CREATE))
        conn.execute(text(f"TRUNCATE {_STAGING}"))
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(f"COPY {_STAGING} FROM STDIN (FORMAT binary)") as copy:
            copy.write(copy_binary(rows))
        result = conn.execute(text(_INSERT), {"source": source, "import_id": record.id})
        record.added = int(cast(CursorResult[Any], result).rowcount or 0)
        session.flush()
    return record
