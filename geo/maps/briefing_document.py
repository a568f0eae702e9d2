"""The printed briefing for a head of office: the HTML document Chromium prints to PDF.

Page 1 holds the map (with its legend and scale), the summary figures, the table by kabupaten
and the 12-month trend; page 2 the top sites with their reasons and indicative class, the
guidance each class points to (law and authority, worded as guidance, not a legal finding),
the number of sites per class, the overdue complaints counted completely and the patrol plan
in summary. Every text is a catalogue entry in the
briefing's language, every number is formatted as people read it, every value is escaped by
the template (``templates/briefing.html.j2``), and nothing tells the reader to run a command.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from geo import labels
from geo.errors import N_
from geo.i18n import Translator
from geo.layers.guidance import (
    authority_labels,
    forest_labels,
    guidance,
    indicative_note,
    permit_class_labels,
)
from geo.maps.briefing_chart import trend_svg
from geo.maps.briefing_data import UNKNOWN, BriefingData, SiteClass

__all__ = ["OVERDUE_COLUMNS", "SITE_COLUMNS", "render_document", "cell"]

_TEMPLATES: Final[Path] = Path(__file__).parent / "templates"

#: What the overdue table may show of a report (no text, no reporter, nothing else), and the
#: catalogue entry of each column's heading.
OVERDUE_COLUMNS: Final[dict[str, str]] = {
    "code": N_("Report"),
    "received_at": N_("Received"),
    "clock": N_("Stage"),
    "due": N_("Due"),
    "days_overdue": N_("Days overdue"),
}
#: The columns of the table of top sites, and their headings.
SITE_COLUMNS: Final[dict[str, str]] = {
    "rank": N_("No."),
    "code": N_("Code"),
    "name": N_("Name"),
    "kabupaten": N_("Regency/city"),
    "status": N_("Status"),
    "priority": N_("Priority"),
    "priority_reasons": N_("Reasons"),
    "indicative_class": N_("Indicative class"),
}
#: Rows of the table by kabupaten on page 1; the rest are summed in one row.
KABUPATEN_ROWS: Final[int] = 10


def cell(value: Any, t: Translator) -> str:
    """Return ``value`` as text a person reads (dates, rounded numbers, lists), unescaped.

    Examples
    --------
    >>> from geo.i18n import translator
    >>> cell(1234.56, translator("id")), cell(dt.date(2026, 3, 27), translator("id"))
    ('1.235', '27 Mar 2026')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp | dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return t.date(value, format="medium")
    if isinstance(value, float | int):
        return t.number(round(float(value)))
    if isinstance(value, list | tuple):
        return "; ".join(map(str, value))
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _rows(frame: pd.DataFrame | None, columns: Mapping[str, str], t: Translator) -> dict[str, Any]:
    if frame is None or frame.empty:
        return {"head": [], "rows": []}
    cols = [c for c in columns if c in frame.columns]
    return {
        "head": [t.gettext(columns[c]) for c in cols],
        "rows": [[cell(row[c], t) for c in cols] for _, row in frame.iterrows()],
    }


def _worded_sites(tops: pd.DataFrame, t: Translator) -> pd.DataFrame:
    """Return the top sites with labels, not codes (status; risk level when there is no score)."""
    tops = tops.copy()
    if "status" in tops.columns:
        status_labels = labels.site_status_labels(t)
        tops["status"] = [status_labels.get(str(s), str(s)) for s in tops["status"]]
    if "priority" not in tops.columns and "risk_level" in tops.columns:
        risk_labels = labels.risk_level_labels(t)
        tops["priority"] = [risk_labels.get(str(r), r) for r in tops["risk_level"]]
    return tops


def _classed_sites(tops: pd.DataFrame, data: BriefingData, t: Translator) -> pd.DataFrame:
    """Return the top sites with their indicative class in words (when a layer was imported)."""
    if not data.site_classes or "code" not in tops.columns:
        return tops
    words = [_class_label(data.site_classes.get(str(code)), t) for code in tops["code"]]
    return tops.assign(indicative_class=words)


def _class_label(c: SiteClass | None, t: Translator) -> str:
    """Return the class of a site in words: permit class, forest functions, authority."""
    if c is None:
        return ""
    permits, forests = permit_class_labels(t), forest_labels(t)
    parts = [permits.get(c.permit_class or "", "")]
    parts += [forests.get(f, f) for f in c.forest_flags if f != "APL"]
    if c.authority:
        parts.append(authority_labels(t).get(c.authority, c.authority))
    return "; ".join(p for p in parts if p)


def _classes(data: BriefingData, tops: pd.DataFrame, t: Translator) -> dict[str, Any] | None:
    """Sites per class, and per top site its class and guidance (the indicative note once)."""
    if not data.site_classes:
        return None
    labels_ = {**permit_class_labels(t), **forest_labels(t)}
    counts = [[labels_.get(k, k), t.number(n)] for k, n in data.classes.items()]
    rows = []
    codes = [str(c) for c in tops["code"]] if "code" in tops.columns else []
    for code in codes:
        c = data.site_classes.get(code)
        if c is None:
            continue
        wiup_date = t.date(c.wiup_snapshot_date) if c.wiup_snapshot_date else "?"
        lines = guidance(
            t,
            permit_class=c.permit_class,
            permit=c.permit,
            forest_flags=c.forest_flags,
            moratorium=c.moratorium,
            authority=c.authority,
            wiup_date=wiup_date,
        )
        rows.append([code, lines[:-1]])  # the last line is the indicative note, said once
    return {"counts": counts, "guidance": rows, "note": indicative_note(t)}


def _counts(counts: Mapping[str, int], t: Translator, names: Mapping[str, str]) -> list[list[str]]:
    return [[names.get(k) or _place(k or UNKNOWN, t), t.number(n)] for k, n in counts.items()]


def _place(name: str, t: Translator) -> str:
    return t.gettext("Location unknown") if name == UNKNOWN else name


def _kabupaten(data: BriefingData, t: Translator) -> list[list[str]]:
    rows = [r for r in data.by_kabupaten if r[0] != UNKNOWN]
    unknown = [r for r in data.by_kabupaten if r[0] == UNKNOWN]
    shown = [[k, t.number(n), t.number(o)] for k, n, o in rows[:KABUPATEN_ROWS]]
    rest = rows[KABUPATEN_ROWS:]
    if rest:
        others = t.gettext("Others ({n})", n=t.number(len(rest)))
        shown.append([others, t.number(sum(r[1] for r in rest)), t.number(sum(r[2] for r in rest))])
    shown += [[_place(k, t), t.number(n), t.number(o)] for k, n, o in unknown]
    return shown


def _texts(data: BriefingData, t: Translator, title: str) -> dict[str, str]:
    start = t.date(data.period.start, format="long")
    end = t.date(data.period.end, format="long")
    o = data.overdue
    shown = len(o.rows)
    return {
        "title": title,
        "period": t.gettext("Period: {start} – {end}", start=start, end=end),
        "summary": t.gettext("Summary"),
        "new_reports": t.gettext("New reports"),
        "overdue": t.gettext("Overdue complaints"),
        "hotspots": t.gettext("Areas with clustered reports"),
        "inspections": t.gettext("Inspections done"),
        "by_kabupaten": t.gettext("By regency/city"),
        "kabupaten": t.gettext("Regency/city"),
        "trend": t.gettext("Reports per month (last 12 months)"),
        "top_sites": t.gettext("Top sites by priority"),
        "classes": t.gettext("Indicative class by permit and forest layers"),
        "class": t.gettext("Indicative class"),
        "class_counts": t.gettext("Sites per class"),
        "class_guidance": t.gettext("What the class points to, per top site (guidance)"),
        "overdue_heading": t.gettext("Overdue complaints"),
        "overdue_total": t.ngettext(
            "{n} complaint is past its deadline.",
            "{n} complaints are past their deadline.",
            o.total,
        ),
        "by_channel": t.gettext("By channel"),
        "channel": t.gettext("Channel"),
        "by_age": t.gettext("Days overdue"),
        "count": t.gettext("Count"),
        "detail": t.gettext(
            "The {shown} most overdue complaints that are not confidential:",
            shown=t.number(shown),
        ),
        "confidential": t.gettext(
            "Confidential complaints are counted above and never listed by name."
        ),
        "patrol": t.gettext("Patrol plan"),
        "patrol_none": t.gettext("No patrol plan has been made yet."),
        "team": t.gettext("Team"),
        "days": t.gettext("Days"),
        "sites": t.gettext("Sites"),
        "none": t.gettext("None"),
        "demo": t.gettext("synthetic demo data") if data.demo else "",
    }


def _patrol(data: BriefingData, t: Translator) -> dict[str, Any] | None:
    p = data.patrol
    if p is None:
        return None
    sentence = t.gettext(
        "{start} – {end}: {teams} teams visit {sites} sites.",
        start=t.date(p.start, format="long"),
        end=t.date(p.end, format="long"),
        teams=t.number(len(p.teams)),
        sites=t.number(p.sites),
    )
    rows = [[team, t.number(days), t.number(sites)] for team, days, sites in p.teams]
    return {"sentence": sentence, "rows": rows}


def render_document(
    *, png: str, data: BriefingData, tops: pd.DataFrame, t: Translator, title: str
) -> str:
    """Return the briefing document (the map as a base64 PNG ``png``) in ``t``'s language.

    Examples
    --------
    >>> from geo.i18n import translator
    >>> from geo.maps.briefing_data import load_briefing_data
    >>> from geo.maps.options import Period
    >>> data = load_briefing_data(engine, period=Period.last(365))
    >>> page = render_document(png="", data=data, tops=pd.DataFrame(), t=translator("id"),
    ...                        title="Peta")
    >>> "Pengaduan melewati tenggat" in page and "pantau " not in page
    True
    """
    texts = _texts(data, t, title)
    o = data.overdue
    age_names = {label: t.gettext(label) for label in o.by_age}
    env = Environment(
        loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["j2", "html"])
    )
    clocks = labels.clock_rule_labels(t)
    detail = (
        o.rows.assign(clock=[clocks.get(str(c), str(c)) for c in o.rows["clock"]])
        if ("clock" in o.rows.columns)
        else o.rows
    )
    return env.get_template("briefing.html.j2").render(
        lang=t.lang,
        text=texts,
        image=png,
        figures=[
            (t.number(data.new_reports), texts["new_reports"]),
            (t.number(o.total), texts["overdue"]),
            (t.number(data.hotspots), texts["hotspots"]),
            (t.number(data.inspections), texts["inspections"]),
        ],
        kabupaten=_kabupaten(data, t),
        trend=Markup(trend_svg(data.trend, t, title=texts["trend"])),  # noqa: S704 - escaped
        sites=_rows(_classed_sites(_worded_sites(tops, t), data, t), SITE_COLUMNS, t),
        classes=_classes(data, tops, t),
        overdue_kabupaten=_counts(o.by_kabupaten, t, {}),
        overdue_channel=_counts(o.by_channel, t, labels.channel_labels(t)),
        overdue_age=_counts(o.by_age, t, age_names),
        overdue_rows=_rows(detail, OVERDUE_COLUMNS, t),
        patrol=_patrol(data, t),
    )
