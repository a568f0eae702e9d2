"""Public reports of illegal mining: intake, evidence, reporter privacy, lifecycle, clocks.

The public surface, for the CLI, the API and notebooks:

- :func:`submit` one report, :func:`import_file` many (CSV, GeoJSON, SP4N-LAPOR! export);
- :func:`transition` through the lifecycle, :func:`history` of a report;
- :func:`evaluate` and :func:`overdue` complaint clocks;
- :func:`load` reports as a GeoDataFrame, :func:`load_history` every transition,
  :func:`redact` any rows for a role.
"""

from __future__ import annotations

from geo.reports.clocks import ClockStatus, evaluate, load_rules, overdue, update_rule
from geo.reports.dedup import link_near_duplicates
from geo.reports.demo import DemoReportsSummary, load_demo_reports
from geo.reports.editing import edit
from geo.reports.evidence import inspect_evidence, read_exif, store_evidence
from geo.reports.importer import ImportSummary, RowError, import_file
from geo.reports.intake import SubmitResult, submit
from geo.reports.lifecycle import get_report, history, transition
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
from geo.reports.privacy import redact, reporter_hash
from geo.reports.query import list_reports, load, load_history, show
from geo.reports.validation import clean_report

__all__ = [
    "ACTIVITIES",
    "CHANNELS",
    "CONFIDENTIALITY",
    "LOCATION_SOURCES",
    "REPORT_STATUSES",
    "ClockRule",
    "ClockStatus",
    "DemoReportsSummary",
    "ImportSummary",
    "RowError",
    "Evidence",
    "Report",
    "ReportEvidence",
    "ReportStatusHistory",
    "SubmitResult",
    "clean_report",
    "edit",
    "evaluate",
    "get_report",
    "history",
    "import_file",
    "list_reports",
    "load",
    "load_history",
    "load_demo_reports",
    "inspect_evidence",
    "link_near_duplicates",
    "load_rules",
    "overdue",
    "read_exif",
    "redact",
    "reporter_hash",
    "show",
    "store_evidence",
    "submit",
    "transition",
    "update_rule",
]
