"""Labels of the codes only the console shows yet: resolutions, flags, roles.

One function per vocabulary as in :mod:`geo.labels`, so the extractor finds each label.

Examples
--------
>>> from geo.i18n import translator
>>> role(translator("id"), "intake_operator")
'Operator penerimaan laporan'
"""

from __future__ import annotations

from geo.i18n import Translator

__all__ = ["resolution", "resolution_labels", "flag", "role", "role_labels", "mode_labels"]


def resolution_labels(t: Translator) -> dict[str, str]:
    """Return the label of every resolution (``geo.reports.models.RESOLUTIONS``)."""
    return {
        "out_of_authority": t.pgettext("report resolution", "out_of_authority"),
        "insufficient_info": t.pgettext("report resolution", "insufficient_info"),
        "confirmed": t.pgettext("report resolution", "confirmed"),
        "not_found": t.pgettext("report resolution", "not_found"),
        "duplicate": t.pgettext("report resolution", "duplicate"),
    }


def resolution(t: Translator, code: str | None) -> str:
    """Return the label of one resolution (empty for none)."""
    return resolution_labels(t).get(code, code) if code else ""


def flag(t: Translator, code: str) -> str:
    """Return the label of one report flag (``geo.reports.models.FLAGS``)."""
    return {
        "outside_aoi": t.pgettext("report flag", "outside_aoi"),
        "exif_far": t.pgettext("report flag", "exif_far"),
        "exif_old": t.pgettext("report flag", "exif_old"),
        "no_location": t.pgettext("report flag", "no_location"),
        "duplicate_exact": t.pgettext("report flag", "duplicate_exact"),
        "duplicate_near": t.pgettext("report flag", "duplicate_near"),
    }.get(code, code)


def role_labels(t: Translator) -> dict[str, str]:
    """Return the label of every staff role (``geo.tokens.ROLES``)."""
    return {
        "admin": t.pgettext("role", "admin"),
        "analyst": t.pgettext("role", "analyst"),
        "field_officer": t.pgettext("role", "field_officer"),
        "intake_operator": t.pgettext("role", "intake_operator"),
    }


def role(t: Translator, code: str) -> str:
    """Return the label of one role."""
    return role_labels(t).get(code, code)


def mode_labels(t: Translator) -> dict[str, str]:
    """Return the label of every way of travel a team may use, in the order forms list them."""
    return {
        "car": t.gettext("car"),
        "4wd": t.gettext("four-wheel drive"),
        "motorbike": t.gettext("motorbike"),
        "boat": t.gettext("boat"),
    }
