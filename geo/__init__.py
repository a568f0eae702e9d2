"""Pantau Tambang: the domain library behind the CLI, the API and the notebooks."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
