"""MapOptions: what every adapter hands the map use cases, checked once when made."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.errors import ValidationError
from geo.maps import LAYERS, MapOptions, Period, parse_layers


def test_defaults_are_every_layer_in_indonesian_for_the_last_year() -> None:
    options = MapOptions()
    assert options.layers == LAYERS and options.lang == "id"
    assert options.period.end == dt.date.today()
    assert (options.period.end - options.period.start).days == 364
    assert not options.offline and not options.share and options.demo is None


def test_layers_are_deduplicated_in_the_given_order() -> None:
    assert MapOptions(layers=["bases", "sites", "bases"]).layers == ("bases", "sites")


@pytest.mark.parametrize(
    ("field", "value"),
    [("layers", ["sites", "volcanoes"]), ("lang", "fr"), ("base_url", "javascript:alert(1)")],
)
def test_bad_values_are_refused_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as err:
        MapOptions(**{field: value})  # type: ignore[arg-type]
    assert err.value.field == field


def test_replace_checks_again_and_leaves_the_original() -> None:
    options = MapOptions(layers=["sites"], lang="en")
    offline = options.replace(offline=True)
    assert offline.offline and offline.layers == ("sites",) and offline.lang == "en"
    assert not options.offline
    with pytest.raises(ValidationError):
        options.replace(lang="xx")


def test_options_are_frozen() -> None:
    with pytest.raises(AttributeError):
        MapOptions().lang = "en"  # type: ignore[misc]


def test_parse_layers() -> None:
    assert parse_layers(None) is None and parse_layers("") is None and parse_layers(" , ") is None
    assert parse_layers("sites, heat") == ("sites", "heat")


def test_period_last_counts_both_ends() -> None:
    period = Period.last(7, today=dt.date(2026, 1, 7))
    assert period == Period(dt.date(2026, 1, 1), dt.date(2026, 1, 7))
