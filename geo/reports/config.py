"""Report settings are ``Settings.reports``; this module keeps the local time zone.

The complaint clocks are not settings: they live in the ``clock_rules`` table so that the agency
can change them without a deployment (see :mod:`geo.reports.clocks`).
"""

from __future__ import annotations

from geo.settings import ReportSettings, get_settings

__all__ = ["ReportSettings", "get_report_settings", "LOCAL_TIMEZONE"]

#: East Kalimantan keeps WITA (UTC+8): naive times from the hotline or LAPOR! are read in it.
LOCAL_TIMEZONE = "Asia/Makassar"


def get_report_settings() -> ReportSettings:
    """Return the ``reports`` section of the process-wide settings tree."""
    return get_settings().reports
