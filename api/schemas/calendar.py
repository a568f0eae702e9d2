"""What crosses HTTP for ``/calendar``: non-working days and the agency's own days off."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

from api.schemas.common import ShortText

__all__ = ["DayOffIn", "NonWorkingDay"]


class DayOffIn(BaseModel):
    """A day the agency's office closes, and why."""

    model_config = ConfigDict(extra="forbid")

    day: dt.date
    reason: ShortText


class NonWorkingDay(BaseModel):
    """A weekday on which complaint clocks do not count: a national holiday or a day off."""

    model_config = ConfigDict(from_attributes=True)

    day: dt.date
    kind: Literal["national", "agency"]
    name: str
    added_by: str | None = None
