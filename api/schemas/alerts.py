"""What ``/alerts`` answers: satellite alert patches as GeoJSON with GFW's attribution."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from api.schemas.common import FeatureCollection

__all__ = ["AlertPatchCollection"]


class AlertPatchCollection(FeatureCollection):
    """Alert patches (hulls) with their match, indicative class and the data's attribution."""

    model_config = ConfigDict(extra="allow")

    attribution: str = Field(
        examples=[
            "Integrated Deforestation Alerts, UMD/GLAD and WUR, accessed through Global Forest "
            "Watch (CC BY 4.0)"
        ]
    )
    license: str = Field(examples=["CC BY 4.0"])
    license_url: str
    note: str
