"""The map package's settings are the ``maps`` section of the one tree (``PANTAU_MAPS_*``)."""

from __future__ import annotations

from geo.settings import REPO_ROOT, MapSettings

__all__ = ["MapSettings", "REPO_ROOT"]
