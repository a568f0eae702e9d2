"""PNG and PDF briefings from the same offline map in Chromium, and what they must not contain."""

from __future__ import annotations

import datetime as dt
import shutil
import unicodedata
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import Engine

from geo.errors import ValidationError
from geo.maps import Period, export
from geo.maps.briefing import VIEWPORT

from .conftest import NOW, REPORTER_NAMES, REPORTER_PHONES, draw, map_settings

pytestmark = pytest.mark.browser


@pytest.fixture
def overdue(reports: gpd.GeoDataFrame) -> pd.DataFrame:
    rows = reports.head(9).copy()
    rows["clock"] = "verify"
    rows["due"] = rows["received_at"] + pd.Timedelta(days=3)
    rows["days_overdue"] = range(9)
    return pd.DataFrame(rows.drop(columns="geometry"))


def _pdf_text(path: Path) -> list[str]:
    # NFKC folds the typographic ligatures Chromium's fonts use ("ﬁ" -> "fi").
    return [unicodedata.normalize("NFKC", page.extract_text()) for page in PdfReader(path).pages]


def test_png_and_pdf_briefing(
    frames: dict[str, gpd.GeoDataFrame],
    overdue: pd.DataFrame,
    today: dt.date,
    tmp_path: Path,
    artifacts: Path,
) -> None:
    period = Period(today - dt.timedelta(days=364), today)
    m = draw(**frames, period=period, offline=True, demo=True)
    out = export(
        m,
        html_path=tmp_path / "map.html",
        png=tmp_path / "map.png",
        pdf=tmp_path / "briefing.pdf",
        overdue=overdue,
        settings=map_settings(),
    )
    assert out.console_errors == []
    with Image.open(out.png) as image:
        assert image.size == VIEWPORT
        assert len(image.getcolors(maxcolors=1 << 20) or []) > 50  # a drawn map, not blank
    reader = PdfReader(out.pdf)
    assert len(reader.pages) >= 2
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - 841.9) < 2 and abs(height - 595.3) < 2  # A4 landscape, points
    assert reader.pages[0].images, "page 1 carries the map screenshot"
    page1, page2 = _pdf_text(out.pdf)[0], " ".join(_pdf_text(out.pdf)[1:])
    for heading in ("Ringkasan", "Laporan baru", "Menurut kabupaten/kota", "Laporan per bulan"):
        assert heading in page1
    assert "Lokasi prioritas tertinggi" in page2 and "Pengaduan melewati tenggat" in page2
    # Every overdue complaint is counted, the rahasia ones too; only anonim ones are listed.
    assert "9 pengaduan telah melewati tenggat." in page2
    assert "Verifikasi" in page2 and "verify" not in page2  # clock names from the catalogue
    assert page2.index("TST-011") < page2.index("TST-010")  # ordered by priority
    anonim = overdue.loc[overdue["confidentiality"] == "anonim", "code"]
    rahasia = overdue.loc[overdue["confidentiality"] == "rahasia", "code"]
    assert all(code in page2 for code in anonim)
    assert not any(code in page2 for code in rahasia)
    assert "pantau " not in page1 + page2  # no command for the reader to run
    for path in (out.png, out.pdf, out.html):
        shutil.copy(path, artifacts / f"briefing-{path.name}")


def test_exports_never_carry_reporter_identity_or_rahasia_reports(
    frames: dict[str, gpd.GeoDataFrame], overdue: pd.DataFrame, today: dt.date, tmp_path: Path
) -> None:
    period = Period(today - dt.timedelta(days=364), today)
    rahasia = set(frames["reports"].loc[frames["reports"]["confidentiality"] == "rahasia", "code"])
    for share in (False, True):
        m = draw(**frames, period=period, offline=True, share=share)
        out = export(
            m,
            html_path=tmp_path / f"map-{share}.html",
            pdf=tmp_path / f"b-{share}.pdf",
            overdue=overdue,
            settings=map_settings(),
        )
        texts = [
            out.html.read_text(encoding="utf-8"),
            "\n".join(_pdf_text(out.pdf)),
            out.pdf.read_bytes().decode("latin-1"),
        ]
        for text in texts:
            for secret in (*REPORTER_NAMES, *REPORTER_PHONES, "hash-0", "hash-1", *rahasia):
                assert secret not in text, f"{secret!r} leaked (share={share})"
        if share:
            assert not any(code in texts[0] for code in frames["reports"]["code"])


def test_overdue_without_confidentiality_is_refused(
    frames: dict[str, gpd.GeoDataFrame], overdue: pd.DataFrame, tmp_path: Path
) -> None:
    m = draw(sites=frames["sites"])
    with pytest.raises(ValidationError) as err:
        export(
            m,
            pdf=tmp_path / "x.pdf",
            overdue=overdue.drop(columns="confidentiality"),
            settings=map_settings(),
        )
    assert err.value.field == "overdue"


def test_export_needs_an_output(frames: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        export(draw(sites=frames["sites"]), settings=map_settings())


#: English labels and raw vocabulary codes that an Indonesian briefing must not show.
ENGLISH_IN_PDF = (
    "suspected",
    "active",
    "sealed",
    "legalised",
    "verify",
    "status active",
    "never inspected",
    "Sites",
    "Top sites",
    "Overdue",
    "Received",
    "Due",
    "Priority",
    "Reasons",
    "Stage",
    "Regency",
    "Days overdue",
    "critical",
    "high",
    "Summary",
    "New reports",
    "complaint",
    "Inspections",
    "Patrol",
    "Team",
    "Count",
    "By channel",
    "days",
    "Others",
    "Hotspot",
    "hotspot",
    "Oct ",
    "Dec ",
    "Aug ",
    "May ",
    "per month",
    "None",
    "pantau ",
)
ENGLISH_IN_HTML = (
    '"Legend"',
    '"PETI sites"',
    '"Suspected"',
    '"Active"',
    '"Last inspection"',
    "never inspected",
    "status active",
    '"Period: ',
    '"Public reports"',
)
#: Indonesian labels that an English briefing must not show.
INDONESIAN_IN_PDF = (
    "Lokasi prioritas",
    "Laporan melewati",
    "Kabupaten/kota",
    "Tenggat",
    "Hari terlambat",
    "Verifikasi",
    "Diduga",
    "Disegel",
    "Dilegalkan",
    "Prioritas",
    "Alasan",
    "Tahap",
    "Ringkasan",
    "Laporan baru",
    "Pengaduan",
    "pengaduan",
    "Rencana patroli",
    "Menurut",
    " hari",
    "Pemeriksaan",
    "Jumlah",
    "titik rawan",
    "Okt ",
    "Des ",
    "Agu ",
    "Mei ",
    "Tidak ada",
    " emas",
    " batubara",
)
INDONESIAN_IN_HTML = ('"Legenda"', '"Lokasi PETI"', '"Diduga"', "belum pernah", '"Periode: ')


def _briefing_texts(
    frames: dict[str, gpd.GeoDataFrame],
    overdue: pd.DataFrame,
    period: Period,
    lang: str,
    tmp_path: Path,
) -> tuple[str, str]:
    m = draw(**frames, period=period, offline=True, lang=lang)
    out = export(
        m,
        html_path=tmp_path / f"map-{lang}.html",
        pdf=tmp_path / f"briefing-{lang}.pdf",
        overdue=overdue,
        settings=map_settings(),
    )
    assert out.html is not None and out.pdf is not None
    return out.html.read_text(encoding="utf-8"), "\n".join(_pdf_text(out.pdf))


def test_briefing_speaks_one_language(
    frames: dict[str, gpd.GeoDataFrame], overdue: pd.DataFrame, today: dt.date, tmp_path: Path
) -> None:
    period = Period(today - dt.timedelta(days=364), today)
    # No priority score: the table then shows each site's risk level, a vocabulary code too.
    frames = {**frames, "sites": frames["sites"].drop(columns="priority")}
    html_id, pdf_id = _briefing_texts(frames, overdue, period, "id", tmp_path)
    html_en, pdf_en = _briefing_texts(frames, overdue, period, "en", tmp_path)
    assert not [w for w in ENGLISH_IN_PDF if w in pdf_id], pdf_id
    assert not [w for w in ENGLISH_IN_HTML if w in html_id]
    assert not [w for w in INDONESIAN_IN_PDF if w in pdf_en], pdf_en
    assert not [w for w in INDONESIAN_IN_HTML if w in html_en]
    # The lists are not empty words: each language shows its own labels.
    assert "Lokasi prioritas tertinggi" in pdf_id and "Top sites by priority" in pdf_en
    assert "Verifikasi" in pdf_id and "Verification" in pdf_en
    assert "Kritis" in pdf_id and "Critical" in pdf_en  # risk levels, labelled
    assert "Aktif" in pdf_id and "Active" in pdf_en  # site statuses, labelled
    assert '"Legenda"' in html_id and '"Legend"' in html_en


def _visible_controls(page: Any) -> list[str]:
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('.leaflet-control, .pantau-period')]
            .filter((el) => el.offsetParent !== null && getComputedStyle(el).display !== 'none')
            .map((el) => el.className)"""
        )
    )


def test_printing_the_map_hides_every_control(
    frames: dict[str, gpd.GeoDataFrame], today: dt.date, tmp_path: Path
) -> None:
    from geo.maps.briefing import CONTROLS_CSS, save_html
    from geo.maps.browser import chromium, open_map

    period = Period(today - dt.timedelta(days=364), today)
    path = save_html(draw(**frames, period=period, offline=True), tmp_path / "map.html")
    with chromium(settings=map_settings()) as b, open_map(b, path) as mp:
        on_screen = " ".join(_visible_controls(mp.page))
        for control in ("leaflet-control-zoom", "leaflet-control-layers", "pantau-period"):
            assert control in on_screen  # there to be hidden
        mp.page.emulate_media(media="print")
        printed = _visible_controls(mp.page)
        mp.page.emulate_media(media="screen")
        mp.page.add_style_tag(content=CONTROLS_CSS)  # what the briefing's picture does
        pictured = _visible_controls(mp.page)
    for shown in (printed, pictured):
        kept = {c for c in shown if not any(k in c for k in ("pantau-title", "pantau-legend"))}
        assert all("leaflet-control-scale" in c or "attribution" in c for c in kept), shown
        assert any("pantau-legend" in c for c in shown) and any("scale" in c for c in shown)


@pytest.mark.slow
def test_briefing_from_the_database_counts_completely_in_both_languages(
    map_engine: Engine, tmp_path: Path, artifacts: Path
) -> None:
    """The briefing of the real use case, in Indonesian and English, each in its own words."""
    from geo.maps import service
    from geo.maps.briefing_data import load_briefing_data
    from geo.maps.options import MapOptions
    from geo.settings import get_settings

    period = Period(NOW.date() - dt.timedelta(days=364), NOW.date())
    data = load_briefing_data(map_engine, period=period)  # "now" as the use case sees it
    assert data.overdue.total > 0
    texts = {}
    for lang in ("id", "en"):
        files = service.map_files(
            settings=get_settings(),
            engine=map_engine,
            options=MapOptions(period=period, lang=lang, offline=True),
            out=tmp_path / f"peta-{lang}.html",
            pdf=tmp_path / f"briefing-{lang}.pdf",
        )
        assert files.pdf is not None
        texts[lang] = " ".join(_pdf_text(files.pdf))
        shutil.copy(files.pdf, artifacts / f"briefing-db-{lang}.pdf")
    assert not [w for w in ENGLISH_IN_PDF if w in texts["id"]], texts["id"]
    assert not [w for w in INDONESIAN_IN_PDF if w in texts["en"]], texts["en"]
    total = data.overdue.total
    assert f"{total} pengaduan telah melewati tenggat" in texts["id"]
    assert f"{total} complaint" in texts["en"]
    assert "Laporan per bulan" in texts["id"] and "Reports per month" in texts["en"]
