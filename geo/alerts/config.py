"""Vocabulary and settings of satellite alerts (no database, no I/O).

The GeoTIFF tiles of GFW's integrated alerts encode a pixel as ``confidence * 10000 + days``
where ``days`` counts from 2014-12-31 and ``confidence`` is 2 (nominal), 3 (high) or 4
(highest); 0 is no alert. The Data API's query answers spell the confidence as a word.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = [
    "ATTRIBUTION",
    "CONFIDENCE_CODES",
    "CONFIDENCE_WORDS",
    "EPOCH",
    "KEY_DECIMALS",
    "KEY_SCALE",
    "LICENSE_URL",
    "SOURCE_GFW",
    "AlertSettings",
]

#: Day 0 of the GeoTIFF encoding.
EPOCH = dt.date(2014, 12, 31)

#: Confidence words of the query answers → the codes of the GeoTIFF encoding.
CONFIDENCE_CODES: dict[str, int] = {"nominal": 2, "high": 3, "highest": 4}
CONFIDENCE_WORDS: dict[int, str] = {v: k for k, v in CONFIDENCE_CODES.items()}

#: Positions are rounded to this many decimals for an alert's identity (5: about 1.1 m, a
#: tenth of a pixel). Fixed, not a setting: a change would make old and new keys differ.
KEY_DECIMALS = 5
KEY_SCALE = 10**KEY_DECIMALS

#: The source key of GFW's integrated alerts (part of an alert's identity).
SOURCE_GFW = "gfw_integrated_alerts"

#: Attribution every map, export and answer showing alerts carries (the licence asks for it).
ATTRIBUTION = (
    "Integrated Deforestation Alerts, UMD/GLAD and WUR, accessed through Global Forest Watch "
    "(CC BY 4.0)"
)
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"


class AlertSettings(BaseModel):
    """Satellite alerts: ``PANTAU_ALERTS_<FIELD>``.

    Examples
    --------
    >>> AlertSettings().api_url
    'https://data-api.globalforestwatch.org'
    """

    model_config = ConfigDict(extra="forbid", validate_default=True)

    #: GFW Data API base URL.
    api_url: str = "https://data-api.globalforestwatch.org"
    #: The Data API key (header ``x-api-key``); from the environment, never the repository.
    api_key: SecretStr | None = None
    #: Dataset and version queried by ``pantau alerts fetch``.
    dataset: str = SOURCE_GFW
    version: str = "latest"
    #: ``pantau alerts fetch`` asks for the alerts of the last N days.
    window_days: int = Field(default=30, ge=1, le=3650)
    #: Seconds to wait for the Data API.
    timeout_s: float = Field(default=120.0, gt=0)
    #: Patches: DBSCAN radius in metres (pixels are 10 m) and alerts needed for a core point.
    patch_eps_m: float = Field(default=30.0, gt=0, le=5000)
    patch_min_alerts: int = Field(default=3, ge=1, le=10_000)
    #: Only alerts of the last N days (before the newest alert) are grouped into patches.
    patch_window_days: int = Field(default=90, ge=1, le=3650)
    #: Alerts below this confidence (2 nominal, 3 high, 4 highest) are not grouped.
    min_confidence: int = Field(default=2, ge=2, le=4)
    #: Metric CRS (EPSG code) for clustering: UTM 50S covers East Kalimantan.
    srid: int = 32750
    #: A patch within this distance of a site or hotspot is matched to it (metres).
    match_distance_m: float = Field(default=1000.0, ge=0, le=50_000)
    #: A report within this distance of a patch is corroborated by it (metres).
    report_distance_m: float = Field(default=500.0, ge=0, le=50_000)
