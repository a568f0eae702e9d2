"""Writing alert rows: COPY into a staging table, then ``INSERT ... ON CONFLICT DO NOTHING``.

An alert has no id of its own: its identity is (source, date, longitude and latitude rounded
to :data:`~geo.alerts.config.KEY_DECIMALS` decimals), the ``uq_alerts_key`` constraint, so a
file imported twice (or two overlapping tiles) adds each alert once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.alerts.config import EPOCH, KEY_SCALE
from geo.alerts.models import AlertImport
from geo.alerts.readers import AlertRows

__all__ = ["copy_text", "write_alerts"]

_STAGING = "alerts_staging"
_CREATE = f"""
CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} (
    alert_date date, lon_key integer, lat_key integer, confidence smallint,
    intensity smallint, lon double precision, lat double precision
) ON COMMIT DROP
"""
_INSERT = f"""
INSERT INTO alerts (source, alert_date, lon_key, lat_key, confidence, intensity, geom, import_id)
SELECT :source, alert_date, lon_key, lat_key, confidence, intensity,
       ST_SetSRID(ST_MakePoint(lon, lat), 4326), :import_id
  FROM {_STAGING}
    ON CONFLICT ON CONSTRAINT uq_alerts_key DO NOTHING
"""


def copy_text(rows: AlertRows) -> str:
    r"""Return the rows as CSV for ``COPY alerts_staging FROM STDIN (FORMAT csv)``.

    Examples
    --------
    >>> rows = AlertRows(np.array([117.123456]), np.array([-0.5]), np.array([10], np.int32),
    ...                  np.array([3], np.int16), np.array([np.nan]), 1, 0)
    >>> copy_text(rows)
    '2015-01-10,11712346,-50000,3,,117.123456,-0.5\n'
    """
    frame = pd.DataFrame(
        {
            "d": (np.datetime64(EPOCH, "D") + rows.day.astype("timedelta64[D]")).astype(str),
            "x": np.rint(rows.lon * KEY_SCALE).astype(np.int64),
            "y": np.rint(rows.lat * KEY_SCALE).astype(np.int64),
            "c": rows.confidence,
            "i": pd.array(np.rint(rows.intensity), dtype="Float64").astype("Int64"),
            "lon": rows.lon,
            "lat": rows.lat,
        }
    )
    return frame.to_csv(index=False, header=False)


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
        with raw.cursor() as cur, cur.copy(f"COPY {_STAGING} FROM STDIN (FORMAT csv)") as copy:
            copy.write(copy_text(rows))
        result = conn.execute(text(_INSERT), {"source": source, "import_id": record.id})
        record.added = int(result.rowcount or 0)
        session.flush()
    return record
