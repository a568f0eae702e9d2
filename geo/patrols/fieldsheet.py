"""Printable field sheet (PDF, A4), in Bahasa Indonesia by default: one section per team and day.

Each day shows a small map (the base map under the route, :mod:`geo.patrols.daymap`, or a
plain sketch when no base is available), lists the stops with times, then one card per site
with blank fields for the findings, so a team can fill it in by hand where there is no signal.
Every word comes from the message catalogue (:mod:`geo.i18n`), vocabulary through
:mod:`geo.labels`, dates and numbers through the translator's locale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import geopandas as gpd

from geo.i18n import DEFAULT_LANGUAGE, Translator, translator
from geo.labels import commodity, inspection_result_labels, site_status
from geo.patrols.daymap import day_map, load_base, route_bbox
from geo.patrols.result import DayRoute, Plan, Visit
from geo.patrols.text import localize, number
from geo.settings import MapSettings

__all__ = ["route_sketch", "to_pdf", "tanggal", "long_date"]


@dataclass(frozen=True)
class _Sheet:
    """What every day of one field sheet shares: the base map's layers and the place names."""

    base: dict[str, gpd.GeoDataFrame] | None
    names: dict[str, str]


def long_date(t: Translator, day: dt.date) -> str:
    """Return a date with its weekday in ``t``'s language, e.g. "Selasa, 1 Desember 2026".

    Examples
    --------
    >>> import datetime as dt
    >>> long_date(translator("en"), dt.date(2026, 12, 1))
    'Tuesday, 1 December 2026'
    """
    return t.date(day, format="EEEE, d MMMM y")


def tanggal(day: dt.date) -> str:
    """Return a date written the Indonesian way, e.g. "Selasa, 1 Desember 2026".

    Examples
    --------
    >>> import datetime as dt
    >>> tanggal(dt.date(2026, 12, 1))
    'Selasa, 1 Desember 2026'
    """
    return long_date(translator("id"), day)


def _stops_table(t: Translator, route: DayRoute, styles: Any) -> Any:
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table, TableStyle

    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    rows: list[list[Any]] = [
        [
            t.gettext("No"),
            t.gettext("Code"),
            t.gettext("Site name"),
            t.gettext("Regency"),
            t.gettext("Arrive"),
            t.gettext("Start"),
            t.gettext("Finish"),
            t.gettext("Travel"),
        ]
    ]
    for v in route.visits:
        rows.append(
            [
                str(v.seq),
                v.site_code,
                Paragraph(escape(v.site_name), styles["Small"]),
                v.kabupaten,
                f"{v.arrival:%H:%M}",
                f"{v.start:%H:%M}",
                f"{v.end:%H:%M}",
                t.gettext("{minutes} min", minutes=t.number(v.travel_min)),
            ]
        )
    widths = [8 * mm, 20 * mm, 55 * mm, 32 * mm, 13 * mm, 13 * mm, 14 * mm, 16 * mm]
    return Table(rows, colWidths=widths, style=grid, repeatRows=1)


def _card(t: Translator, v: Visit, styles: Any) -> Any:
    """One site's card: what is known, then blank fields for what the team finds."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table, TableStyle

    boxes = "   ".join(f"[   ] {label}" for label in inspection_result_labels(t).values())
    title = f"<b>{v.seq}. {escape(v.site_code)} — {escape(v.site_name)}</b>"
    if v.mandatory:
        title += " " + escape(t.gettext("(must be visited)"))
    facts = t.gettext(
        "Coordinates {lat}, {lon} · {regency} · commodity {commodity} · status {status} · "
        "priority {priority}",
        lat=f"{v.lat:.5f}",
        lon=f"{v.lon:.5f}",
        regency=v.kabupaten,
        commodity=commodity(t, v.commodity),
        status=site_status(t, v.status),
        priority=number(t, v.priority),
    )
    reasons = "; ".join(localize(t, r) for r in v.reasons) or "-"
    return Table(
        [
            [Paragraph(title, styles["Normal"])],
            [Paragraph(escape(facts), styles["Small"])],
            [
                Paragraph(
                    escape(t.gettext("Priority reasons: {reasons}", reasons=reasons)),
                    styles["Small"],
                )
            ],
            [Paragraph(escape(t.gettext("Findings: {boxes}", boxes=boxes)), styles["Small"])],
            [
                t.gettext(
                    "Actual arrival: ________   Finished: ________   "
                    "GPS point: ______________________"
                )
            ],
            [t.gettext("Notes: {line}", line="_" * 88)],
            ["_" * 100],
            [
                t.gettext(
                    "Photos/evidence (file numbers): ____________________   "
                    "Officer's initials: ________"
                )
            ],
        ],
        colWidths=[171 * mm],
        style=TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, colors.black),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        ),
    )


def route_sketch(route: DayRoute, *, width_mm: float = 170, height_mm: float = 55) -> Any:
    """Return a plain sketch of a day's route (a reportlab Drawing), for when no base map exists.

    The route is drawn to scale (equal degrees of longitude and latitude, fine near the
    equator): start and end as squares, sites as numbered dots, river legs in blue.

    Examples
    --------
    >>> sketch = route_sketch(plan.routes[0])
    >>> sketch.width > 0
    True
    """
    from reportlab.graphics.shapes import Circle, Drawing, PolyLine, Rect, String
    from reportlab.lib import colors
    from reportlab.lib.units import mm

    w, h, pad = width_mm * mm, height_mm * mm, 6 * mm
    points = [*route.path, *(p for leg in route.river_legs for p in leg)]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-3)
    scale = min((w - 2 * pad) / span, (h - 2 * pad) / span)

    def at(lon: float, lat: float) -> tuple[float, float]:
        return pad + (lon - min(xs)) * scale, pad + (lat - min(ys)) * scale

    drawing = Drawing(w, h)
    drawing.add(Rect(0, 0, w, h, strokeColor=colors.lightgrey, fillColor=None))
    for leg in route.river_legs:
        coords = [c for p in leg for c in at(*p)]
        drawing.add(PolyLine(coords, strokeColor=colors.blue, strokeWidth=2.5))
    drawing.add(
        PolyLine([c for p in route.path for c in at(*p)], strokeColor=colors.black, strokeWidth=1)
    )
    for lon, lat in (route.path[0], route.path[-1]):
        x, y = at(lon, lat)
        drawing.add(Rect(x - 3, y - 3, 6, 6, fillColor=colors.black))
    for v in route.visits:
        x, y = at(v.lon, v.lat)
        drawing.add(Circle(x, y, 3.5, fillColor=colors.red if v.mandatory else colors.white))
        drawing.add(String(x + 5, y + 3, str(v.seq), fontSize=7))
    return drawing


def _map(t: Translator, route: DayRoute, styles: Any, sheet: _Sheet) -> list[Any]:
    """Return the day's map on the base map, or the plain sketch and a line saying why."""
    from reportlab.platypus import Paragraph

    if sheet.base is not None:
        return [day_map(route, sheet.base, t, names=sheet.names)]
    note = t.gettext("No base map available: the map below is a plain route sketch.")
    return [Paragraph(escape(note), styles["Small"]), route_sketch(route)]


def _day(t: Translator, route: DayRoute, styles: Any, sheet: _Sheet) -> list[Any]:
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer

    head = t.gettext(
        "{date} · from {start} · leave {depart} · back {back} {zone} · {km} km · "
        "travel {hours} h, of which by boat {boat} h",
        date=long_date(t, route.date),
        start=route.start_code or route.base_code,
        depart=f"{route.depart:%H:%M}",
        back=f"{route.back:%H:%M}",
        zone=f"{route.depart:%Z}",
        km=number(t, route.distance_km),
        hours=t.number(route.drive_min / 60, digits=1),
        boat=t.number(route.boat_min / 60, digits=1),
    )
    night = (
        t.gettext("Night at {place}", place=route.sleeps_at)
        if route.sleeps_at
        else t.gettext("Night at the base {base}", base=route.base_code)
    )
    story: list[Any] = [
        Paragraph(
            escape(t.gettext("Patrol Field Sheet — {team}", team=route.team)), styles["Title"]
        ),
        Paragraph(escape(head), styles["Normal"]),
        Paragraph(escape(night), styles["Normal"]),
        Spacer(1, 2 * mm),
        *_map(t, route, styles, sheet),
        Spacer(1, 4 * mm),
        _stops_table(t, route, styles),
        Spacer(1, 5 * mm),
    ]
    for v in route.visits:
        story.append(KeepTogether([_card(t, v, styles), Spacer(1, 4 * mm)]))
    story.append(PageBreak())
    return story


def _cover(t: Translator, plan: Plan, styles: Any) -> list[Any]:
    from reportlab.platypus import PageBreak, Paragraph, Table

    summary: list[list[str]] = [
        [
            t.gettext("Team"),
            t.gettext("Days"),
            t.gettext("Visits"),
            t.gettext("Priority"),
            t.gettext("Driving hours"),
            t.gettext("Boat hours"),
            t.gettext("Km"),
            t.gettext("Idle days"),
        ]
    ]
    for row in plan.summary().to_dict("records"):
        summary.append(
            [
                str(row["team"]),
                t.number(row["days"]),
                t.number(row["visits"]),
                number(t, row["priority"]),
                t.number(row["drive_h"], digits=1),
                t.number(row["boat_h"], digits=1),
                number(t, row["km"]),
                t.number(row["idle_days"]),
            ]
        )
    period = t.gettext(
        "Period {first} to {last} · {days} working days · {visits} visits · "
        "{unplanned} sites not planned",
        first=long_date(t, plan.days[0]),
        last=long_date(t, plan.days[-1]),
        days=t.number(len(plan.days)),
        visits=t.number(len(plan.visits)),
        unplanned=t.number(len(plan.unplanned)),
    )
    return [
        Paragraph(escape(t.gettext("Patrol and Inspection Plan")), styles["Title"]),
        Paragraph(escape(period), styles["Normal"]),
        Table(summary),
        *_expeditions(t, plan, styles),
        *_unplanned(t, plan, styles),
        PageBreak(),
    ]


def _expeditions(t: Translator, plan: Plan, styles: Any) -> list[Any]:
    """Return each expedition: team, days away and where it sleeps each night."""
    from reportlab.platypus import Paragraph

    if not plan.itineraries:
        return []
    names = {p.code: p.name for p in plan.places}
    story: list[Any] = [Paragraph(escape(t.gettext("Expeditions")), styles["Heading2"])]
    for trip in plan.itineraries:
        nights = ", ".join(
            f"{long_date(t, leg.day)}: {names.get(leg.end, leg.end)} ({leg.end})"
            for leg in trip.legs[:-1]
        )
        text = t.gettext(
            "{team}: {days} days away from {first}; nights at {nights}",
            team=trip.team,
            days=t.number(trip.days_away),
            first=long_date(t, trip.legs[0].day),
            nights=nights,
        )
        story.append(Paragraph(escape(text), styles["Small"]))
    return story


def _unplanned(t: Translator, plan: Plan, styles: Any) -> list[Any]:
    """Return a table of the sites left out of the plan, each with its reason and detail."""
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    if not plan.unplanned:
        return []
    rows: list[list[Any]] = [
        [t.gettext("Site code"), t.gettext("Site name"), t.gettext("Priority"), t.gettext("Why")]
    ]
    for u in plan.unplanned:
        why = f"{u.explain(t)}: {u.describe(t)}"
        rows.append(
            [
                u.site_code,
                Paragraph(escape(u.site_name), styles["Small"]),
                number(t, u.priority),
                Paragraph(escape(why), styles["Small"]),
            ]
        )
    table = Table(rows, colWidths=[22 * 2.83, 55 * 2.83, 16 * 2.83, 80 * 2.83], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return [Paragraph(escape(t.gettext("Sites not planned")), styles["Heading2"]), table]


def to_pdf(
    plan: Plan,
    path: str | Path,
    *,
    lang: str = DEFAULT_LANGUAGE,
    maps: MapSettings | None = None,
) -> Path:
    """Write the field sheet in ``lang``: a cover with the plan summary, then each team's days.

    Each day has a small map: the base map of ``maps`` (the settings' ``maps`` section, as
    every map reads it) under the route, or, with no base available (``maps`` not given, no
    vector base configured, the demo base's GMT data not installed), a plain route sketch
    and a line saying so.

    Examples
    --------
    >>> to_pdf(plan, "lembar-kerja.pdf")
    PosixPath('lembar-kerja.pdf')
    >>> to_pdf(plan, "lembar-kerja.pdf", maps=MapSettings(demo_basemap=False))
    PosixPath('lembar-kerja.pdf')
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    t = translator(lang)
    path = Path(path)
    styles = getSampleStyleSheet()
    styles.add(ParagraphStyle("Small", parent=styles["Normal"], fontSize=8, leading=10))
    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=t.gettext("Pantau Tambang Patrol Plan"),
        author="Pantau Tambang",
    )
    bbox = route_bbox(plan.routes)
    sheet = _Sheet(
        base=load_base(maps, bbox) if maps is not None and bbox is not None else None,
        names={
            **{p.code: p.name for p in plan.places},
            **{t.base.code: t.base.name for t in plan.teams},
        },
    )
    story = _cover(t, plan, styles)
    for route in plan.routes:
        story += _day(t, route, styles, sheet)
    doc.build(story)
    return path
