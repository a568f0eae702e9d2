"""Public reports of illegal mining: intake, evidence, reporter privacy, lifecycle, clocks."""

from __future__ import annotations

from geo.reports.models import (
    ACTIVITIES,
    CHANNELS,
    CONFIDENTIALITY,
    LOCATION_SOURCES,
    REPORT_STATUSES,
    ClockRule,
    Evidence,
    Report,
    ReportEvidence,
    ReportStatusHistory,
)

__all__ = [
    "ACTIVITIES",
    "CHANNELS",
    "CONFIDENTIALITY",
    "LOCATION_SOURCES",
    "REPORT_STATUSES",
    "ClockRule",
    "Evidence",
    "Report",
    "ReportEvidence",
    "ReportStatusHistory",
]
