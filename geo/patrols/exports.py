"""Plan exports for people and devices: CSV, XLSX, GPX, KML and iCalendar.

The printable field sheet (PDF) is in :mod:`geo.patrols.fieldsheet`. Plans carry no reporter
data at all (only sites, teams and times), so nothing here needs redaction. What people read
(XLSX headings and sheets, GPX descriptions, KML layer names, calendar events) is in the
language asked for, Bahasa Indonesia by default; the CSV is for devices and programs and keeps
the stable column codes and English codes of :data:`~geo.patrols.result.VISIT_COLUMNS`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from geo.errors import N_
from geo.i18n import DEFAULT_LANGUAGE, Translator, translator
from geo.io.delimited import neutralise, neutralise_frame
from geo.labels import commodity, site_status
from geo.patrols.result import Plan, Visit
from geo.patrols.text import localize, number

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
            t.gettext("Km"),
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


def to_gpx(plan: Plan, path: str | Path, *, lang: str = DEFAULT_LANGUAGE) -> Path:
    """Write GPX 1.1: one waypoint per site and one route per team and day.

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
                f"{v.start:%H:%M}-{v.end:%H:%M}",
                symbol="Flag, Red" if v.mandatory else "Flag, Blue",
            )
        )
    for r in plan.routes:
        route = gpxpy.gpx.GPXRoute(
            name=f"{r.team} {r.date:%Y-%m-%d}",
            description=t.gettext(
                "{sites} sites, {km} km", sites=t.number(len(r.visits)), km=number(t, r.distance_km)
            ),
        )
        names = [r.base_code, *(v.site_code for v in r.visits), r.base_code]
        for (lon, lat), name in zip(r.path, names, strict=True):
            route.points.append(gpxpy.gpx.GPXRoutePoint(latitude=lat, longitude=lon, name=name))
        gpx.routes.append(route)
    path.write_text(gpx.to_xml(version="1.1"), encoding="utf-8")
    return path


def to_kml(plan: Plan, path: str | Path, *, lang: str = DEFAULT_LANGUAGE) -> Path:
    """Write KML through GDAL: a visits and a routes folder (``kunjungan``, ``rute`` in id).

    Examples
    --------
    >>> written = to_kml(plan, "plan.kml")
    """
    import pyogrio

    t = translator(lang)
    path = Path(path)
    path.unlink(missing_ok=True)
    visits = plan.to_frame()
    visits.insert(0, "name", visits["site_code"])
    people = _people_table(t, plan)
    for column in ("status", "commodity", "mandatory", "reasons"):
        visits[column] = people[column].to_numpy()
    routes = plan.routes_frame()
    routes.insert(0, "name", routes["team"] + " " + routes["date"].astype(str))
    for frame in (visits, routes):
        for column in frame.columns:
            if column != "geometry" and frame[column].dtype == object:
                frame[column] = frame[column].map(_text)
    pyogrio.write_dataframe(visits, path, layer=t.gettext("visits"), driver="KML")
    pyogrio.write_dataframe(routes, path, layer=t.gettext("routes"), driver="KML", append=True)
    return path


def _text(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
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
) -> dict[str, list[Path]]:
    """Write every export of ``plan`` into ``folder`` in ``lang``; return the paths per format.

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
        "pdf": lambda: [to_pdf(plan, folder / "lembar-kerja.pdf", lang=lang)],
        "gpx": lambda: [to_gpx(plan, folder / "rencana.gpx", lang=lang)],
        "kml": lambda: [to_kml(plan, folder / "rencana.kml", lang=lang)],
        "ics": lambda: to_ics(plan, folder / "kalender", lang=lang),
    }
    return {fmt: writers[fmt]() for fmt in formats}
