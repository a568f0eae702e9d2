"""Role checks as FastAPI dependencies, so that a route declares who may call it in its signature.

As in the full-stack FastAPI template's ``deps.py`` (``CurrentUser``, ``get_current_active_
superuser``): the check runs before the body is read and before the use case is called, and the
route receives the caller it already vetted::

    Planner = Annotated[Principal, role(auth.PATROL_PLANNERS, "review hotspots")]

    @router.post("/{code}/promote")
    def promote(code: str, principal: Planner, ...): ...

The rules themselves (which roles, 401 without a token, 403 with the wrong one) stay in
:func:`api.auth.require`.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request

from api import auth
from api.deps import BearerDep, SessionDep, get_principal
from geo.tokens import Principal

__all__ = ["role"]


def role(roles: frozenset[str], action: str) -> Any:
    """Return a dependency (``Depends``) that admits only ``roles``; ``action`` words the refusal.

    Examples
    --------
    >>> from typing import Annotated
    >>> Reader = Annotated[Principal, role(auth.READERS, "read sites")]
    """

    async def check(
        request: Request, session: SessionDep, credentials: BearerDep = None
    ) -> Principal:
        # Takes what get_principal takes and calls it rather than depending on PrincipalDep:
        # one level of dependencies less for FastAPI to solve on every request, a few per cent
        # of a cached read of one site (benchmarks/README.md, "Cached reads: FastAPI's
        # dependencies and the whole registry"). So an override of get_principal does not
        # reach role checks. A coroutine: the check touches no database, so no thread hop.
        principal = await get_principal(request, session, credentials)
        auth.require(principal, roles, action)
        return principal

    return Depends(check)
