"""The security headers of every web page the app renders: one definition for both sites.

The public report page (``/lapor``) and the staff console (``/``) load only the app's own files
(no CDN, no inline script), may not be framed, and do not tell other sites their addresses. They
differ only where their pages do: the public page is an installable app (a service worker, a
manifest) that asks for the phone's position and camera; the console uses inline ``style``
attributes (bar widths) and is never cached, since every page shows what one role may see.

Examples
--------
>>> LAPOR_HEADERS["Permissions-Policy"]
'geolocation=(self), camera=(self), microphone=()'
>>> "'unsafe-inline'" in CONSOLE_HEADERS["Content-Security-Policy"]
True
>>> CONSOLE_HEADERS["X-Frame-Options"] == LAPOR_HEADERS["X-Frame-Options"] == "DENY"
True
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["CONSOLE_HEADERS", "LAPOR_HEADERS", "security_headers"]

#: What every page may load: the app's own files, images and media also from ``blob:`` and
#: ``data:`` (previews of chosen photos), nothing framed, no plugins.
_POLICY: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' blob: data:",
    "media-src": "'self' blob:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def security_headers(policy: Mapping[str, str] | None = None, **headers: str) -> dict[str, str]:
    """Return the common headers with ``policy``'s directives and ``headers`` (``_`` as ``-``).

    Examples
    --------
    >>> security_headers({"worker-src": "'self'"}, Referrer_Policy="no-referrer")[
    ...     "Content-Security-Policy"
    ... ].endswith("worker-src 'self'")
    True
    """
    directives = {**_POLICY, **(policy or {})}
    return {
        "Content-Security-Policy": "; ".join(f"{k} {v}" for k, v in directives.items()),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        **{name.replace("_", "-"): value for name, value in headers.items()},
    }


#: ``/lapor``: an installable offline app that may ask for the position and the camera.
LAPOR_HEADERS = security_headers(
    {"worker-src": "'self'", "manifest-src": "'self'"},
    Referrer_Policy="no-referrer",
    Permissions_Policy="geolocation=(self), camera=(self), microphone=()",
)

#: The staff console: inline style attributes, never cached, no position or camera.
CONSOLE_HEADERS = security_headers(
    {"style-src": "'self' 'unsafe-inline'"},
    Cache_Control="no-store",
    Permissions_Policy="geolocation=(), camera=(), microphone=()",
)
