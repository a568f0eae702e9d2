"""The ``PantauError`` family: every error the domain library raises on purpose.

The API maps each class to one HTTP status in ``api/errors.py``; the CLI prints the message
without a traceback. Messages say what was expected and what arrived.
"""

from __future__ import annotations

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
]


class PantauError(Exception):
    """Base class of every error Pantau Tambang raises on purpose."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

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
