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

from geo import labels
from geo.errors import ValidationError
from geo.i18n import Translator, translator  # noqa: F401 - the Examples use translator
from geo.layers.guidance import forest_labels, permit_class_labels
from geo.maps.options import check_base_url
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
    "check_base_url",
    "PERMIT_COLOURS",
    "FOREST_COLOURS",
    "ALERT_COLOUR",
    "wiup_features",
    "forest_features",
    "alert_features",
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


def _text(value: Any, t: Translator | None = None) -> str | None:
    """Plain text of a cell, ``None`` for missing values.

    With a translator, dates and decimals are written as its locale writes them (``1 Mei 2026``,
    ``12,5``); without one they stay ISO dates and ``12.5`` (data for the runtime, not prose).
    """
    if type(value) is str:  # the common case first: a map may carry 10^5 report rows
        return value
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return t.date(value, format="medium") if t else value.isoformat()
    if isinstance(value, float):
        return t.number(value, digits=1) if t else f"{value:.1f}"
    return str(value)


def _day(value: Any, t: Translator) -> str | None:
    """Write a date given as text (``"2026-11-23"``) or as a date in the reader's format."""
    if isinstance(value, str):
        text: str = value
        try:
            return _text(dt.date.fromisoformat(text[:10]), t)
        except ValueError:
            return text
    return _text(value, t)


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


def _feature(
    geom: Any,
    style: dict[str, Any],
    card: dict[str, Any] | None,
    tip: str | None,
    *,
    digits: int = 6,
) -> dict[str, Any]:
    properties: dict[str, Any] = {"_style": style, "_tip": tip}
    if card is not None:
        properties["_card"] = card
    return {"type": "Feature", "geometry": _geometry(geom, digits), "properties": properties}


def _rows(rows: list[list[str | None]]) -> list[list[str | None]]:
    """Card rows that have a value."""
    return [r for r in rows if r[1] not in (None, "")]


def _site_style(geom: Any, status: str, share: float) -> dict[str, Any]:
    colour = STATUS_COLOURS.get(status, "#999999")
    style: dict[str, Any] = {"color": colour, "fillColor": colour, "weight": 2}
    if geom.geom_type == "Point":
        style.update(
            radius=round(5 + 9 * float(share), 1), fillOpacity=round(0.35 + 0.55 * share, 2)
        )
    else:
        style.update(fillOpacity=round(0.15 + 0.6 * float(share), 2))
    return style


def _site_card(
    row: pd.Series, t: Translator, *, reports: int, base_url: str | None
) -> dict[str, Any]:
    code = str(row["code"])
    priority = _text(row.get("priority"), t)
    risk = row.get("risk_level")
    last = _text(row.get("last_inspected"), t)
    commodity = row.get("commodity")
    rows: list[list[str | None]] = [
        [t.gettext("Regency/city"), _text(row.get("kabupaten"))],
        [t.gettext("District"), _text(row.get("kecamatan"))],
        [t.gettext("Commodity"), labels.commodity(t, str(commodity)) if commodity else None],
        [t.gettext("Status"), labels.site_status(t, str(row["status"]))],
        [t.gettext("Priority"), priority or (labels.risk_level(t, str(risk)) if risk else None)],
        *_report_rows(row, t, shown=reports),
        [t.gettext("Last inspection"), last or t.gettext("never inspected")],
        *_legal_rows(row, t),
    ]
    return {
        "title": f"{code} {row['name']}",
        "rows": _rows(rows),
        "reasons": {
            "label": t.gettext("Why this priority"),
            "items": _reasons(row.get("priority_reasons")),
        },
        "link": _link(base_url, f"/sites/{quote(code, safe='')}", t.gettext("Open in the system")),
    }


def _legal_rows(row: pd.Series, t: Translator) -> list[list[str | None]]:
    """Return the site's indicative class (permit class, forest estate) when the map has it.

    Only staff maps carry ``permit_class`` and ``forest_flags`` (:mod:`geo.maps.sources`); the
    public view (:mod:`geo.maps.public`) never builds site cards.

    Examples
    --------
    >>> row = pd.Series({"permit_class": "LUAR_WIUP", "forest_flags": ["HUTAN_LINDUNG"]})
    >>> _legal_rows(row, translator("en"))[0][0]
    'Legal status (indicative)'
    >>> _legal_rows(pd.Series({"permit_class": None}), translator("en"))
    []
    """
    cls = row.get("permit_class")
    if not isinstance(cls, str):
        return []
    forests = forest_labels(t)
    flags = row.get("forest_flags")
    shown = [str(forests.get(f, f)) for f in flags] if isinstance(flags, list) else []
    return [
        [t.gettext("Legal status (indicative)"), permit_class_labels(t).get(cls, cls)],
        [t.gettext("Forest estate"), ", ".join(shown) or "—"],
    ]


def _report_rows(row: pd.Series, t: Translator, *, shown: int) -> list[list[str | None]]:
    """Return the site's report count beside its priority reasons, and how many the map shows.

    ``report_count`` (from the stored priority) counts every independent report, as the reasons
    do; the points a map may draw (``anonim`` only, within its period) are a different figure and
    are labelled as such, so a card never reads "2 reports" beside "21 reporters".
    """
    total = row.get("report_count")
    if total is None or pd.isna(total):
        return [[t.gettext("Reports"), t.number(shown)]]
    return [
        [t.gettext("Reports"), t.number(int(total))],
        [t.gettext("Reports shown on this map"), t.number(shown)],
    ]


def site_features(
    sites: gpd.GeoDataFrame,
    t: Translator,
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
    >>> f = site_features(gdf, translator("en"))[0]
    >>> f["properties"]["_card"]["title"], f["properties"]["_style"]["fillColor"]
    ('KKR-001 Loa', '#e41a1c')
    """
    _require(sites, ("code", "name", "status"), "sites")
    counts = report_counts or {}
    features = []
    for (_, row), share in zip(sites.iterrows(), _priority_share(sites), strict=True):
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        code = str(row["code"])
        card = _site_card(row, t, reports=int(counts.get(code, 0)), base_url=base_url)
        style = _site_style(geom, str(row["status"]), share)
        features.append(_feature(geom, style, card, f"{code} {row['name']}"))
    return features


def _count_column(frame: gpd.GeoDataFrame) -> str | None:
    for name in ("report_count", "n_reports", "reports", "count"):
        if name in frame.columns:
            return name
    return None


def _hotspot_style(count: int | None) -> dict[str, Any]:
    return {
        "color": "#c51b7d",
        "fillColor": "#de77ae",
        "weight": 2,
        "dashArray": "6 4",
        "fillOpacity": 0.25,
        "radius": 8 if count is None else round(min(20.0, 6 + 2 * math.sqrt(count)), 1),
    }


def hotspot_features(
    hotspots: gpd.GeoDataFrame, t: Translator, *, base_url: str | None = None
) -> list[dict[str, Any]]:
    """Features of candidate hotspots: hulls (or centroids) with their report counts.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> gdf = gpd.GeoDataFrame({"id": [3], "report_count": [12]},
    ...     geometry=[Point(117, 0).buffer(0.01)], crs=4326)
    >>> hotspot_features(gdf, translator("en"))[0]["properties"]["_tip"]
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
        status = row.get("status")
        rows: list[list[str | None]] = [
            [t.gettext("Reports"), None if count is None else t.number(count)],
            [t.gettext("First seen"), _day(row.get("first_seen"), t)],
            [t.gettext("Last seen"), _day(row.get("last_seen"), t)],
            [t.gettext("Status"), labels.hotspot_status(t, str(status)) if status else None],
        ]
        heading = t.gettext("Hotspot {id}", id=hid)
        tip = heading
        if count is not None:
            tip = t.ngettext("Hotspot {id}: {n} report", "Hotspot {id}: {n} reports", count, id=hid)
        link_text = t.gettext("Open in the system")
        card = {
            "title": heading,
            "rows": _rows(rows),
            "link": _link(base_url, f"/hotspots/{quote(str(hid), safe='')}", link_text),
        }
        features.append(_feature(geom, _hotspot_style(count), card, tip))
    return features


def base_features(bases: gpd.GeoDataFrame, t: Translator) -> list[dict[str, Any]]:
    """Features of field team bases: white squares-like circles with a dark ring.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> gdf = gpd.GeoDataFrame({"code": ["SMD"], "name": ["Kantor ESDM"]},
    ...     geometry=[Point(117.15, -0.5)], crs=4326)
    >>> base_features(gdf, translator("id"))[0]["properties"]["_tip"]
    'Basis tim: Kantor ESDM'
    """
    _require(bases, ("name",), "bases")
    style = {"color": "#08306b", "fillColor": "#ffffff", "weight": 3, "radius": 7, "fillOpacity": 1}
    features = []
    for _, row in bases.iterrows():
        if row.geometry is None or row.geometry.is_empty:
            continue
        rows: list[list[str | None]] = [
            [t.gettext("Code"), _text(row.get("code"))],
            [t.gettext("Regency/city"), _text(row.get("kabupaten"))],
            [t.gettext("Address"), _text(row.get("address"))],
        ]
        heading = t.gettext("Team base: {name}", name=row["name"])
        card = {"title": heading, "rows": _rows(rows)}
        features.append(_feature(row.geometry, style, card, heading))
    return features


def _route_style(colour: str, dash: str | None) -> dict[str, Any]:
    style: dict[str, Any] = {"color": colour, "weight": 4, "opacity": 0.85}
    if dash:
        style["dashArray"] = dash
    return style


def route_features(routes: gpd.GeoDataFrame, t: Translator) -> dict[str, list[dict[str, Any]]]:
    """Route features grouped by team (one map layer each); days differ by dash pattern.

    ``routes`` needs ``team`` and ``day`` (a date or day number) and LineString geometries;
    ``distance_km`` and ``stops`` are shown when present.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> gdf = gpd.GeoDataFrame({"team": ["A", "A", "B"], "day": ["2026-12-01", "2026-12-02",
    ...     "2026-12-01"]}, geometry=[LineString([(117, 0), (117.1, 0.1)])] * 3, crs=4326)
    >>> {k: len(v) for k, v in route_features(gdf, translator("id")).items()}
    {'A': 2, 'B': 1}
    """
    _require(routes, ("team", "day"), "routes")
    teams = list(dict.fromkeys(str(t) for t in routes["team"]))
    days = sorted({_text(d) or "" for d in routes["day"]})
    out: dict[str, list[dict[str, Any]]] = {team: [] for team in teams}
    for _, row in routes.iterrows():
        if row.geometry is None or row.geometry.is_empty:
            continue
        team = str(row["team"])
        day = _text(row["day"]) or ""
        shown_day = _day(row["day"], t) or ""
        style = _route_style(
            TEAM_COLOURS[teams.index(team) % len(TEAM_COLOURS)],
            _DASHES[days.index(day) % len(_DASHES)],
        )
        distance = row.get("distance_km")
        rows: list[list[str | None]] = [
            [t.gettext("Team"), team],
            [t.gettext("Day"), shown_day],
            [
                t.gettext("Distance"),
                None
                if _text(distance) is None
                else t.gettext("{km} km", km=t.number(float(distance), digits=1)),
            ],
        ]
        card = {
            "title": t.gettext("Patrol route {team} {day}", team=team, day=shown_day),
            "rows": _rows(rows),
        }
        tip = t.gettext("Team {team}, {day}", team=team, day=shown_day)
        out[team].append(_feature(row.geometry, style, card, tip, digits=5))
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
    reports: gpd.GeoDataFrame, t: Translator, *, aggregated: bool, text_limit: int = 200
) -> tuple[dict[str, list[Any]], list[dict[str, str]]]:
    """Columnar report data for the runtime, and the popup fields to show.

    Aggregated frames (``count`` column) carry no text at all; exact ones carry the tracking
    code, received date, channel, status, matched site and a shortened description. Channel and
    status are labels of the reader's language, never the stored codes.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> gdf = gpd.GeoDataFrame({"code": ["PTM-1"], "received_at": ["2026-01-02"],
    ...     "description": ["<b>x</b>"]}, geometry=[Point(117, 0)], crs=4326)
    >>> data, fields = report_columns(gdf, translator("en"), aggregated=False)
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
    fields = [{"key": "day", "label": t.gettext("Received")}]
    if aggregated:
        counts = [int(c) for c in reports["count"]]
        data["count"] = counts
        data["title"] = [t.ngettext("{n} report", "{n} reports", c) for c in counts]
        return data, fields
    _exact_columns(reports, t, data, fields, text_limit=text_limit)
    return data, fields


def _exact_columns(
    reports: gpd.GeoDataFrame,
    t: Translator,
    data: dict[str, list[Any]],
    fields: list[dict[str, str]],
    *,
    text_limit: int,
) -> None:
    """Add the text columns of exact (not aggregated) report points to ``data`` and ``fields``."""

    def col(name: str) -> list[Any]:
        if name not in reports.columns:
            return [None] * len(reports)
        return [_text(v) for v in reports[name]]

    data["title"] = [c or t.gettext("Report") for c in col("code")]
    # One table per vocabulary, looked up per row: a map may carry 10^5 reports.
    vocabularies = {"channel": labels.channel_labels(t), "status": labels.report_status_labels(t)}
    for key, label in (
        ("channel", t.gettext("Channel")),
        ("status", t.gettext("Status")),
        ("site_code", t.gettext("Matched site")),
    ):
        if key in reports.columns:
            values = col(key)
            if key in vocabularies:
                table = vocabularies[key]
                values = [None if v is None else table.get(v, v) for v in values]
            data[key] = values
            fields.append({"key": key, "label": label})
    texts = col("description")
    titles = col("title")
    merged = [
        " — ".join(p for p in (a, b) if p) or None for a, b in zip(titles, texts, strict=True)
    ]
    if any(merged):
        data["text"] = [
            m if m is None or len(m) <= text_limit else m[: text_limit - 1] + "…" for m in merged
        ]
        fields.append({"key": "text", "label": t.gettext("Description")})


#: Colour of each permit class on the map (the WIUP layer), and of each forest function.
PERMIT_COLOURS: Final[dict[str, str]] = {
    "WIUP_OP": "#1a9850",
    "WIUP_EKSPLORASI": "#fdae61",
    "WIUP_BERAKHIR": "#8c510a",
}
FOREST_COLOURS: Final[dict[str, str]] = {
    "KONSERVASI": "#00441b",
    "HUTAN_LINDUNG": "#238b45",
    "HUTAN_PRODUKSI_TERBATAS": "#74c476",
    "HUTAN_PRODUKSI": "#a1d99b",
    "HUTAN_PRODUKSI_KONVERSI": "#c7e9c0",
    "APL": "#f0f0f0",
}
#: Colour of the satellite alert patches (new candidates are drawn darker).
ALERT_COLOUR: Final[str] = "#e31a1c"


def _polygons(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame.to_crs(4326) if frame.crs is not None else frame
    return out[out.geometry.notna() & ~out.geometry.is_empty]


def wiup_features(wiup: gpd.GeoDataFrame, t: Translator) -> list[dict[str, Any]]:
    """Features of the permit areas (WIUP), coloured by the class they give a place.

    Reads ``permit_class``, and when present ``kode_wiup``, ``nama_usaha``, ``komoditas``,
    ``kegiatan``, ``tgl_akhir`` and ``snapshot_date``. Coordinates are rounded to 5 decimals
    (about 1 m): the layers are small-scale.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> gdf = gpd.GeoDataFrame({"kode_wiup": ["W-1"], "permit_class": ["WIUP_OP"]},
    ...     geometry=[box(117, 0, 117.01, 0.01)], crs=4326)
    >>> wiup_features(gdf, translator("en"))[0]["properties"]["_tip"]
    'W-1: Inside an active production permit'
    """
    from geo.layers.guidance import permit_class_labels

    _require(wiup, ["permit_class"], "wiup")
    classes = permit_class_labels(t)
    features = []
    for _, row in _polygons(wiup).iterrows():
        cls = str(row["permit_class"])
        colour = PERMIT_COLOURS.get(cls, "#737373")
        style = {"color": colour, "fillColor": colour, "weight": 1.5, "fillOpacity": 0.2}
        code = _text(row.get("kode_wiup")) or "?"
        rows: list[list[str | None]] = [
            [t.gettext("Class"), classes.get(cls, cls)],
            [t.gettext("Company"), _text(row.get("nama_usaha"))],
            [t.gettext("Commodity"), _text(row.get("komoditas"))],
            [t.gettext("Stage"), _text(row.get("kegiatan"))],
            [t.gettext("Valid until"), _day(row.get("tgl_akhir"), t)],
            [t.gettext("Layer date"), _day(row.get("snapshot_date"), t)],
        ]
        card = {"title": t.gettext("Permit area {code}", code=code), "rows": _rows(rows)}
        tip = f"{code}: {classes.get(cls, cls)}"
        features.append(_feature(row.geometry, style, card, tip, digits=5))
    return features


def forest_features(forest: gpd.GeoDataFrame, t: Translator) -> list[dict[str, Any]]:
    """Features of the forest estate (kawasan hutan), coloured by function.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> gdf = gpd.GeoDataFrame({"function": ["HUTAN_LINDUNG"]},
    ...     geometry=[box(117, 0, 117.01, 0.01)], crs=4326)
    >>> forest_features(gdf, translator("en"))[0]["properties"]["_tip"]
    'Protection forest'
    """
    from geo.layers.guidance import forest_labels

    _require(forest, ["function"], "kawasan_hutan")
    names = forest_labels(t)
    features = []
    for _, row in _polygons(forest).iterrows():
        function = str(row["function"])
        colour = FOREST_COLOURS.get(function, "#bdbdbd")
        style = {"color": "#006d2c", "fillColor": colour, "weight": 1, "fillOpacity": 0.3}
        rows: list[list[str | None]] = [
            [t.gettext("Name"), _text(row.get("name"))],
            [t.gettext("Layer date"), _day(row.get("snapshot_date"), t)],
        ]
        label = names.get(function, function)
        card = {"title": label, "rows": _rows(rows)}
        features.append(_feature(row.geometry, style, card, label, digits=5))
    return features


def alert_features(patches: gpd.GeoDataFrame, t: Translator) -> list[dict[str, Any]]:
    """Features of satellite alert patches; each card names GFW (CC BY 4.0) as the source.

    Reads ``code``, ``alert_count``, ``first_date``, ``last_date``, ``candidate`` and when
    present ``area_ha``, ``permit_class`` and ``site_code``.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> gdf = gpd.GeoDataFrame({"code": ["AP-1"], "alert_count": [9], "candidate": [True],
    ...     "first_date": ["2026-10-01"], "last_date": ["2026-10-09"]},
    ...     geometry=[box(117, 0, 117.001, 0.001)], crs=4326)
    >>> alert_features(gdf, translator("en"))[0]["properties"]["_tip"]
    'Alert patch AP-1: 9 alerts, new candidate'
    """
    from geo.alerts.config import ATTRIBUTION
    from geo.layers.guidance import permit_class_labels

    _require(patches, ["code", "alert_count", "candidate"], "alerts")
    classes = permit_class_labels(t)
    features = []
    for _, row in _polygons(patches).iterrows():
        candidate = bool(row["candidate"])
        count = int(row["alert_count"])
        style = {
            "color": ALERT_COLOUR,
            "fillColor": ALERT_COLOUR,
            "weight": 2,
            "fillOpacity": 0.5 if candidate else 0.25,
            "radius": 6,
        }
        cls = row.get("permit_class")
        rows: list[list[str | None]] = [
            [t.gettext("Alerts"), t.number(count)],
            [t.gettext("First alert"), _day(row.get("first_date"), t)],
            [t.gettext("Last alert"), _day(row.get("last_date"), t)],
            [t.gettext("Area (ha)"), _text(row.get("area_ha"), t)],
            [t.gettext("Site"), _text(row.get("site_code"))],
            [t.gettext("Class"), classes.get(str(cls), None) if cls else None],
            [t.gettext("Source"), ATTRIBUTION],
        ]
        code = _text(row["code"])
        heading = t.gettext("Alert patch {code}", code=code)
        tip = t.ngettext(
            "Alert patch {code}: {n} alert", "Alert patch {code}: {n} alerts", count, code=code
        )
        if candidate:
            tip = t.gettext("{patch}, new candidate", patch=tip)
        card = {"title": heading, "rows": _rows(rows)}
        features.append(_feature(row.geometry, style, card, tip, digits=5))
    return features
