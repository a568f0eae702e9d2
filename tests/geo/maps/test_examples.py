"""The Examples sections of geo.maps run as written (database and browser ones are skipped)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "geo.maps.assets",
    "geo.maps.build",
    "geo.maps.options",
    "geo.labels",
    "geo.maps.elements",
    "geo.maps.layers",
    "geo.maps.privacy",
    "geo.maps.briefing",
    "geo.maps.tiles",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
