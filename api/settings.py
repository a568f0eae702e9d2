"""The HTTP service settings: the ``api`` section of the settings tree (``PANTAU_API_*``)."""

from __future__ import annotations

from geo.settings import ApiSettings

__all__ = ["ApiSettings"]
