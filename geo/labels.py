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

__all__ = ["site_status", "site_status_labels"]


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
