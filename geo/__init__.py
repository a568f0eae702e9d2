"""Pantau Tambang: the domain library behind the CLI, the API and the notebooks.

Submodules are loaded on first use, so ``import geo`` stays light:

>>> import geo
>>> engine = geo.connect()
>>> sites = geo.sites.load(engine)
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

from geo.db import connect

if TYPE_CHECKING:
    from geo import bases, sites

__all__ = ["__version__", "connect", "sites", "bases"]

__version__ = "0.1.0"

_SUBMODULES = {
    "sites",
    "bases",
    "reports",
    "hotspots",
    "matching",
    "priority",
    "maps",
    "patrols",
    "settings",
}


def __getattr__(name: str) -> ModuleType:
    if name in _SUBMODULES:
        return importlib.import_module(f"geo.{name}")
    raise AttributeError(f"module 'geo' has no attribute {name!r}")
