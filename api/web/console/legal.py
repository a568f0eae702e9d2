"""The indicative legal status block shared by the console's site and report pages.

Only analysts and admins (:data:`api.routes.layers.LAYER_READERS`) see it, as over the API;
the markup is the partial ``console/_legal_status.html``.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy.orm import Session

from api.routes.layers import LAYER_READERS
from geo.errors import NotFound
from geo.layers import service as layers
from geo.layers.service import ClassificationView

__all__ = ["legal_status"]


def legal_status(
    session: Session,
    staff: Any,
    object_kind: Literal["site", "report", "hotspot"],
    code: str,
    lang: str,
) -> ClassificationView | Literal[False] | None:
    """Return the object's class for the page: ``False`` when the role may not read it.

    ``None`` when it has none yet (no layer imported, or a report without a position).
    """
    if not staff.may(LAYER_READERS):
        return False
    try:
        return layers.classification_of(
            session=session, object_kind=object_kind, code=code, language=lang
        )
    except NotFound:
        return None
