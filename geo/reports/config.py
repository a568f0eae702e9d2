"""Report settings are ``Settings.reports``; this module keeps the local time zone.

The complaint clocks are not settings: they live in the ``clock_rules`` table so that the agency
can change them without a deployment (see :mod:`geo.reports.clocks`).
"""

from __future__ import annotations

from geo.settings import ReportSettings

__all__ = ["ReportSettings", "LOCAL_TIMEZONE"]

#: East Kalimantan keeps WITA (UTC+8): naive times from the hotline or LAPOR! are read in it.
LOCAL_TIMEZONE = "Asia/Makassar"
