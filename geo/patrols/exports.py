"""Plan exports for people and devices: CSV, XLSX, GPX, KML and iCalendar.

The printable field sheet (PDF) is in :mod:`geo.patrols.fieldsheet`. Plans carry no reporter
data at all (only sites, teams and times), so nothing here needs redaction.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from geo.patrols.result import REASONS, Plan

__all__ = ["to_csv", "to_xlsx", "to_gpx", "to_kml", "to_ics", "export_all", "FORMATS"]

FORMATS: tuple[str, ...] = ("csv", "xlsx", "pdf", "gpx", "kml", "ics")

#: Column headings of the spreadsheet, in Bahasa Indonesia for the field teams.
_XLSX_HEADINGS: dict[str, str] = {
    "date": "Tanggal", "seq": "Urutan", "site_code": "Kode lokasi", "site_name": "Nama lokasi",
    "kabupaten": "Kabupaten/Kota", "commodity": "Komoditas", "status": "Status",
    "priority": "Prioritas", "mandatory": "Wajib dikunjungi", "arrival": "Tiba",
    "start": "Mulai inspeksi", "end": "Selesai", "travel_min": "Perjalanan (menit)",
    "travel_km": "Jarak (km)", "lat": "Lintang", "lon": "Bujur", "reasons": "Alasan prioritas",
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
    _visits_table(plan).to_csv(path, index=False)
    return path


def to_xlsx(plan: Plan, path: str | Path) -> Path:
    """Write a workbook: a summary sheet, one sheet per team, and the unplanned sites.

    Examples
    --------
    >>> written = to_xlsx(plan, "plan.xlsx")
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    path = Path(path)
    table = _visits_table(plan)
    book = Workbook()
    summary = book.active
    summary.title = "Ringkasan"
    summary.append(["Tim", "Hari kerja", "Kunjungan", "Prioritas", "Jam mengemudi", "Km"])
    for row in plan.summary().itertuples(index=False):
        summary.append(list(row))
    summary.append([])
    summary.append(["Periode", f"{plan.days[0]:%d-%m-%Y} s.d. {plan.days[-1]:%d-%m-%Y}"])
    summary.append(["Seed", plan.seed])
    for team in plan.teams:
        sheet = book.create_sheet(team.code[:31])
        columns = [c for c in _XLSX_HEADINGS if c in table.columns]
        sheet.append([_XLSX_HEADINGS[c] for c in columns])
        for row in table[table["team"] == team.code][columns].itertuples(index=False):
            sheet.append(list(row))
    left = book.create_sheet("Tidak direncanakan")
    left.append(["Kode lokasi", "Nama lokasi", "Prioritas", "Alasan", "Keterangan"])
    for u in plan.unplanned:
        left.append([u.site_code, u.site_name, u.priority, REASONS[u.reason][1], u.detail])
    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for i, column in enumerate(sheet.columns, start=1):
            width = max(len(str(c.value or "")) for c in column)
            sheet.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
    book.save(path)
    return path


def to_gpx(plan: Plan, path: str | Path) -> Path:
    """Write GPX 1.1: one waypoint per site and one route per team and day.

    Examples
    --------
    >>> written = to_gpx(plan, "plan.gpx")
    """
    import gpxpy.gpx

    path = Path(path)
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "Pantau Tambang"
    for v in plan.visits:
        gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(
            latitude=v.lat, longitude=v.lon, name=v.site_code,
            description=f"{v.site_name} | {v.team} {v.date:%Y-%m-%d} #{v.seq} "
                        f"{v.start:%H:%M}-{v.end:%H:%M}",
            symbol="Flag, Red" if v.mandatory else "Flag, Blue",
        ))
    for r in plan.routes:
        route = gpxpy.gpx.GPXRoute(name=f"{r.team} {r.date:%Y-%m-%d}",
                                   description=f"{len(r.visits)} lokasi, {r.distance_km} km")
        names = [r.base_code, *(v.site_code for v in r.visits), r.base_code]
        for (lon, lat), name in zip(r.path, names, strict=True):
            route.points.append(gpxpy.gpx.GPXRoutePoint(latitude=lat, longitude=lon, name=name))
        gpx.routes.append(route)
    path.write_text(gpx.to_xml(version="1.1"), encoding="utf-8")
    return path


def to_kml(plan: Plan, path: str | Path) -> Path:
    """Write KML through GDAL: a ``kunjungan`` (visits) and a ``rute`` (routes) folder.

    Examples
    --------
    >>> written = to_kml(plan, "plan.kml")
    """
    import pyogrio

    path = Path(path)
    path.unlink(missing_ok=True)
    visits = plan.to_frame()
    visits.insert(0, "name", visits["site_code"])
    routes = plan.routes_frame()
    routes.insert(0, "name", routes["team"] + " " + routes["date"].astype(str))
    for frame in (visits, routes):
        for column in frame.columns:
            if column != "geometry" and frame[column].dtype == object:
                frame[column] = frame[column].map(_text)
    pyogrio.write_dataframe(visits, path, layer="kunjungan", driver="KML")
    pyogrio.write_dataframe(routes, path, layer="rute", driver="KML", append=True)
    return path


def _text(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def to_ics(plan: Plan, folder: str | Path) -> list[Path]:
    """Write one iCalendar file per team (``<team>.ics``), one event per visit.

    Events carry the site's position (``GEO``) and stable UIDs, so that importing a revised
    plan updates a phone's calendar instead of doubling it.

    Examples
    --------
    >>> written = to_ics(plan, "out/")
    """
    import icalendar

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for team in plan.teams:
        cal = icalendar.Calendar()
        cal.add("prodid", "-//Pantau Tambang//Rencana Patroli//ID")
        cal.add("version", "2.0")
        cal.add("x-wr-calname", f"Patroli {team.code}")
        for v in (v for v in plan.visits if v.team == team.code):
            event = icalendar.Event()
            event.add("uid", f"{v.date:%Y%m%d}-{team.code}-{v.site_code}@pantau-tambang")
            event.add("dtstamp", stamp)
            event.add("dtstart", v.start)
            event.add("dtend", v.end)
            event.add("summary", f"Inspeksi {v.site_code} {v.site_name}")
            event.add("location", f"{v.site_name}, {v.kabupaten} ({v.lat:.5f}, {v.lon:.5f})")
            event.add("geo", (v.lat, v.lon))
            event.add("description",
                      f"Urutan {v.seq}; tiba {v.arrival:%H:%M}; komoditas {v.commodity}; "
                      f"status {v.status}; prioritas {v.priority:g}"
                      + ("; wajib dikunjungi" if v.mandatory else ""))
            cal.add_component(event)
        # A VTIMEZONE for Asia/Makassar, so calendars that do not know the zone still show WITA.
        cal.add_missing_timezones()
        path = folder / f"{team.code}.ics"
        path.write_bytes(cal.to_ical())
        written.append(path)
    return written


def export_all(plan: Plan, folder: str | Path, *, formats: tuple[str, ...] = FORMATS
               ) -> dict[str, list[Path]]:
    """Write every export of ``plan`` into ``folder``; return the paths per format.

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
        "xlsx": lambda: [to_xlsx(plan, folder / "rencana.xlsx")],
        "pdf": lambda: [to_pdf(plan, folder / "lembar-kerja.pdf")],
        "gpx": lambda: [to_gpx(plan, folder / "rencana.gpx")],
        "kml": lambda: [to_kml(plan, folder / "rencana.kml")],
        "ics": lambda: to_ics(plan, folder / "kalender"),
    }
    return {fmt: writers[fmt]() for fmt in formats}
