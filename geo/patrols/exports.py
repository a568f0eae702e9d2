"""Plan exports for people and devices: CSV, XLSX, GPX, KML and iCalendar.

The printable field sheet (PDF) is in :mod:`geo.patrols.fieldsheet`. Plans carry no reporter
data at all (only sites, teams and times), so nothing here needs redaction. What people read
(XLSX headings and sheets, GPX descriptions, KML layer names, calendar events) is in the
language asked for, Bahasa Indonesia by default; the CSV is for devices and programs and keeps
the stable column codes and English codes of :data:`~geo.patrols.result.VISIT_COLUMNS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from geo.errors import N_
from geo.i18n import DEFAULT_LANGUAGE, Translator, translator
from geo.io.delimited import neutralise, neutralise_frame
from geo.labels import commodity, site_status
from geo.patrols.result import VISIT_COLUMNS, Plan, Visit
from geo.patrols.text import localize, number
from geo.settings import MapSettings

__all__ = ["to_csv", "to_xlsx", "to_gpx", "to_kml", "to_ics", "export_all", "FORMATS"]

FORMATS: tuple[str, ...] = ("csv", "xlsx", "pdf", "gpx", "kml", "ics")

#: Column headings of the spreadsheet (catalogue entries; people read them translated).
_XLSX_HEADINGS: dict[str, str] = {
    "date": N_("Date"),
    "seq": N_("Order"),
    "site_code": N_("Site code"),
    "site_name": N_("Site name"),
    "kabupaten": N_("Regency/City"),
    "commodity": N_("Commodity"),
    "status": N_("Status"),
    "priority": N_("Priority"),
    "mandatory": N_("Must be visited"),
    "arrival": N_("Arrive"),
    "start": N_("Start of inspection"),
    "end": N_("Finish"),
    "travel_min": N_("Travel (minutes)"),
    "travel_km": N_("Distance (km)"),
    "lat": N_("Latitude"),
    "lon": N_("Longitude"),
    "reasons": N_("Priority reasons"),
}


def _visits_table(plan: Plan) -> pd.DataFrame:
    frame = pd.DataFrame(plan.to_frame().drop(columns="geometry"))
    frame["lon"] = [round(v.lon, 6) for v in plan.visits]
    frame["lat"] = [round(v.lat, 6) for v in plan.visits]
    for column in ("arrival", "start", "end"):
        frame[column] = [getattr(v, column).strftime("%H:%M") for v in plan.visits]
    return frame


def to_csv(plan: Plan, path: str | Path) -> Path:
    """Write one row per visit (times as HH:MM in WITA, the date separately).

    Examples
    --------
    >>> written = to_csv(plan, "plan.csv")
    """
    path = Path(path)
    neutralise_frame(_visits_table(plan)).to_csv(path, index=False)
    return path


def _people_table(t: Translator, plan: Plan) -> pd.DataFrame:
    """Return the visits table with the codes people read in ``t``'s language."""
    table = _visits_table(plan)
    table["status"] = [site_status(t, v.status) for v in plan.visits]
    table["commodity"] = [commodity(t, v.commodity) for v in plan.visits]
    table["mandatory"] = [t.gettext("yes") if v.mandatory else t.gettext("no") for v in plan.visits]
    table["reasons"] = ["; ".join(localize(t, r) for r in v.reasons) for v in plan.visits]
    return table


def _summary_sheet(t: Translator, plan: Plan, sheet: Any) -> None:
    sheet.title = t.gettext("Summary")
    sheet.append(
        [
            t.gettext("Team"),
            t.gettext("Working days"),
            t.gettext("Visits"),
            t.gettext("Priority"),
            t.gettext("Driving hours"),
            t.gettext("Boat hours"),
            t.gettext("Km"),
            t.gettext("Idle days"),
        ]
    )
    for row in plan.summary().itertuples(index=False):
        sheet.append(list(row))
    sheet.append([])
    sheet.append(
        [
            t.gettext("Period"),
            t.gettext("{first} to {last}", first=t.date(plan.days[0]), last=t.date(plan.days[-1])),
        ]
    )
    sheet.append([t.gettext("Seed"), plan.seed])


def to_xlsx(plan: Plan, path: str | Path, *, lang: str = DEFAULT_LANGUAGE) -> Path:
    """Write a workbook in ``lang``: a summary sheet, one sheet per team, the unplanned sites.

    Examples
    --------
    >>> written = to_xlsx(plan, "plan.xlsx")
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    t = translator(lang)
    path = Path(path)
    table = _people_table(t, plan)
    book = Workbook()
    _summary_sheet(t, plan, book.active)
    for team in plan.teams:
        sheet = book.create_sheet(team.code[:31])
        columns = [c for c in _XLSX_HEADINGS if c in table.columns]
        sheet.append([t.gettext(_XLSX_HEADINGS[c]) for c in columns])
        for row in table[table["team"] == team.code][columns].itertuples(index=False):
            sheet.append([neutralise(v) for v in row])
    left = book.create_sheet(t.gettext("Not planned"))
    left.append(
        [
            t.gettext("Site code"),
            t.gettext("Site name"),
            t.gettext("Priority"),
            t.gettext("Reason"),
            t.gettext("Detail"),
        ]
    )
    for u in plan.unplanned:
        cells = [u.site_code, u.site_name, u.priority, u.explain(t), u.describe(t)]
        left.append([neutralise(v) for v in cells])
    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for i, column in enumerate(sheet.columns, start=1):
            width = max(len(str(c.value or "")) for c in column)
            sheet.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
    book.save(path)
    return path


def _places(plan: Plan) -> dict[str, tuple[str, float, float, list[dt.date]]]:
    """Overnight places the plan's teams sleep at: name, lon, lat and the nights."""
    known = {p.code: p for p in plan.places}
    nights: dict[str, tuple[str, float, float, list[dt.date]]] = {}
    for r in plan.routes:
        code = r.sleeps_at
        if code is None:
            continue
        lon, lat = r.path[-1]
        name = known[code].name if code in known else code
        nights.setdefault(code, (name, lon, lat, []))[3].append(r.date)
    return nights


def to_gpx(plan: Plan, path: str | Path, *, lang: str = DEFAULT_LANGUAGE) -> Path:
    """Write GPX 1.1: waypoints for sites and overnight places, a route per team and day.

    Waypoint times are the inspections' start in the team's zone (WITA in Kaltim). The river
    legs of a day are a track (``<trk>``) of their own, so a GPS shows the boat part.

    Examples
    --------
    >>> written = to_gpx(plan, "plan.gpx")
    """
    import gpxpy.gpx

    t = translator(lang)
    path = Path(path)
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "Pantau Tambang"
    for v in plan.visits:
        gpx.waypoints.append(
            gpxpy.gpx.GPXWaypoint(
                latitude=v.lat,
                longitude=v.lon,
                name=v.site_code,
                description=f"{v.site_name} | {v.team} {v.date:%Y-%m-%d} #{v.seq} "
                f"{v.start:%H:%M}-{v.end:%H:%M} {v.start:%Z}",
                symbol="Flag, Red" if v.mandatory else "Flag, Blue",
                time=v.start,
            )
        )
    for code, (name, lon, lat, nights) in _places(plan).items():
        gpx.waypoints.append(
            gpxpy.gpx.GPXWaypoint(
                latitude=lat,
                longitude=lon,
                name=code,
                description=t.gettext(
                    "Overnight place {name}; nights: {nights}",
                    name=name,
                    nights=", ".join(f"{d:%Y-%m-%d}" for d in sorted(set(nights))),
                ),
                symbol="Lodging",
                type="overnight",
            )
        )
    for r in plan.routes:
        route = gpxpy.gpx.GPXRoute(
            name=f"{r.team} {r.date:%Y-%m-%d}",
            description=t.gettext(
                "{sites} sites, {km} km", sites=t.number(len(r.visits)), km=number(t, r.distance_km)
            ),
        )
        start, end = r.start_code or r.base_code, r.end_code or r.base_code
        names = [start, *(v.site_code for v in r.visits), end]
        for (lon, lat), name in zip(r.path, names, strict=True):
            route.points.append(gpxpy.gpx.GPXRoutePoint(latitude=lat, longitude=lon, name=name))
        gpx.routes.append(route)
        if r.river_legs:
            track = gpxpy.gpx.GPXTrack(
                name=t.gettext("{team} {date} by boat", team=r.team, date=f"{r.date:%Y-%m-%d}")
            )
            track.type = "river"  # type: ignore[assignment]  # gpxpy types it as None
            for leg in r.river_legs:
                segment = gpxpy.gpx.GPXTrackSegment(
                    [gpxpy.gpx.GPXTrackPoint(latitude=y, longitude=x) for x, y in leg]
                )
                track.segments.append(segment)
            gpx.tracks.append(track)
    path.write_text(gpx.to_xml(version="1.1"), encoding="utf-8")
    return path


#: Team colours on maps (KML ``aabbggrr``): distinct, readable on satellite imagery.
_TEAM_COLOURS: tuple[str, ...] = (
    "ff0000ff",
    "ffff7f00",
    "ff00c000",
    "ff00a5ff",
    "ffff00ff",
    "ff00ffff",
    "ff7f007f",
)
_KML = "http://www.opengis.net/kml/2.2"


def _kml_data(parent: Any, values: dict[str, object]) -> None:
    from lxml import etree

    data = etree.SubElement(parent, f"{{{_KML}}}ExtendedData")
    for key, value in values.items():
        item = etree.SubElement(data, f"{{{_KML}}}Data", name=key)
        etree.SubElement(item, f"{{{_KML}}}value").text = str(_text(value))


def _kml_placemark(folder: Any, name: str, style: str, data: dict[str, object]) -> Any:
    from lxml import etree

    mark = etree.SubElement(folder, f"{{{_KML}}}Placemark")
    etree.SubElement(mark, f"{{{_KML}}}name").text = name
    etree.SubElement(mark, f"{{{_KML}}}styleUrl").text = f"#{style}"
    _kml_data(mark, data)
    return mark


def _kml_geometry(mark: Any, coords: Sequence[tuple[float, float]]) -> None:
    from lxml import etree

    kind = "Point" if len(coords) == 1 else "LineString"
    geom = etree.SubElement(mark, f"{{{_KML}}}{kind}")
    etree.SubElement(geom, f"{{{_KML}}}coordinates").text = " ".join(
        f"{x:.6f},{y:.6f}" for x, y in coords
    )


def _kml_styles(doc: Any, plan: Plan) -> None:
    from lxml import etree

    styles = {
        f"team-{team.code}": (_TEAM_COLOURS[k % len(_TEAM_COLOURS)], 3)
        for k, team in enumerate(plan.teams)
    }
    styles["river"] = ("ffffaa00", 5)
    styles["overnight"] = ("ff00ffff", 2)
    for sid, (colour, width) in styles.items():
        style = etree.SubElement(doc, f"{{{_KML}}}Style", id=sid)
        icon = etree.SubElement(style, f"{{{_KML}}}IconStyle")
        etree.SubElement(icon, f"{{{_KML}}}color").text = colour
        line = etree.SubElement(style, f"{{{_KML}}}LineStyle")
        etree.SubElement(line, f"{{{_KML}}}color").text = colour
        etree.SubElement(line, f"{{{_KML}}}width").text = str(width)


def to_kml(plan: Plan, path: str | Path, *, lang: str = DEFAULT_LANGUAGE) -> Path:
    """Write KML styled per team: visits, routes, and (when any) overnight places and river legs.

    Folders are named in ``lang`` (``kunjungan``, ``rute``, ``tempat menginap``, ``ruas
    sungai`` in id); attributes are ``ExtendedData`` that Google Earth and GDAL read; times
    are the team's local time with its zone (WITA).

    Examples
    --------
    >>> written = to_kml(plan, "plan.kml")
    """
    from lxml import etree

    t = translator(lang)
    path = Path(path)
    root = etree.Element(f"{{{_KML}}}kml", nsmap={None: _KML})
    doc = etree.SubElement(root, f"{{{_KML}}}Document")
    etree.SubElement(doc, f"{{{_KML}}}name").text = t.gettext("Patrol plan")
    _kml_styles(doc, plan)
    people = _people_table(t, plan)

    def folder(name: str) -> Any:
        f = etree.SubElement(doc, f"{{{_KML}}}Folder")
        etree.SubElement(f, f"{{{_KML}}}name").text = name
        return f

    visits = folder(t.gettext("visits"))
    for v, (_, row) in zip(plan.visits, people.iterrows(), strict=True):
        data = {c: getattr(v, c) for c in VISIT_COLUMNS if c not in {"reasons"}}
        data.update({c: row[c] for c in ("status", "commodity", "mandatory", "reasons")})
        mark = _kml_placemark(visits, v.site_code, f"team-{v.team}", data)
        _kml_geometry(mark, [(v.lon, v.lat)])
    routes = folder(t.gettext("routes"))
    for r in plan.routes:
        data = {
            "team": r.team,
            "date": r.date,
            "start": r.start_code or r.base_code,
            "end": r.end_code or r.base_code,
            "visits": len(r.visits),
            "depart": r.depart,
            "back": r.back,
            "drive_min": r.drive_min,
            "boat_min": r.boat_min,
            "distance_km": r.distance_km,
        }
        mark = _kml_placemark(routes, f"{r.team} {r.date:%Y-%m-%d}", f"team-{r.team}", data)
        _kml_geometry(mark, r.path)
    places = _places(plan)
    if places:
        nights_folder = folder(t.gettext("overnight places"))
        for code, (name, lon, lat, nights) in places.items():
            data = {"code": code, "nights": ", ".join(f"{d:%Y-%m-%d}" for d in sorted(set(nights)))}
            mark = _kml_placemark(nights_folder, f"{code} {name}", "overnight", data)
            _kml_geometry(mark, [(lon, lat)])
    legs = [(r, leg) for r in plan.routes for leg in r.river_legs if len(leg) > 1]
    if legs:
        river = folder(t.gettext("river legs"))
        for r, leg in legs:
            mark = _kml_placemark(
                river, f"{r.team} {r.date:%Y-%m-%d}", "river", {"team": r.team, "date": r.date}
            )
            _kml_geometry(mark, leg)
    path.write_bytes(
        etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    )
    return path


def _text(value: object) -> object:
    if isinstance(value, dt.datetime):
        # Local time with its zone's name (WITA), never a bare or UTC time.
        return value.strftime("%Y-%m-%d %H:%M %Z").strip()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _event(t: Translator, v: Visit, stamp: dt.datetime) -> Any:
    import icalendar

    event = icalendar.Event()
    event.add("uid", f"{v.date:%Y%m%d}-{v.team}-{v.site_code}@pantau-tambang")
    event.add("dtstamp", stamp)
    event.add("dtstart", v.start)
    event.add("dtend", v.end)
    event.add("summary", t.gettext("Inspection {code} {name}", code=v.site_code, name=v.site_name))
    event.add("location", f"{v.site_name}, {v.kabupaten} ({v.lat:.5f}, {v.lon:.5f})")
    event.add("geo", (v.lat, v.lon))
    description = t.gettext(
        "Order {seq}; arrive {arrival}; commodity {commodity}; status {status}; "
        "priority {priority}",
        seq=v.seq,
        arrival=f"{v.arrival:%H:%M}",
        commodity=commodity(t, v.commodity),
        status=site_status(t, v.status),
        priority=number(t, v.priority),
    )
    if v.mandatory:
        description += "; " + t.gettext("must be visited")
    event.add("description", description)
    return event


def to_ics(plan: Plan, folder: str | Path, *, lang: str = DEFAULT_LANGUAGE) -> list[Path]:
    """Write one iCalendar file per team (``<team>.ics``), one event per visit.

    Events carry the site's position (``GEO``) and stable UIDs, so that importing a revised
    plan updates a phone's calendar instead of doubling it.

    Examples
    --------
    >>> written = to_ics(plan, "out/")
    """
    import icalendar

    t = translator(lang)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for team in plan.teams:
        cal = icalendar.Calendar()
        cal.add("prodid", "-//Pantau Tambang//Rencana Patroli//ID")
        cal.add("version", "2.0")
        cal.add("x-wr-calname", t.gettext("Patrol {team}", team=team.code))
        for v in (v for v in plan.visits if v.team == team.code):
            cal.add_component(_event(t, v, stamp))
        # A VTIMEZONE for Asia/Makassar, so calendars that do not know the zone still show WITA.
        cal.add_missing_timezones()
        path = folder / f"{team.code}.ics"
        path.write_bytes(cal.to_ical())
        written.append(path)
    return written


def export_all(
    plan: Plan,
    folder: str | Path,
    *,
    formats: tuple[str, ...] = FORMATS,
    lang: str = DEFAULT_LANGUAGE,
    maps: MapSettings | None = None,
) -> dict[str, list[Path]]:
    """Write every export of ``plan`` into ``folder`` in ``lang``; return the paths per format.

    ``maps`` (the settings' section) gives the field sheet's daily maps their base map.

    Examples
    --------
    >>> sorted(export_all(plan, "rencana-patroli/"))
    ['csv', 'gpx', 'ics', 'kml', 'pdf', 'xlsx']
    """
    from geo.patrols.fieldsheet import to_pdf

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    writers = {
        "csv": lambda: [to_csv(plan, folder / "rencana.csv")],
        "xlsx": lambda: [to_xlsx(plan, folder / "rencana.xlsx", lang=lang)],
        "pdf": lambda: [to_pdf(plan, folder / "lembar-kerja.pdf", lang=lang, maps=maps)],
        "gpx": lambda: [to_gpx(plan, folder / "rencana.gpx", lang=lang)],
        "kml": lambda: [to_kml(plan, folder / "rencana.kml", lang=lang)],
        "ics": lambda: to_ics(plan, folder / "kalender", lang=lang),
    }
    return {fmt: writers[fmt]() for fmt in formats}
