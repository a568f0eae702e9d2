import datetime as dt

import pytest

from geo.errors import PlanningError
from geo.patrols.calendar import holiday_names, working_days


def test_skips_weekend_and_independence_day() -> None:
    days = working_days(dt.date(2026, 8, 13), 4)  # Thu 13 .. ; 15-16 weekend, 17 holiday
    assert days == [
        dt.date(2026, 8, 13),
        dt.date(2026, 8, 14),
        dt.date(2026, 8, 18),
        dt.date(2026, 8, 19),
    ]


def test_eid_al_fitr_2026_is_skipped() -> None:
    assert dt.date(2026, 3, 20) in working_days(dt.date(2026, 3, 19), 2)
    assert dt.date(2026, 3, 19) not in working_days(dt.date(2026, 3, 19), 2)  # Nyepi


def test_options_to_work_weekends_and_holidays() -> None:
    days = working_days(dt.date(2026, 8, 15), 3, skip_weekends=False, skip_holidays=False)
    assert days == [dt.date(2026, 8, 15), dt.date(2026, 8, 16), dt.date(2026, 8, 17)]


def test_extra_holidays_for_cuti_bersama() -> None:
    days = working_days(dt.date(2026, 8, 18), 2, extra_holidays=[dt.date(2026, 8, 18)])
    assert days == [dt.date(2026, 8, 19), dt.date(2026, 8, 20)]


def test_horizon_across_new_year() -> None:
    days = working_days(dt.date(2026, 12, 31), 2)
    assert days == [dt.date(2026, 12, 31), dt.date(2027, 1, 4)]  # 1 Jan holiday, 2-3 weekend


def test_holiday_names() -> None:
    assert holiday_names(dt.date(2026, 8, 1), dt.date(2026, 8, 31)) == {
        dt.date(2026, 8, 17): "Independence Day",
        dt.date(2026, 8, 25): "Prophet's Birthday",
    }


@pytest.mark.parametrize("days", [0, -3, 500, 2.5])
def test_bad_horizon_names_days(days: object) -> None:
    with pytest.raises(PlanningError) as err:
        working_days(dt.date(2026, 8, 13), days)  # type: ignore[arg-type]
    assert err.value.field == "days"
    assert repr(days) in err.value.message
