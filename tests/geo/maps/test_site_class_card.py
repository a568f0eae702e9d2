"""Staff maps show a site's indicative class on its card; the public view never does."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, text

from geo.maps import MapOptions, Period, overview, public
from geo.maps.service import public_view
from geo.maps.sources import load_all
from geo.settings import Settings

from .conftest import NOW, map_settings

PERIOD = Period(dt.date(2025, 11, 21), NOW.date())


def _classify_one(engine: Engine) -> str:
    """Give one site a class (as ``pantau layers classify`` stores it) and return its code."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM layer_classifications WHERE object_kind = 'site'"))
        code = conn.execute(text("SELECT code FROM sites ORDER BY code LIMIT 1")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO layer_classifications (object_kind, object_id, object_code, "
                "permit_class, permit_share, forest_flags, forest_shares, authority, "
                "evaluated_on, tolerance_m) SELECT 'site', id, code, 'WIUP_BERAKHIR', 1.0, "
                "ARRAY['HUTAN_LINDUNG'], '{\"HUTAN_LINDUNG\": 0.5}', 'PUSAT', "
                "DATE '2026-11-30', 50 FROM sites WHERE code = :c"
            ),
            {"c": code},
        )
    return str(code)


def test_the_staff_map_card_shows_the_class(map_engine: Engine) -> None:
    code = _classify_one(map_engine)
    data = load_all(map_engine, period=PERIOD)
    by_code = data.sites.set_index("code")
    assert by_code.loc[code, "permit_class"] == "WIUP_BERAKHIR"
    assert by_code.loc[code, "forest_flags"] == ["HUTAN_LINDUNG"]
    assert data.sites["permit_class"].isna().sum() == len(data.sites) - 1
    html = overview(map_engine, MapOptions(period=PERIOD), settings=map_settings()).get_root()
    rendered = html.render()
    assert rendered.count("Status hukum (indikatif)") == 1  # one classified site, one card
    assert "Hutan lindung" in rendered or "Hutan Lindung" in rendered


def test_the_public_view_never_shows_a_class(map_engine: Engine) -> None:
    _classify_one(map_engine)
    settings = Settings(database={"url": map_engine.url.render_as_string(hide_password=False)})
    summary = public_view(settings=settings, engine=map_engine, period=PERIOD)
    page = public.render_html(summary, lang="id", bbox=settings.aoi_bbox)
    assert "WIUP_BERAKHIR" not in page and "indikatif" not in page
