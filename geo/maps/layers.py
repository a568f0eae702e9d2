"""Layer builders: GeoDataFrames in, map elements out (testable with in-memory frames).

Each ``*_features`` function turns a frame into GeoJSON features whose properties are only what
the runtime draws: ``_style`` (Leaflet path options), ``_card`` (popup rows as plain text) and
``_tip`` (tooltip text). No raw row attribute is passed through, so nothing leaks by accident.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any, Final
from urllib.parse import quote

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import mapping

from geo.errors import ValidationError
from geo.maps.catalogue import Catalogue
from geo.vocab import RISK_LEVELS

__all__ = [
    "STATUS_COLOURS",
    "TEAM_COLOURS",
    "site_features",
    "hotspot_features",
    "base_features",
    "route_features",
    "admin_features",
    "report_columns",
    "epoch_day",
]

#: Colour of each site status (ColorBrewer Set1-like, readable on OSM and imagery).
STATUS_COLOURS: Final[dict[str, str]] = {
    "suspected": "#ff7f00",
    "active": "#e41a1c",
    "inspected": "#377eb8",
    "sealed": "#4d4d4d",
    "dormant": "#a6761d",
    "legalised": "#4daf4a",
}
#: Route colour per team, in order of first appearance.
TEAM_COLOURS: Final[tuple[str, ...]] = (
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#1f78b4",
)
_DASHES: Final[tuple[str | None, ...]] = (None, "8 4", "2 4", "12 4 2 4", "6 6")


def _text(value: Any) -> str | None:
    """Plain text of a cell, ``None`` for missing values."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _geometry(geom: Any, digits: int = 6) -> dict[str, Any]:
    """GeoJSON geometry with coordinates rounded to ``digits`` (0.1 m at 6 decimals)."""

    def rnd(c: Any) -> Any:
        if isinstance(c, list | tuple) and c and isinstance(c[0], int | float):
            return [round(float(x), digits) for x in c]
        return [rnd(x) for x in c]

    gj = dict(mapping(geom))
    if "coordinates" in gj:
        gj["coordinates"] = rnd(gj["coordinates"])
    return gj


def _require(frame: gpd.GeoDataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValidationError(
            f"{what} need column(s) {missing}; found {sorted(map(str, frame.columns))}",
            field=what,
        )


def _priority_share(sites: gpd.GeoDataFrame) -> pd.Series:
    """Priority scaled to 0..1: the score when present, else the risk level."""
    if "priority" in sites.columns and sites["priority"].notna().any():
        score = pd.to_numeric(sites["priority"], errors="coerce").fillna(0.0)
        top = float(score.max())
        result: pd.Series = score / top if top > 0 else score * 0.0
        return result
    ranks = {level: i / (len(RISK_LEVELS) - 1) for i, level in enumerate(RISK_LEVELS)}
    levels = (
        sites["risk_level"] if "risk_level" in sites.columns else pd.Series("medium", sites.index)
    )
    shares: pd.Series = levels.map(ranks).fillna(0.33)
    return shares


def _reasons(value: Any) -> list[str]:
    """Priority reasons as text lines: a list, a dict of components, or one string."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, Mapping):
        return [f"{k}: {_text(v)}" for k, v in value.items()]
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(v) for v in value]
    return [str(value)]


def _link(base_url: str | None, path: str, text: str) -> dict[str, str] | None:
    if not base_url:
        return None
    return {"href": base_url.rstrip("/") + path, "text": text}


def check_base_url(base_url: str | None) -> str | None:
    """Accept ``http(s)://...`` or a root-relative path for API links; refuse anything else.

    Examples
    --------
    >>> check_base_url("https://pantau.example/api")
    'https://pantau.example/api'
    """
    if base_url is None or base_url == "":
        return None
    if not (base_url.startswith(("http://", "https://")) or base_url.startswith("/")):
        raise ValidationError(
            f"`base_url` must start with http://, https:// or /, got {base_url!r}", field="base_url"
        )
    return base_url


def site_features(
    sites: gpd.GeoDataFrame,
    cat: Catalogue,
    *,
    report_counts: Mapping[str, int] | None = None,
    base_url: str | None = None,
) -> list[dict[str, Any]]:
    """Features of the sites layer: coloured by status, sized (points) or shaded by priority.

    ``sites`` needs ``code``, ``name``, ``status`` and a geometry; ``kabupaten``,
    ``commodity``, ``last_inspected``, ``priority`` and ``priority_reasons`` are shown when
    present.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> gdf = gpd.GeoDataFrame({"code": ["KKR-001"], "name": ["Loa"], "status": ["active"]},
    ...     geometry=[Point(117.0, -0.5)], crs=4326)
    >>> f = site_features(gdf, Catalogue("en"))[0]
    >>> f["properties"]["_card"]["title"], f["properties"]["_style"]["fillColor"]
    ('KKR-001 Loa', '#e41a1c')
    """
    _require(sites, ("code", "name", "status"), "sites")
    share = _priority_share(sites)
    counts = report_counts or {}
    features = []
    for (_, row), p in zip(sites.iterrows(), share, strict=True):
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        colour = STATUS_COLOURS.get(str(row["status"]), "#999999")
        point = geom.geom_type == "Point"
        style: dict[str, Any] = {"color": colour, "fillColor": colour, "weight": 2}
        if point:
            style.update(radius=round(5 + 9 * float(p), 1), fillOpacity=round(0.35 + 0.55 * p, 2))
        else:
            style.update(fillOpacity=round(0.15 + 0.6 * float(p), 2))
        code = str(row["code"])
        priority = row.get("priority")
        last = _text(row.get("last_inspected"))
        rows: list[list[str | None]] = [
            [cat("field_kabupaten"), _text(row.get("kabupaten"))],
            [cat("field_kecamatan"), _text(row.get("kecamatan"))],
            [cat("field_commodity"), cat.commodity(str(row.get("commodity") or ""))],
            [cat("field_status"), cat.status(str(row["status"]))],
            [
                cat("field_priority"),
                _text(priority) if _text(priority) is not None else _text(row.get("risk_level")),
            ],
            [cat("field_reports"), str(int(counts.get(code, 0)))],
            [cat("field_last_inspected"), last if last else cat("field_never")],
        ]
        card: dict[str, Any] = {
            "title": f"{code} {row['name']}",
            "rows": [r for r in rows if r[1] not in (None, "")],
            "reasons": {
                "label": cat("field_reasons"),
                "items": _reasons(row.get("priority_reasons")),
            },
            "link": _link(base_url, f"/sites/{quote(code, safe='')}", cat("open_in_api")),
        }
        features.append(
            {
                "type": "Feature",
                "geometry": _geometry(geom),
                "properties": {"_style": style, "_card": card, "_tip": f"{code} {row['name']}"},
            }
        )
    return features


def _count_column(frame: gpd.GeoDataFrame) -> str | None:
    for name in ("report_count", "n_reports", "reports", "count"):
        if name in frame.columns:
            return name
    return None


def hotspot_features(
    hotspots: gpd.GeoDataFrame, cat: Catalogue, *, base_url: str | None = None
) -> list[dict[str, Any]]:
    """Features of candidate hotspots: hulls (or centroids) with their report counts.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> gdf = gpd.GeoDataFrame({"id": [3], "report_count": [12]},
    ...     geometry=[Point(117, 0).buffer(0.01)], crs=4326)
    >>> hotspot_features(gdf, Catalogue("en"))[0]["properties"]["_tip"]
    'Hotspot 3: 12 reports'
    """
    count_col = _count_column(hotspots)
    features = []
    for idx, row in hotspots.iterrows():
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        hid = _text(row.get("code", row.get("id", idx)))
        count = int(row[count_col]) if count_col and pd.notna(row[count_col]) else None
        style = {
            "color": "#c51b7d",
            "fillColor": "#de77ae",
            "weight": 2,
            "dashArray": "6 4",
            "fillOpacity": 0.25,
            "radius": 8 if count is None else round(min(20.0, 6 + 2 * math.sqrt(count)), 1),
        }
        rows: list[list[str | None]] = [
            [cat("field_report_count"), None if count is None else str(count)],
            [cat("field_first_seen"), _text(row.get("first_seen"))],
            [cat("field_last_seen"), _text(row.get("last_seen"))],
            [cat("field_status"), _text(row.get("status"))],
        ]
        tip = f"{cat('hotspot_heading')} {hid}"
        if count is not None:
            tip += f": {count} {cat('reports_count')}"
        card = {
            "title": f"{cat('hotspot_heading')} {hid}",
            "rows": [r for r in rows if r[1] not in (None, "")],
            "link": _link(base_url, f"/hotspots/{quote(str(hid), safe='')}", cat("open_in_api")),
        }
        features.append(
            {
                "type": "Feature",
                "geometry": _geometry(geom),
                "properties": {"_style": style, "_card": card, "_tip": tip},
            }
        )
    return features


def base_features(bases: gpd.GeoDataFrame, cat: Catalogue) -> list[dict[str, Any]]:
    """Features of field team bases: white squares-like circles with a dark ring.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> gdf = gpd.GeoDataFrame({"code": ["SMD"], "name": ["Kantor ESDM"]},
    ...     geometry=[Point(117.15, -0.5)], crs=4326)
    >>> base_features(gdf, Catalogue())[0]["properties"]["_tip"]
    'Basis tim: Kantor ESDM'
    """
    _require(bases, ("name",), "bases")
    style = {"color": "#08306b", "fillColor": "#ffffff", "weight": 3, "radius": 7, "fillOpacity": 1}
    features = []
    for _, row in bases.iterrows():
        if row.geometry is None or row.geometry.is_empty:
            continue
        rows: list[list[str | None]] = [
            [cat("field_code"), _text(row.get("code"))],
            [cat("field_kabupaten"), _text(row.get("kabupaten"))],
            [cat("field_address"), _text(row.get("address"))],
        ]
        features.append(
            {
                "type": "Feature",
                "geometry": _geometry(row.geometry),
                "properties": {
                    "_style": style,
                    "_card": {
                        "title": f"{cat('base_heading')}: {row['name']}",
                        "rows": [r for r in rows if r[1] not in (None, "")],
                    },
                    "_tip": f"{cat('base_heading')}: {row['name']}",
                },
            }
        )
    return features


def route_features(routes: gpd.GeoDataFrame, cat: Catalogue) -> dict[str, list[dict[str, Any]]]:
    """Route features grouped by team (one map layer each); days differ by dash pattern.

    ``routes`` needs ``team`` and ``day`` (a date or day number) and LineString geometries;
    ``distance_km`` and ``stops`` are shown when present.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> gdf = gpd.GeoDataFrame({"team": ["A", "A", "B"], "day": ["2026-12-01", "2026-12-02",
    ...     "2026-12-01"]}, geometry=[LineString([(117, 0), (117.1, 0.1)])] * 3, crs=4326)
    >>> {k: len(v) for k, v in route_features(gdf, Catalogue()).items()}
    {'A': 2, 'B': 1}
    """
    _require(routes, ("team", "day"), "routes")
    teams = list(dict.fromkeys(str(t) for t in routes["team"]))
    days = sorted({_text(d) or "" for d in routes["day"]})
    out: dict[str, list[dict[str, Any]]] = {t: [] for t in teams}
    for _, row in routes.iterrows():
        if row.geometry is None or row.geometry.is_empty:
            continue
        team = str(row["team"])
        day = _text(row["day"]) or ""
        style: dict[str, Any] = {
            "color": TEAM_COLOURS[teams.index(team) % len(TEAM_COLOURS)],
            "weight": 4,
            "opacity": 0.85,
        }
        dash = _DASHES[days.index(day) % len(_DASHES)]
        if dash:
            style["dashArray"] = dash
        rows: list[list[str | None]] = [
            [cat("field_team"), team],
            [cat("field_day"), day],
            [cat("field_distance"), _text(row.get("distance_km"))],
        ]
        out[team].append(
            {
                "type": "Feature",
                "geometry": _geometry(row.geometry, digits=5),
                "properties": {
                    "_style": style,
                    "_card": {
                        "title": f"{cat('route_heading')} {team} {day}",
                        "rows": [r for r in rows if r[1] not in (None, "")],
                    },
                    "_tip": f"{cat('field_team')} {team}, {day}",
                },
            }
        )
    return out


def admin_features(admin: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Administrative boundary outlines, named by their ``name`` (or first text) column.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> gdf = gpd.GeoDataFrame({"name": ["Samarinda"]},
    ...     geometry=[Point(117.1, -0.5).buffer(0.1)], crs=4326)
    >>> admin_features(gdf)[0]["properties"]["_tip"]
    'Samarinda'
    """
    frame = admin.to_crs(4326) if admin.crs is not None else admin
    label = (
        "name"
        if "name" in frame.columns
        else next((c for c in frame.columns if c != "geometry" and frame[c].dtype == object), None)
    )
    style = {"color": "#525252", "weight": 1.5, "fill": False, "dashArray": "4 3"}
    return [
        {
            "type": "Feature",
            "geometry": _geometry(row.geometry, digits=5),
            "properties": {"_style": style, "_tip": _text(row[label]) if label else None},
        }
        for _, row in frame.iterrows()
        if row.geometry is not None and not row.geometry.is_empty
    ]


def epoch_day(values: pd.Series) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Whole days since 1970-01-01 (UTC) of datetimes; the period filter compares these.

    Examples
    --------
    >>> epoch_day(pd.Series(["1970-01-02"])).tolist()
    [1]
    """
    stamps = pd.to_datetime(values, utc=True)
    days = (stamps - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(days=1)
    return np.asarray(days.fillna(-1).astype("int64"))


def report_columns(
    reports: gpd.GeoDataFrame, cat: Catalogue, *, aggregated: bool, text_limit: int = 200
) -> tuple[dict[str, list[Any]], list[dict[str, str]]]:
    """Columnar report data for the runtime, and the popup fields to show.

    Aggregated frames (``count`` column) carry no text at all; exact ones carry the tracking
    code, received date, channel, status, matched site and a shortened description.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> gdf = gpd.GeoDataFrame({"code": ["PTM-1"], "received_at": ["2026-01-02"],
    ...     "description": ["<b>x</b>"]}, geometry=[Point(117, 0)], crs=4326)
    >>> data, fields = report_columns(gdf, Catalogue("en"), aggregated=False)
    >>> data["title"], data["text"], data["day"]
    (['PTM-1'], ['<b>x</b>'], [20455])
    """
    lat = [round(float(y), 5) for y in reports.geometry.y]
    lon = [round(float(x), 5) for x in reports.geometry.x]
    if "received_at" in reports.columns:
        day = [int(d) for d in epoch_day(reports["received_at"])]
    else:
        day = [-1] * len(reports)
    data: dict[str, list[Any]] = {"lat": lat, "lon": lon, "day": day}
    fields = [{"key": "day", "label": cat("field_received")}]
    if aggregated:
        counts = [int(c) for c in reports["count"]]
        data["count"] = counts
        data["title"] = [f"{c} {cat('reports_count')}" for c in counts]
        return data, fields

    def col(name: str) -> list[Any]:
        if name not in reports.columns:
            return [None] * len(reports)
        return [_text(v) for v in reports[name]]

    data["title"] = [c or cat("report_heading") for c in col("code")]
    for key, label in (
        ("channel", "field_channel"),
        ("status", "field_status"),
        ("site_code", "field_site"),
    ):
        if key in reports.columns:
            data[key] = col(key)
            fields.append({"key": key, "label": cat(label)})
    texts = col("description")
    titles = col("title")
    merged = [
        " — ".join(p for p in (t, d) if p) or None for t, d in zip(titles, texts, strict=True)
    ]
    if any(merged):
        data["text"] = [
            m if m is None or len(m) <= text_limit else m[: text_limit - 1] + "…" for m in merged
        ]
        fields.append({"key": "text", "label": cat("field_description")})
    return data, fields
