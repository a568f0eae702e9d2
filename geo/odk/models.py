"""The table that makes each ODK submission an inspection exactly once.

A row is written in the same transaction as the inspection it made, keyed by the submission's
``instanceID`` (``uuid:...``), so importing the same export twice, or pulling again from ODK
Central, adds nothing. It keeps what the inspection has no column for: the GPS point where the
team stood, the equipment codes ticked, who submitted, and the photos that were missing.
"""

from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import DateTime, ForeignKey, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from geo.models import Base

__all__ = ["OdkSubmission"]


class OdkSubmission(Base):
    """One ODK submission imported as an inspection."""

    __tablename__ = "odk_submissions"

    instance_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspections.id", ondelete="SET NULL"), index=True
    )
    #: ``central`` (pulled with pyodk) or ``export`` (an export zip).
    source: Mapped[str] = mapped_column(String(20))
    form_id: Mapped[str | None] = mapped_column(String(100))
    submitter: Mapped[str | None] = mapped_column(String(200))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    location: Mapped[WKBElement | None] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False), nullable=True
    )
    #: Equipment codes ticked (:data:`geo.odk.form.EQUIPMENT`).
    equipment: Mapped[list[str]] = mapped_column(JSONB, default=list)
    #: Photo file names the submission named but that were not there or not readable.
    missing_photos: Mapped[list[str]] = mapped_column(JSONB, default=list)
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
