"""The public report page ``/lapor``: a form that works without JavaScript and with no signal.

:mod:`api.web.lapor.routes` serves the pages, :mod:`api.web.lapor.form` reads the form into the
fields of :func:`geo.reports.service.submit_report` and puts its refusals next to their fields,
:mod:`api.web.lapor.offline` serves the web app manifest and the service worker.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.web.lapor import offline, routes
from api.web.lapor.routes import too_large_page

__all__ = ["router", "too_large_page"]

#: Every route of ``/lapor``: the pages, the manifest and the service worker.
router = APIRouter(include_in_schema=False)
router.include_router(routes.router)
router.include_router(offline.router)
