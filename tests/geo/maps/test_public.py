"""The public view (PPID): aggregates only, and a scan of every shared output for leaks.

The database holds the demo registry and bases, 24 reports with reporter names and phones
(every fourth ``rahasia``), a saved patrol plan, and one site the agency marked public. Every
file ``pantau map --share`` writes (HTML, GeoJSON, PDF text, PNG metadata and bytes), what
the API's share paths answer and what the console's export for the public (``/peta``) makes is
searched for route and base names, site codes not marked public, exact coordinates of sites,
reports and bases, tracking codes, report text and reporter data; none may be there, and the
public site must be.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
from PIL import Image
from pypdf import PdfReader
from shapely.geometry import box
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from geo import registry
from geo.maps import service
from geo.maps.options import MapOptions, Period
from geo.maps.public import public_summary, to_geojson
from geo.models import FieldBase, Site
from geo.patrols.store import plan_from_db, save_plan
from geo.settings import MapSettings, Settings, get_settings

from .conftest import NOW, REPORTER_NAMES, REPORTER_PHONES

PUBLIC_SITE = "KKR-001"
PERIOD = Period(NOW.date() - dt.timedelta(days=364), NOW.date())


@pytest.fixture(scope="module")
def shared_engine(map_engine: Engine) -> Iterator[Engine]:
    """The map database plus a saved patrol plan and one site marked public (through the edit
    path a person uses)."""
    settings = get_settings()
    with Session(map_engine) as session, session.begin():
        plan = plan_from_db(session=session, start=dt.date(2026, 11, 23), days=2, budget_s=1)
        save_plan(plan, session=session, actor="uji")
        registry.edit_site(
            settings=settings, session=session, code=PUBLIC_SITE, changes={"public": True}
        )
    yield map_engine


def _coordinates(x: float, y: float) -> set[str]:
    """The forms a coordinate pair takes when written to 4 decimals (rounded or cut)."""
    out = set()
    for v in (x, y):
        out.add(f"{v:.4f}")
        out.add(f"{math.trunc(v * 10_000) / 10_000:.4f}")
    return out


def _forbidden(engine: Engine) -> dict[str, set[str]]:
    """Everything that must not leave the agency, by kind."""
    with Session(engine) as session:
        sites = session.execute(
            select(
                Site.code,
                Site.name,
                Site.public,
                Site.geom.ST_PointOnSurface().ST_X(),
                Site.geom.ST_PointOnSurface().ST_Y(),
                Site.geom.ST_Centroid().ST_X(),
                Site.geom.ST_Centroid().ST_Y(),
            )
        ).all()
        bases = session.execute(
            select(FieldBase.code, FieldBase.name, FieldBase.geom.ST_X(), FieldBase.geom.ST_Y())
        ).all()
        reports = session.execute(
            text(
                "SELECT code, description, ST_X(geom), ST_Y(geom) FROM reports "
                "WHERE geom IS NOT NULL"
            )
        ).all()
        routes = session.execute(text("SELECT DISTINCT team, base_code FROM patrol_routes")).all()
    forbidden: dict[str, set[str]] = {k: set() for k in ("site", "base", "report", "coord")}
    for code, name, public, *xy in sites:
        if not public:
            forbidden["site"] |= {code, name}
            forbidden["coord"] |= _coordinates(xy[0], xy[1]) | _coordinates(xy[2], xy[3])
    for code, name, x, y in bases:
        forbidden["base"] |= {code, name}
        forbidden["coord"] |= _coordinates(x, y)
    for code, description, x, y in reports:
        forbidden["report"] |= {code, description[:30]}
        forbidden["coord"] |= _coordinates(x, y)
    teams = {team for team, _ in routes}
    forbidden["base"] |= teams | {f"Tim {team}" for team in teams} | {b for _, b in routes}
    forbidden["reporter"] = set(REPORTER_NAMES) | set(REPORTER_PHONES) | {"081234567890"}
    forbidden["route"] = {"Rute patroli", "Patrol route", "Pangkalan", "Field team base"}
    # Short site codes like "KKR-01" are prefixes of others: search them as whole words below.
    return forbidden


def _leaks(text_: str, forbidden: dict[str, set[str]]) -> list[str]:
    import re

    found = []
    for kind, items in forbidden.items():
        for item in items:
            if not item:
                continue
            if kind in {"site", "base"} and re.fullmatch(r"[A-Z]{2,5}-?[0-9]*", item):
                hit = re.search(rf"(?<![A-Za-z0-9-]){re.escape(item)}(?![0-9])", text_)
            else:
                hit = re.search(re.escape(item), text_)
            if hit:
                found.append(f"{kind}: {item!r}")
    return found


def _pdf_text(path: Path) -> str:
    return " ".join(
        unicodedata.normalize("NFKC", page.extract_text()) for page in PdfReader(path).pages
    )


def _png_text(path: Path) -> str:
    with Image.open(path) as image:
        meta = " ".join(f"{k}={v}" for k, v in image.info.items())
    return meta + path.read_bytes().decode("latin-1")


def test_forbidden_items_are_there_to_be_found(shared_engine: Engine) -> None:
    """The scan would see a leak: the internal map of the same data holds them."""
    forbidden = _forbidden(shared_engine)
    assert len(forbidden["report"]) >= 24 and len(forbidden["coord"]) > 100
    assert len(forbidden["base"]) > 4  # bases and the saved plan's teams
    inside = service.map_page(
        settings=get_settings(), engine=shared_engine, options=MapOptions(period=PERIOD)
    )
    assert _leaks(inside.html, forbidden), "the internal map carries sites and bases"


def test_summary_counts_only_what_may_be_published(shared_engine: Engine) -> None:
    settings = MapSettings(public_min_count=3)
    with Session(shared_engine) as session:
        view = public_summary(session=session, period=PERIOD, settings=settings, today=NOW.date())
        strict = public_summary(
            session=session,
            period=PERIOD,
            settings=MapSettings(public_min_count=1000),
            today=NOW.date(),
        )
    assert view.reports >= 24 and sum(view.by_kabupaten.values()) == view.reports
    assert len(view.by_month) == 12 and view.by_month[-1][0] == dt.date(2026, 11, 1)
    assert len(view.cells) >= 1 and (view.cells["reports"] >= 3).all()
    assert view.cells["reports"].sum() <= view.reports
    assert len(strict.cells) == 0 and strict.reports == view.reports  # suppressed, still counted
    assert view.sites["code"].tolist() == [PUBLIC_SITE]
    doc = to_geojson(view)
    kinds = [f["properties"]["kind"] for f in doc["features"]]
    assert kinds.count("site") == 1 and kinds.count("cell") == len(view.cells)
    # A 5 km cell in UTM is about 0.045 degrees wide.
    minx, miny, maxx, maxy = view.cells.geometry.iloc[0].bounds
    assert 0.04 < maxx - minx < 0.05 and 0.04 < maxy - miny < 0.05


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_shared_output_leaks_nothing(
    shared_engine: Engine, tmp_path: Path, lang: str, artifacts: Path
) -> None:
    settings = get_settings()
    forbidden = _forbidden(shared_engine)
    options = MapOptions(period=PERIOD, lang=lang, share=True, offline=True)
    files = service.public_files(
        settings=settings,
        engine=shared_engine,
        options=options,
        out=tmp_path / "publik.html",
        geojson=tmp_path / "publik.geojson",
        pdf=tmp_path / "publik.pdf",
        png=tmp_path / "publik.png",
    )
    assert files.html and files.geojson and files.pdf and files.png
    outputs = {
        "html": files.html.read_text(encoding="utf-8"),
        "geojson": files.geojson.read_text(encoding="utf-8"),
        "pdf": _pdf_text(files.pdf),
        "png": _png_text(files.png),
        "api page": service.map_page(settings=settings, engine=shared_engine, options=options).html,
    }
    pdf_file = service.briefing_file(
        settings=settings, engine=shared_engine, options=options, fmt="pdf"
    )
    (tmp_path / "api.pdf").write_bytes(pdf_file.content)
    outputs["api pdf"] = _pdf_text(tmp_path / "api.pdf")
    png_file = service.briefing_file(
        settings=settings, engine=shared_engine, options=options, fmt="png"
    )
    (tmp_path / "api.png").write_bytes(png_file.content)
    outputs["api png"] = _png_text(tmp_path / "api.png")
    # The console's export "untuk publik/mitra" (/peta): the files its background job makes.
    from api.web.console.map_jobs import make_files

    console = tmp_path / "konsol"
    console.mkdir()
    made = make_files(
        settings=settings,
        engine=shared_engine,
        kind="public",
        params={"period": f"{PERIOD.start}..{PERIOD.end}", "lang": lang},
        folder=console,
    )
    assert made == ["publik.html", "publik.geojson", "publik.pdf"]
    outputs["console html"] = (console / "publik.html").read_text(encoding="utf-8")
    outputs["console geojson"] = (console / "publik.geojson").read_text(encoding="utf-8")
    outputs["console pdf"] = _pdf_text(console / "publik.pdf")
    for name, content in outputs.items():
        assert _leaks(content, forbidden) == [], name
    for name in ("html", "geojson", "pdf", "api pdf", "console html", "console pdf"):
        assert PUBLIC_SITE in outputs[name], name
    cells = json.loads(outputs["geojson"])["features"]
    assert any(f["properties"]["kind"] == "cell" for f in cells)
    assert "<script" not in outputs["html"]
    for path in (files.html, files.pdf, files.png):
        shutil.copy(path, artifacts / f"public-{lang}-{path.name}")


def test_cli_share_writes_the_public_view(
    shared_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo.cli import app

    url = shared_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("PANTAU_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        out = tmp_path / "publik.html"
        admin = tmp_path / "batas.geojson"
        outline = box(116.8, -0.9, 117.4, -0.3)
        gpd.GeoDataFrame({"name": ["Kabupaten Uji Publik"]}, geometry=[outline], crs=4326).to_file(
            admin
        )
        args = ["map", "--share", "--out", str(out), "--period", "2025-11-21..2026-11-20"]
        result = CliRunner().invoke(app, [*args, "--admin", str(admin)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    forbidden = _forbidden(shared_engine)
    for path in (out, out.with_suffix(".geojson")):
        assert _leaks(path.read_text(encoding="utf-8"), forbidden) == [], path.name
    page = out.read_text(encoding="utf-8")
    assert PUBLIC_SITE in page
    assert "Kabupaten Uji Publik" in page and 'stroke-dasharray="4 3"' in page  # the boundary


def test_public_flag_is_audited_and_checked(shared_engine: Engine) -> None:
    from geo import sites
    from geo.errors import ValidationError

    settings: Settings = get_settings()
    with Session(shared_engine) as session:
        history = sites.history(session, PUBLIC_SITE)
        assert history[-1]["changes"] == {"public": [False, True]}
        with pytest.raises(ValidationError) as err:
            registry.edit_site(
                settings=settings, session=session, code=PUBLIC_SITE, changes={"public": "ya"}
            )
        assert err.value.field == "public"
        session.rollback()
