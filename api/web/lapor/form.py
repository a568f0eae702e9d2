"""The report form: its fields, reading a submission, and refusals placed next to their field.

The form sends the field names of :func:`geo.reports.service.submit_report` (``description``,
``lat``, ``observed_at`` ...), so the use case checks them with the one rule table of
:mod:`geo.reports.fieldrules`; this module only drops empty fields, adds the two checks a web
form needs on top (something was described, a phone number looks like one) and says under
which field of the page a refusal of the use case belongs.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from geo.errors import N_, PantauError, ValidationError
from geo.i18n import Translator
from geo.reports.models import ACTIVITIES

__all__ = [
    "FORM_FIELDS",
    "TEXT_FIELDS",
    "FormErrors",
    "activity_labels",
    "form_field",
    "new_key",
    "read_fields",
    "valid_key",
]

#: The fields of the page that can carry an error, in the order the page shows them.
FORM_FIELDS: tuple[str, ...] = (
    "activity",
    "description",
    "observed_at",
    "lat",
    "lon",
    "location_text",
    "evidence",
    "confidentiality",
    "reporter_name",
    "reporter_phone",
)

#: The text fields passed on to the use case as they were typed (empty ones are left out).
TEXT_FIELDS: tuple[str, ...] = (
    "activity",
    "description",
    "observed_at",
    "lat",
    "lon",
    "location_source",
    "accuracy_m",
    "location_text",
    "confidentiality",
    "reporter_name",
    "reporter_phone",
)

#: Where a refusal of a field the page does not show is placed.
_PLACED: Mapping[str, str] = {
    "location_source": "lat",
    "accuracy_m": "lat",
    "received_at": "observed_at",
    "title": "description",
}

DESCRIPTION_REQUIRED = N_("Describe what you saw: what was happening, how many machines or trucks.")
PHONE_NOT_VALID = N_("Write the phone number with digits only, for example 0812 3456 7890.")
_PHONE = re.compile(r"^[0-9+()\- .]*$")
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


def activity_labels(t: Translator) -> dict[str, str]:
    """Return what the form shows for each activity code (:data:`ACTIVITIES`).

    Examples
    --------
    >>> from geo.i18n import translator
    >>> activity_labels(translator("en"))["hauling_trucks"]
    'Trucks carrying soil, sand or coal'
    """
    labels = {
        "excavator": t.gettext("Excavators digging"),
        "hauling_trucks": t.gettext("Trucks carrying soil, sand or coal"),
        "stockpile": t.gettext("A pile of coal, sand or ore"),
        "river_dredging": t.gettext("Dredging or pumping in a river"),
        "land_clearing": t.gettext("Land or forest being cleared"),
        "other": t.gettext("Something else"),
    }
    return {code: labels[code] for code in ACTIVITIES}


def form_field(name: str | None) -> str | None:
    """Return the page field under which a refusal of the use case's field ``name`` is shown.

    Examples
    --------
    >>> form_field("evidence[2]"), form_field("accuracy_m"), form_field("lon"), form_field("x")
    ('evidence', 'lat', 'lon', None)
    """
    if name is None:
        return None
    if name.startswith("evidence"):
        return "evidence"
    if name in FORM_FIELDS:
        return name
    return _PLACED.get(name)


def new_key() -> str:
    """Return a fresh idempotency key (a random UUID) for one filling of the form."""
    return str(uuid.uuid4())


def valid_key(value: str | None) -> str | None:
    """Return ``value`` if it can be an ``Idempotency-Key`` (as the API allows), else None.

    Examples
    --------
    >>> valid_key("0b9e7c3a-1d2f-4e5a-9b8c-7d6e5f4a3b2c") is not None, valid_key("a b")
    (True, None)
    """
    if value and _KEY.match(value):
        return value
    return None


@dataclass
class FormErrors:
    """Refusals of one submission: page field (or None for the whole form) -> message."""

    messages: dict[str | None, str] = field(default_factory=dict)

    def add(self, name: str | None, message: str) -> None:
        """Keep the first message of each field."""
        self.messages.setdefault(name, message)

    def add_error(self, error: PantauError, t: Translator) -> None:
        """Place a refusal of the use case next to its field, in the reader's language."""
        self.add(form_field(error.field), error.localized(t))

    def __bool__(self) -> bool:
        return bool(self.messages)


def read_fields(form: Mapping[str, str], t: Translator) -> tuple[dict[str, str], FormErrors]:
    """Return the non-empty text fields of a submission and the page's own refusals.

    Examples
    --------
    >>> from geo.i18n import translator
    >>> fields, errors = read_fields({"description": " ", "reporter_phone": "abc"},
    ...                              translator("id"))
    >>> fields, sorted(errors.messages)
    ({'reporter_phone': 'abc'}, ['description', 'reporter_phone'])
    """
    fields = {name: form[name].strip() for name in TEXT_FIELDS if str(form.get(name) or "").strip()}
    errors = FormErrors()
    if "description" not in fields:
        errors.add_error(ValidationError.of(DESCRIPTION_REQUIRED, field="description"), t)
    if not _PHONE.match(fields.get("reporter_phone", "")):
        errors.add_error(ValidationError.of(PHONE_NOT_VALID, field="reporter_phone"), t)
    return fields, errors
