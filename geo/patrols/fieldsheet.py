"""Printable field sheet (PDF, A4) in Bahasa Indonesia: one section per team and day.

Each day lists the stops with times, then one card per site with blank fields for the
findings, so a team can fill it in by hand where there is no signal.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from geo.patrols.result import DayRoute, Plan

__all__ = ["to_pdf", "tanggal"]

_HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
_STATUS = {"suspected": "diduga", "active": "aktif", "inspected": "sudah diperiksa",
           "sealed": "disegel", "dormant": "tidak aktif", "legalised": "berizin"}
_TEMUAN = ("aktif", "tidak aktif", "alat berat terlihat", "disegel", "disita")


def tanggal(day: dt.date) -> str:
    """Return a date written the Indonesian way, e.g. "Selasa, 1 Desember 2026".

    Examples
    --------
    >>> import datetime as dt
    >>> tanggal(dt.date(2026, 12, 1))
    'Selasa, 1 Desember 2026'
    """
    return f"{_HARI[day.weekday()]}, {day.day} {_BULAN[day.month - 1]} {day.year}"


def _day(route: DayRoute, styles: Any) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle

    grid = TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ])
    story: list[Any] = [
        Paragraph(f"Lembar Kerja Patroli — {escape(route.team)}", styles["Title"]),
        Paragraph(f"{tanggal(route.date)} · Pangkalan {escape(route.base_code)} · berangkat "
                  f"{route.depart:%H:%M} · kembali {route.back:%H:%M} WITA · "
                  f"{route.distance_km:g} km · mengemudi {route.drive_min / 60:.1f} jam",
                  styles["Normal"]),
        Spacer(1, 4 * mm),
    ]
    rows = [["No", "Kode", "Nama lokasi", "Kabupaten", "Tiba", "Mulai", "Selesai", "Perj."]]
    for v in route.visits:
        rows.append([str(v.seq), v.site_code, Paragraph(escape(v.site_name), styles["Small"]),
                     v.kabupaten, f"{v.arrival:%H:%M}", f"{v.start:%H:%M}", f"{v.end:%H:%M}",
                     f"{v.travel_min:.0f} mnt"])
    widths = [8 * mm, 20 * mm, 55 * mm, 32 * mm, 13 * mm, 13 * mm, 14 * mm, 16 * mm]
    story += [Table(rows, colWidths=widths, style=grid, repeatRows=1), Spacer(1, 5 * mm)]
    for v in route.visits:
        boxes = "   ".join(f"[   ] {t}" for t in _TEMUAN)
        card = Table(
            [
                [Paragraph(f"<b>{v.seq}. {escape(v.site_code)} — {escape(v.site_name)}</b>"
                           + (" (wajib dikunjungi)" if v.mandatory else ""), styles["Normal"])],
                [Paragraph(f"Koordinat {v.lat:.5f}, {v.lon:.5f} · {escape(v.kabupaten)} · "
                           f"komoditas {v.commodity} · status {_STATUS.get(v.status, v.status)} · "
                           f"prioritas {v.priority:g}", styles["Small"])],
                [Paragraph("Alasan prioritas: " + escape("; ".join(v.reasons) or "-"),
                           styles["Small"])],
                [Paragraph(f"Temuan: {boxes}", styles["Small"])],
                ["Jam tiba sebenarnya: ________   Jam selesai: ________   "
                 "Titik GPS: ______________________"],
                ["Catatan: " + "_" * 88],
                ["_" * 100],
                ["Foto/bukti (nomor berkas): ____________________   Paraf petugas: ________"],
            ],
            colWidths=[171 * mm],
            style=TableStyle([("BOX", (0, 0), (-1, -1), 0.6, colors.black),
                              ("FONTSIZE", (0, 0), (-1, -1), 8),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]),
        )
        story += [KeepTogether([card, Spacer(1, 4 * mm)])]
    story.append(PageBreak())
    return story


def to_pdf(plan: Plan, path: str | Path) -> Path:
    """Write the field sheet: a cover with the plan summary, then each team's days.

    Examples
    --------
    >>> to_pdf(plan, "lembar-kerja.pdf")
    PosixPath('lembar-kerja.pdf')
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table

    path = Path(path)
    styles = getSampleStyleSheet()
    styles.add(ParagraphStyle("Small", parent=styles["Normal"], fontSize=8, leading=10))
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm,
                            title="Rencana Patroli Pantau Tambang", author="Pantau Tambang")
    summary = [["Tim", "Hari", "Kunjungan", "Prioritas", "Jam mengemudi", "Km"]]
    summary += [[str(x) for x in row] for row in plan.summary().itertuples(index=False)]
    story: list[Any] = [
        Paragraph("Rencana Patroli dan Inspeksi", styles["Title"]),
        Paragraph(f"Periode {tanggal(plan.days[0])} s.d. {tanggal(plan.days[-1])} · "
                  f"{len(plan.days)} hari kerja · {len(plan.visits)} kunjungan · "
                  f"{len(plan.unplanned)} lokasi tidak direncanakan", styles["Normal"]),
        Table(summary),
        PageBreak(),
    ]
    for route in plan.routes:
        story += _day(route, styles)
    doc.build(story)
    return path
