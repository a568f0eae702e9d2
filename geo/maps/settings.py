"""Settings of the map package: where the pinned browser assets and Chromium live."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["MapSettings", "REPO_ROOT"]

#: The repository root when running from a checkout (``node_modules/`` is installed here).
REPO_ROOT = Path(__file__).resolve().parents[2]


class MapSettings(BaseSettings):
    """Where ``npm ci`` put Leaflet and its plugins, and which Chromium renders briefings.

    Environment variables carry the prefix ``PANTAU_MAP_`` (``PANTAU_MAP_ASSETS_DIR``,
    ``PANTAU_MAP_CHROMIUM``).
    """

    model_config = SettingsConfigDict(env_prefix="PANTAU_MAP_", extra="ignore")

    #: The ``node_modules`` folder holding the pinned packages of ``package.json``.
    assets_dir: Path = REPO_ROOT / "node_modules"
    #: The Debian Chromium; Playwright's own browser download is never used.
    chromium: Path = Path("/usr/bin/chromium")
