from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
from sqlalchemy.orm import Session

from geo.errors import NotFound, ValidationError
from geo.reports.intake import submit
from geo.reports.lifecycle import transition
from geo.reports.privacy import IDENTITY_COLUMNS
from geo.reports.query import COLUMNS, list_reports, load, show
from geo.settings import Settings
from tests.geo.reports.conftest import NOW, make_jpeg


@pytest.fixture
def codes(session: Session, settings: Settings) -> dict[str, str]:
    secret = submit(
        session=session,
        channel="hotline",
        lat=-0.31,
        lon=117.2,
        received_at=NOW - dt.timedelta(days=10),
        reporter_name="Siti Aminah",
        reporter_phone="081277770000",
        settings=settings,
        now=NOW,
        evidence=[make_jpeg(-0.31, 117.2, colour=(8, 6, 4))],
    )
    open_ = submit(
        session=session,
        channel="web",
        lat=-0.35,
        lon=117.3,
        received_at=NOW - dt.timedelta(days=1),
        confidentiality="anonim",
        reporter_name="Budi Santoso",
        settings=settings,
        now=NOW,
    )
    described = submit(
        session=session,
        channel="lapor",
        location_text="Desa Sungai Payang",
        received_at=NOW - dt.timedelta(days=2),
        confidentiality="anonim",
        settings=settings,
        now=NOW,
    )
    return {"rahasia": secret.code, "anonim": open_.code, "described": described.code}


def test_load_is_a_geodataframe_without_identity(
    session: Session, codes: dict[str, str], settings: Settings
) -> None:
    gdf = load(session, settings=settings)
    assert isinstance(gdf, gpd.GeoDataFrame) and gdf.crs.to_epsg() == 4326
    mine = gdf[gdf["code"].isin(codes.values())].set_index("code")
    assert len(mine) == 3
    assert set(COLUMNS) <= set(gdf.columns)
    assert not set(gdf.columns) & set(IDENTITY_COLUMNS)
    point = mine.loc[codes["rahasia"], "geometry"]
    assert (point.x, point.y) == (117.2, -0.31)
    assert mine.loc[codes["described"], "geometry"] is None


def test_load_for_the_public_and_for_operators(
    session: Session, codes: dict[str, str], settings: Settings
) -> None:
    public = load(session, role="public", settings=settings)
    assert codes["rahasia"] not in set(public["code"])
    assert {codes["anonim"], codes["described"]} <= set(public["code"])
    assert "reporter_hash" not in public.columns
    operator = load(session, role="operator", settings=settings).set_index("code")
    assert operator.loc[codes["rahasia"], "reporter_name"] == "Siti Aminah"


def test_load_filters(session: Session, codes: dict[str, str], settings: Settings) -> None:
    transition(session=session, code=codes["anonim"], to="verified", actor="ani")
    verified = load(session, status="verified")
    assert codes["anonim"] in set(verified["code"]) and codes["rahasia"] not in set(
        verified["code"]
    )
    recent = load(session, since=(NOW - dt.timedelta(days=3)).isoformat())
    assert codes["rahasia"] not in set(recent["code"]) and codes["anonim"] in set(recent["code"])
    with pytest.raises(ValidationError, match="status: expected one of received"):
        load(session, status="open")


def test_show_gives_history_evidence_and_clocks(
    session: Session, codes: dict[str, str], settings: Settings
) -> None:
    report = show(session=session, code=codes["rahasia"], now=NOW, settings=settings)
    assert report["lat"] == -0.31 and report["channel"] == "hotline"
    assert not set(report) & set(IDENTITY_COLUMNS)
    assert [h["to_status"] for h in report["history"]] == ["received"]
    assert report["evidence"][0]["exif_lat"] == pytest.approx(-0.31, abs=1e-5)
    assert {c["rule"]: c["state"] for c in report["clocks"]}["verify"] == "overdue"
    with pytest.raises(NotFound):  # a rahasia report does not exist for the public
        show(session=session, code=codes["rahasia"], role="public")
    assert show(session=session, code=codes["anonim"], role="public")["code"] == codes["anonim"]


def test_list_overdue_first(session: Session, codes: dict[str, str]) -> None:
    rows = list_reports(session=session, overdue=True, now=NOW, limit=1000)
    listed = [r["code"] for r in rows]
    assert codes["rahasia"] in listed and codes["anonim"] not in listed
    row = rows[listed.index(codes["rahasia"])]
    assert row["clock_state"] == "overdue" and row["clock"] == "verify"
    assert [r["due_at"] for r in rows] == sorted(r["due_at"] for r in rows)
    soon = [r["code"] for r in list_reports(session=session, due_soon=True, now=NOW)]
    # Thu 15 Jan 2026: the report of Tue 13th is due Mon 19th (Fri 16th is Isra Mi'raj),
    # the one of Wed 14th is due Tue 20th, two working days away.
    assert codes["described"] in soon and codes["anonim"] not in soon


def test_load_names_the_matched_site_and_its_kabupaten(
    session: Session, settings: Settings
) -> None:
    import geo.sites
    from geo.io.vector import write_vector
    from tests.common import site_row

    frame = gpd.GeoDataFrame([site_row("QRY-1")], geometry="geometry", crs=4326)
    path = write_vector(frame, settings.data_dir / "qry.geojson")
    geo.sites.import_file(session, path, actor="test")
    near = submit(session=session, channel="web", lat=-0.5803, lon=117.0952, settings=settings)
    far = submit(session=session, channel="web", lat=-0.2, lon=116.5, settings=settings)
    gdf = load(session, settings=settings).set_index("code")
    assert gdf.loc[near.code, "matched_site_code"] == "QRY-1"
    assert gdf.loc[near.code, "matched_kabupaten"] == "Kutai Kartanegara"
    assert pd.isna(gdf.loc[far.code, "matched_site_code"])


def test_load_history_is_every_transition_in_one_frame(
    session: Session, codes: dict[str, str], settings: Settings
) -> None:
    from geo.reports.query import load_history

    transition(session=session, code=codes["anonim"], to="verified", actor="petugas")
    frame = load_history(session)
    mine = frame[frame["code"].isin(codes.values())]
    assert set(mine["code"]) == set(codes.values())  # every report's "received" row
    verified = load_history(session, to_status="verified")
    assert list(verified["code"]) == [codes["anonim"]]
    assert verified.iloc[0]["actor"] == "petugas" and verified.iloc[0]["from_status"] == "received"
    assert str(verified["at"].dt.tz) == "UTC"
    assert not {"reporter_name", "reporter_phone", "description"} & set(frame.columns)


def test_load_can_leave_out_near_duplicates_and_list_filters_by_status(
    session: Session, codes: dict[str, str], settings: Settings
) -> None:
    again = submit(
        session=session,
        channel="web",
        lat=-0.35,
        lon=117.3,
        received_at=NOW - dt.timedelta(hours=20),
        confidentiality="anonim",
        reporter_name="Budi Santoso",
        settings=settings,
        now=NOW,
    )
    assert again.duplicate_of == codes["anonim"]
    every = set(load(session)["code"])
    independent = load(session, include_duplicates=False)
    assert again.code in every and again.code not in set(independent["code"])
    assert independent["duplicate_of_id"].isna().all()
    transition(session=session, code=codes["anonim"], to="verified", actor="ani")
    listed = list_reports(session=session, status="verified", limit=1000)
    assert {r["code"] for r in listed} >= {codes["anonim"]}
    assert {r["status"] for r in listed} == {"verified"}
    assert all("reporter_name" not in r and "reporter_name_enc" not in r for r in listed)
