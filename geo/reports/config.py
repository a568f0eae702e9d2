"""Report settings are ``Settings.reports``; this module keeps the local time zone.

The complaint clocks are not settings: they live in the ``clock_rules`` table so that the agency
can change them without a deployment (see :mod:`geo.reports.clocks`). The time zone is the
province profile's (:mod:`geo.province`): :func:`local_zone` for a settings tree.

Examples
--------
>>> from geo.settings import Settings
>>> local_zone(Settings(province="62", _env_file=None)).key, zone_label(Settings(_env_file=None))
('Asia/Jakarta', 'WITA')
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from geo.province import DEFAULT_PROVINCE, load_province
from geo.settings import ReportSettings

if TYPE_CHECKING:
    from geo.settings import Settings

__all__ = ["ReportSettings", "LOCAL_TIMEZONE", "DEFAULT_ZONE", "local_zone", "zone_label"]

#: The default province's zone (Kalimantan Timur: WITA, UTC+8), for callers that have no
#: settings at hand (examples, old callers); a deployment's zone is :func:`local_zone` of its
#: settings, which the use cases pass to the clocks, the inbox, EXIF and time parsing.
LOCAL_TIMEZONE = load_province(DEFAULT_PROVINCE).timezone
DEFAULT_ZONE = ZoneInfo(LOCAL_TIMEZONE)


def local_zone(settings: Settings) -> ZoneInfo:
    """Return the zone naive times are read in and times are shown in: the province's."""
    return settings.province_profile.zone


def zone_label(settings: Settings) -> str:
    """Return the label of the province's zone (``WIB``, ``WITA`` or ``WIT``) for headers."""
    return settings.province_profile.zone_label
