"""What the hotline writes back to a citizen, in Bahasa Indonesia, from the message catalogue.

A reply only ever carries the recipient's own tracking code or a fixed request: never another
person's name, number or report.

Examples
--------
>>> "PTM-7K3Q9X" in receipt("PTM-7K3Q9X")
True
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.errors import N_
from geo.i18n import translator

__all__ = [
    "Reply",
    "REPLY_LANGUAGE",
    "receipt",
    "receipt_without_code",
    "location_request",
    "NO_LOCATION_TEXT",
]

#: Citizens write to the hotline in Bahasa Indonesia; replies are in it whatever the desk reads.
REPLY_LANGUAGE = "id"


@dataclass(frozen=True)
class Reply:
    """A message to send: to whom (their WhatsApp id), from which number, what.

    A ``template`` reply (a status update, possibly outside the 24-hour window) sends the
    approved template of that name with ``body`` (the tracking code) as its one parameter.
    """

    to: str
    phone_number_id: str
    body: str
    kind: str
    template: str | None = None
    language: str = REPLY_LANGUAGE


def receipt(code: str) -> str:
    """Return the receipt sent when a conversation became a report."""
    return translator(REPLY_LANGUAGE).gettext(
        "Thank you, your report has been received. Its tracking code is {code}. Keep this code "
        "to ask about the progress of your report.",
        code=code,
    )


def receipt_without_code() -> str:
    """Return the receipt for a report the agency already has (its code belongs to another)."""
    return translator(REPLY_LANGUAGE).gettext(
        "Thank you, your report has been received. The same evidence has already been reported "
        "to us and is being handled."
    )


def location_request() -> str:
    """Return the request for a location sent before a draft without one closes."""
    return translator(REPLY_LANGUAGE).gettext(
        "Where is this place? Please send a location pin (Attach, then Location) or write the "
        "name of the village and district, then write SELESAI."
    )


#: The described place of a report whose sender never said where it was.
NO_LOCATION_TEXT = N_("Location not given over WhatsApp; follow up with the reporter")
