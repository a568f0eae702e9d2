"""Settings, one pydantic-settings class per concern, all read from ``PANTAU_*`` variables.

Settings objects are passed into factories (``geo.db.make_engine(settings=...)``) so that tests
and notebooks can inject their own; :func:`get_settings` gives the process-wide default.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from geo.errors import ConfigurationError

__all__ = ["Settings", "get_settings", "DEFAULT_DATABASE_URL", "DEV_SECRET"]

DEFAULT_DATABASE_URL = "postgresql+psycopg://pantau:pantau@127.0.0.1:5432/pantau"
#: Placeholder secret accepted only when ``PANTAU_ENVIRONMENT=development``.
DEV_SECRET = "changethis-development-only"


class Settings(BaseSettings):
    """Process settings; every field can be set as ``PANTAU_<NAME>`` or in ``.env``."""

    model_config = SettingsConfigDict(
        env_prefix="PANTAU_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    #: Key for encrypting reporter identity and for the keyed phone hash. Never commit a real one.
    secret_key: str = DEV_SECRET
    #: Where evidence files and generated outputs are written.
    data_dir: Path = Path("var")
    #: Area of interest (lon_min, lat_min, lon_max, lat_max): East Kalimantan with a margin.
    aoi_bbox: tuple[float, float, float, float] = (113.5, -3.0, 119.5, 2.8)
    #: Indonesia's extent with a margin; anything outside is rejected as a location.
    indonesia_bbox: tuple[float, float, float, float] = (94.0, -11.5, 141.5, 6.5)
    #: Who is written into the audit trail when the CLI or a notebook makes a change.
    actor: str = Field(default="cli")
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise ConfigurationError(
                "PANTAU_SECRET_KEY is the development placeholder; set a real secret in production",
                field="secret_key",
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()
