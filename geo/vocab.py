"""Controlled vocabularies shared by the registry, reports, maps and patrols.

Values are stored in Bahasa Indonesia where the agency uses Indonesian words (commodities)
and in short English codes where they are codes (status, risk). Labels for people come
from the map message catalogue.
"""

from __future__ import annotations

from geo.province import DEFAULT_PROVINCE, load_province

__all__ = ["COMMODITIES", "SITE_STATUSES", "RISK_LEVELS", "EXCLUDED_FROM_PATROL", "KABUPATEN"]

#: Commodity of a suspect site: coal, gold, sand/gravel, rock, other.
COMMODITIES: tuple[str, ...] = ("batubara", "emas", "pasir", "batu", "lainnya")

#: Lifecycle of a suspect site.
SITE_STATUSES: tuple[str, ...] = (
    "suspected",
    "active",
    "inspected",
    "sealed",
    "dormant",
    "legalised",
)

#: Risk levels, lowest first.
RISK_LEVELS: tuple[str, ...] = ("low", "medium", "high", "critical")

#: Statuses that patrol planning leaves out unless asked.
EXCLUDED_FROM_PATROL: frozenset[str] = frozenset({"sealed", "legalised"})

#: Kabupaten/kota of the default province (Kalimantan Timur: 10 regencies and cities), kept for
#: callers that predate province profiles. A deployment's own list is
#: ``settings.province_profile.kabupaten`` (see :mod:`geo.province`).
KABUPATEN: tuple[str, ...] = load_province(DEFAULT_PROVINCE).kabupaten
