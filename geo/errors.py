"""The ``PantauError`` family: every error the domain library raises on purpose.

The API maps each class to one HTTP status in ``api/errors.py``; the CLI prints the message
without a traceback. Messages say what was expected and what arrived.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from geo.i18n import Translator

__all__ = [
    "PantauError",
    "ConfigurationError",
    "DatabaseUnavailable",
    "ValidationError",
    "InputFileError",
    "NotFound",
    "Conflict",
    "PermissionDenied",
    "InvalidTransition",
    "PlanningError",
    "BrowserUnavailable",
    "REQUIRED",
    "N_",
]


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name for "mark only"
    """Mark ``message`` for the catalogue without translating it now (re-exported by geo.i18n).

    It lives here so that every module that raises can mark its messages without importing
    Babel; the extractor (``make messages``) collects every ``N_("...")``.
    """
    return message


#: The message of a required value that is missing.
REQUIRED = N_("{field} is required")


class PantauError(Exception):
    """Base class of every error Pantau Tambang raises on purpose."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        template: str | None = None,
        values: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        #: The catalogue entry (English msgid with ``{name}`` fields) and its values, so that an
        #: adapter can show the message in its reader's language (:meth:`localized`).
        self.template = template
        self.values = dict(values or {})

    @classmethod
    def of(cls, template: str, *, field: str | None = None, **values: object) -> Self:
        """Make the error from a catalogue entry: ``ValidationError.of(N_("..."), lat=3)``.

        ``message`` (and ``str()``) is the English text; :meth:`localized` is the reader's.

        Examples
        --------
        >>> from geo.i18n import translator
        >>> e = ValidationError.of(REQUIRED, field="lat")
        >>> str(e)
        'lat is required'
        >>> e.localized(translator("id"))
        'lat wajib diisi'
        """
        return cls(
            template.format(field=field, **values),
            field=field,
            template=template,
            values={"field": field, **values},
        )

    def localized(self, t: Translator) -> str:
        """Return the message in ``t``'s language (English text when it has no template)."""
        if self.template is None:
            return self.message
        return t.gettext(self.template, **self.values)

    def __str__(self) -> str:
        return self.message


class ConfigurationError(PantauError):
    """A setting is missing, malformed or unsafe for this environment."""


class DatabaseUnavailable(PantauError):
    """The PostGIS database cannot be reached or lacks the PostGIS extension."""


class ValidationError(PantauError):
    """A value supplied by a user is not acceptable; ``field`` names which one."""


class InputFileError(ValidationError):
    """A file given for import cannot be read or holds bad rows; the message names file and row."""


class NotFound(PantauError):
    """The requested object (site, report, hotspot, plan) does not exist."""


class Conflict(PantauError):
    """The change conflicts with what is stored (a duplicate code, a stale edit)."""


class PermissionDenied(PantauError):
    """The caller's role may not do or see this."""


class InvalidTransition(PantauError):
    """A status change that the lifecycle does not allow from the current status."""


class PlanningError(ValidationError):
    """A patrol planning problem is ill-posed (no teams, zero days, bad matrix)."""


class BrowserUnavailable(PantauError):
    """Headless Chromium is needed (map export, PDF) but is not installed."""
