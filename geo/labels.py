"""Labels people read for the codes the data keeps (statuses, commodities, ...), from the catalogue.

The code and the database keep stable English codes (``suspected``); every output shows the
label of the reader's language. Each vocabulary is one function so that the extractor finds every
label as a literal and a test can prove each code has one.

Examples
--------
>>> from geo.i18n import translator
>>> site_status(translator("id"), "sealed")
'Disegel'
"""

from __future__ import annotations

from geo.i18n import Translator

__all__ = [
    "site_status",
    "site_status_labels",
    "commodity",
    "commodity_labels",
    "risk_level",
    "risk_level_labels",
    "report_status",
    "report_status_labels",
    "channel",
    "channel_labels",
    "hotspot_status",
    "hotspot_status_labels",
    "clock_rule",
    "clock_state",
    "clock_state_labels",
    "clock_rule_labels",
    "inspection_result_labels",
    "inspection_result",
    "unplanned_reason_labels",
    "unplanned_reason",
    "place_kind_labels",
    "place_kind",
]


def site_status_labels(t: Translator) -> dict[str, str]:
    """Return the label of every site status (:data:`geo.vocab.SITE_STATUSES`)."""
    return {
        "suspected": t.pgettext("site status", "suspected"),
        "active": t.pgettext("site status", "active"),
        "inspected": t.pgettext("site status", "inspected"),
        "sealed": t.pgettext("site status", "sealed"),
        "dormant": t.pgettext("site status", "dormant"),
        "legalised": t.pgettext("site status", "legalised"),
    }


def site_status(t: Translator, code: str) -> str:
    """Return the label of one site status; an unknown code is shown as it is."""
    return site_status_labels(t).get(code, code)


def commodity_labels(t: Translator) -> dict[str, str]:
    """Return the label of every commodity (:data:`geo.vocab.COMMODITIES`)."""
    return {
        "batubara": t.pgettext("commodity", "batubara"),
        "emas": t.pgettext("commodity", "emas"),
        "pasir": t.pgettext("commodity", "pasir"),
        "batu": t.pgettext("commodity", "batu"),
        "lainnya": t.pgettext("commodity", "lainnya"),
    }


def commodity(t: Translator, code: str) -> str:
    """Return the label of one commodity; an unknown code is shown as it is."""
    return commodity_labels(t).get(code, code)


def risk_level_labels(t: Translator) -> dict[str, str]:
    """Return the label of every risk level (:data:`geo.vocab.RISK_LEVELS`)."""
    return {
        "low": t.pgettext("risk level", "low"),
        "medium": t.pgettext("risk level", "medium"),
        "high": t.pgettext("risk level", "high"),
        "critical": t.pgettext("risk level", "critical"),
    }


def risk_level(t: Translator, code: str) -> str:
    """Return the label of one risk level; an unknown code is shown as it is."""
    return risk_level_labels(t).get(code, code)


def report_status_labels(t: Translator) -> dict[str, str]:
    """Return the label of every report status (:data:`geo.reports.models.REPORT_STATUSES`)."""
    return {
        "received": t.pgettext("report status", "received"),
        "verified": t.pgettext("report status", "verified"),
        "rejected": t.pgettext("report status", "rejected"),
        "assigned": t.pgettext("report status", "assigned"),
        "follow_up_scheduled": t.pgettext("report status", "follow_up_scheduled"),
        "inspected": t.pgettext("report status", "inspected"),
        "closed": t.pgettext("report status", "closed"),
    }


def report_status(t: Translator, code: str) -> str:
    """Return the label of one report status; an unknown code is shown as it is."""
    return report_status_labels(t).get(code, code)


def channel_labels(t: Translator) -> dict[str, str]:
    """Return the label of every report channel (:data:`geo.reports.models.CHANNELS`)."""
    return {
        "hotline": t.pgettext("channel", "hotline"),
        "lapor": t.pgettext("channel", "lapor"),
        "web": t.pgettext("channel", "web"),
        "field_team": t.pgettext("channel", "field_team"),
        "media": t.pgettext("channel", "media"),
        "satellite": t.pgettext("channel", "satellite"),
    }


def channel(t: Translator, code: str) -> str:
    """Return the label of one report channel; an unknown code is shown as it is."""
    return channel_labels(t).get(code, code)


def hotspot_status_labels(t: Translator) -> dict[str, str]:
    """Return the label of every hotspot status (``geo.hotspots.clustering.HOTSPOT_STATUSES``)."""
    return {
        "candidate": t.pgettext("hotspot status", "candidate"),
        "lapsed": t.pgettext("hotspot status", "lapsed"),
        "dismissed": t.pgettext("hotspot status", "dismissed"),
        "promoted": t.pgettext("hotspot status", "promoted"),
    }


def hotspot_status(t: Translator, code: str) -> str:
    """Return the label of one hotspot status; an unknown code is shown as it is."""
    return hotspot_status_labels(t).get(code, code)


def clock_rule_labels(t: Translator) -> dict[str, str]:
    """Return the label of every complaint clock (the default rules of ``geo.reports.clocks``)."""
    return {
        "verify": t.pgettext("clock rule", "verify"),
        "follow_up": t.pgettext("clock rule", "follow_up"),
        "resolution": t.pgettext("clock rule", "resolution"),
    }


def clock_rule(t: Translator, code: str) -> str:
    """Return the label of one complaint clock; a rule added later is shown by its name."""
    return clock_rule_labels(t).get(code, code)


def clock_state_labels(t: Translator) -> dict[str, str]:
    """Return the label of every state of a complaint clock (``geo.reports.clocks``)."""
    return {
        "running": t.pgettext("clock state", "running"),
        "due_soon": t.pgettext("clock state", "due_soon"),
        "overdue": t.pgettext("clock state", "overdue"),
        "met": t.pgettext("clock state", "met"),
        "missed": t.pgettext("clock state", "missed"),
    }


def clock_state(t: Translator, code: str) -> str:
    """Return the label of one clock state."""
    return clock_state_labels(t).get(code, code)


def inspection_result_labels(t: Translator) -> dict[str, str]:
    """Return the label of every inspection result (``INSPECTION_RESULTS``)."""
    return {
        "active": t.pgettext("inspection result", "active"),
        "inactive": t.pgettext("inspection result", "inactive"),
        "equipment_seen": t.pgettext("inspection result", "equipment_seen"),
        "sealed": t.pgettext("inspection result", "sealed"),
        "seized": t.pgettext("inspection result", "seized"),
    }


def inspection_result(t: Translator, code: str) -> str:
    """Return the label of one inspection result; an unknown code is shown as it is."""
    return inspection_result_labels(t).get(code, code)


def unplanned_reason_labels(t: Translator) -> dict[str, str]:
    """Return why a site was left out of a patrol plan, per reason code (``REASONS``)."""
    return {
        "excluded_status": t.pgettext("unplanned reason", "excluded_status"),
        "recently_inspected": t.pgettext("unplanned reason", "recently_inspected"),
        "too_far": t.pgettext("unplanned reason", "too_far"),
        "no_team_available": t.pgettext("unplanned reason", "no_team_available"),
        "lower_priority": t.pgettext("unplanned reason", "lower_priority"),
        "beyond_max_days": t.pgettext("unplanned reason", "beyond_max_days"),
    }


def unplanned_reason(t: Translator, code: str) -> str:
    """Return the explanation of one unplanned-site reason; an unknown code is shown as it is."""
    return unplanned_reason_labels(t).get(code, code)


def place_kind_labels(t: Translator) -> dict[str, str]:
    """Return the kinds of base and overnight place (``geo.bases.KINDS``) in ``t``'s language."""
    return {
        "office": t.pgettext("place kind", "office"),
        "village": t.pgettext("place kind", "village"),
        "camp": t.pgettext("place kind", "camp"),
        "forward_base": t.pgettext("place kind", "forward_base"),
    }


def place_kind(t: Translator, code: str) -> str:
    """Return one kind of place; an unknown code is shown as it is."""
    return place_kind_labels(t).get(code, code)
