"""Times follow the province's zone: Kalimantan Tengah (62) reads and shows WIB, not WITA."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from api.web.console.session import _due, _when
from geo.i18n import translator
from geo.reports.evidence import inspect_evidence, read_exif
from geo.reports.inbox import InboxFilters, inbox, weekly
from geo.reports.intake import submit
from geo.reports.validation import clean_report
from geo.settings import ReportSettings, Settings
from tests.common import TEST_SECRET_KEY
from tests.geo.reports.conftest import NOW, make_jpeg

KALTENG = Settings(province="62", _env_file=None)
WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")


def test_the_province_profile_gives_wib_for_kalteng() -> None:
    assert KALTENG.province_profile.zone == WIB
    assert KALTENG.province_profile.zone_label == "WIB"


def test_exif_times_without_offset_are_local_to_the_province() -> None:
    photo = make_jpeg(taken_at=dt.datetime(2026, 1, 10, 7, 30))
    assert read_exif(photo, zone=WIB).taken_at == dt.datetime(2026, 1, 10, 0, 30, tzinfo=dt.UTC)
    assert read_exif(photo, zone=WITA).taken_at == dt.datetime(2026, 1, 9, 23, 30, tzinfo=dt.UTC)
    checked = inspect_evidence(photo, report_settings=ReportSettings(), zone=WIB)
    assert checked.exif.taken_at is not None and checked.exif.taken_at.utcoffset() == dt.timedelta(
        hours=7
    )


def test_naive_report_times_are_read_in_the_province_zone(settings: Settings) -> None:
    raw = {
        "channel": "hotline",
        "received_at": "10/01/2026 07:30",
        "lat": -1.5,
        "lon": 113.9,
        "location_source": "device_gps",
    }
    kalteng = Settings(
        environment="test", province="62", secret_key=TEST_SECRET_KEY, _env_file=None
    )
    wib = clean_report(raw, settings=kalteng, now=NOW)
    wita = clean_report({**raw, "lat": -0.42, "lon": 117.0}, settings=settings, now=NOW)
    assert wib.received_at == dt.datetime(2026, 1, 10, 0, 30, tzinfo=dt.UTC)
    assert wita.received_at == dt.datetime(2026, 1, 9, 23, 30, tzinfo=dt.UTC)


def test_the_console_shows_local_time_and_the_local_due_day() -> None:
    t = translator("id")
    when = dt.datetime(2026, 1, 9, 16, 30, tzinfo=dt.UTC)  # 23.30 WIB, 00.30 WITA the next day
    assert _when(t, when, WIB, "WIB").endswith("23.30 WIB")
    assert _when(t, when, WITA, "WITA").endswith("00.30 WITA")
    assert _when(t, when, WIB, "WIB").startswith("9 ")
    due = dt.datetime(2026, 1, 10, tzinfo=WITA)  # midnight WITA = 23.00 WIB on the 9th
    assert _due(t, due, WITA).startswith("9 ") and _due(t, due, WIB).startswith("9 ")


def test_inbox_date_filter_and_weeks_use_the_province_day(
    session: Session, settings: Settings
) -> None:
    # 00.30 WITA on Monday 5 January is 23.30 WIB on Sunday 4 January.
    received = dt.datetime(2026, 1, 5, 0, 30, tzinfo=WITA)
    code = submit(
        session=session,
        channel="lapor",
        lat=-0.42,
        lon=117.0,
        received_at=received,
        settings=settings,
        now=NOW,
    ).code
    on_5th = InboxFilters(received_from=dt.date(2026, 1, 5), received_to=dt.date(2026, 1, 5))
    now = dt.datetime(2026, 1, 6, tzinfo=dt.UTC)
    found_wita = [
        r["code"] for r in inbox(session=session, filters=on_5th, zone=WITA, now=now).rows
    ]
    found_wib = [r["code"] for r in inbox(session=session, filters=on_5th, zone=WIB, now=now).rows]
    assert code in found_wita and code not in found_wib
    # The deadline (3 working days from the local day) differs: Thursday 8th in WITA (Mon
    # + 3), Wednesday 7th... counted from Friday 2nd in WIB (Sunday rolls back).
    row_wita = next(
        r
        for r in inbox(session=session, zone=WITA, now=now, page_size=10_000).rows
        if r["code"] == code
    )
    row_wib = next(
        r
        for r in inbox(session=session, zone=WIB, now=now, page_size=10_000).rows
        if r["code"] == code
    )
    assert row_wita["due_at"] != row_wib["due_at"]
    weeks_wita = dict(weekly(session=session, weeks=2, now=now, zone=WITA))
    weeks_wib = dict(weekly(session=session, weeks=2, now=now, zone=WIB))
    assert weeks_wita[dt.date(2026, 1, 5)] == weeks_wib[dt.date(2026, 1, 5)] + 1
