"""The site registry as an ODK Entity List: rows for a CSV attachment or for ODK Central.

Each site is one entity: ``name`` is the site code (stable, unique, and what the form stores),
``label`` is what the picker shows, ``geometry`` is an ODK geopoint ``"lat lon 0 0"`` (a point on
the site for polygons) so the form's map shows it, and ``code``, ``kabupaten``, ``status`` (the
label in the reader's language) and ``priority`` (rank, 1 = most urgent; empty before the first
``pantau priority``) are the properties the form shows.

Examples
--------
>>> from tests import factories
>>> _ = factories.site(session, code="ODK-DOC-1", lon=117.1, lat=-0.5, name="Bukit Emas")
>>> row = next(r for r in site_entities(session=session, lang="id") if r["name"] == "ODK-DOC-1")
>>> row["geometry"], row["label"], row["status"]
('-0.5 117.1 0 0', 'ODK-DOC-1 · Bukit Emas', 'Diduga')
"""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.i18n import translator
from geo.labels import site_status

__all__ = ["COLUMNS", "PROPERTIES", "site_entities", "write_entities_csv"]

#: Properties of each entity besides ``name``, ``label`` and ``geometry``.
PROPERTIES: tuple[str, ...] = ("code", "kabupaten", "status", "priority")
#: Columns of the CSV, in ODK's entity format.
COLUMNS: tuple[str, ...] = ("name", "label", "geometry", *PROPERTIES)

_SITES = text(
    """
    SELECT s.code, s.name, s.kabupaten, s.status, p.rank,
           ST_Y(pt) AS lat, ST_X(pt) AS lon
      FROM sites s
      LEFT JOIN site_priority p ON p.site_id = s.id
      CROSS JOIN LATERAL (
          SELECT CASE WHEN GeometryType(s.geom) = 'POINT' THEN s.geom
                      ELSE ST_PointOnSurface(s.geom) END AS pt
      ) g
     ORDER BY p.rank NULLS LAST, s.code
    """
)


def _geopoint(lat: float, lon: float) -> str:
    """ODK's geopoint: latitude, longitude, altitude and accuracy separated by spaces."""
    return f"{round(lat, 7):g} {round(lon, 7):g} 0 0"


def site_entities(*, session: Session, lang: str) -> list[dict[str, str]]:
    """Return every site as an entity row (:data:`COLUMNS`), most urgent first.

    ``lang`` is the language of the status labels the form shows.
    """
    t = translator(lang)
    rows = []
    for r in session.execute(_SITES).mappings():
        rows.append(
            {
                "name": r["code"],
                "label": f"{r['code']} · {r['name']}",
                "geometry": _geopoint(float(r["lat"]), float(r["lon"])),
                "code": r["code"],
                "kabupaten": r["kabupaten"],
                "status": site_status(t, r["status"]),
                "priority": "" if r["rank"] is None else str(r["rank"]),
            }
        )
    return rows


def write_entities_csv(rows: list[dict[str, str]], path: Path | str) -> Path:
    """Write entity rows as the CSV ODK reads (UTF-8, header :data:`COLUMNS`); return the path.

    Examples
    --------
    >>> import tempfile
    >>> out = write_entities_csv([{"name": "A-1", "label": "A-1 · X", "geometry": "0 117 0 0",
    ...     "code": "A-1", "kabupaten": "Berau", "status": "Aktif", "priority": "1"}],
    ...     Path(tempfile.mkdtemp()) / "sites.csv")
    >>> out.read_text(encoding="utf-8").splitlines()[0]
    'name,label,geometry,code,kabupaten,status,priority'
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return out
