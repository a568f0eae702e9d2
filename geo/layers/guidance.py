"""What an indicative class points to, in the reader's language: labels and guidance.

Guidance names the law and the authority a class points to (UU 3/2020 on mineral and coal
mining, UU 41/1999 on forestry) and always says it is guidance for follow-up, not a legal
finding: the layers are small-scale and a boundary on them settles nothing in court.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from geo.i18n import Translator

__all__ = [
    "authority_labels",
    "forest_labels",
    "guidance",
    "indicative_note",
    "permit_class_labels",
]


def permit_class_labels(t: Translator) -> dict[str, str]:
    """Return the label of every permit class (:data:`geo.layers.config.PERMIT_CLASSES`)."""
    return {
        "LUAR_WIUP": t.pgettext("permit class", "LUAR_WIUP"),
        "WIUP_OP": t.pgettext("permit class", "WIUP_OP"),
        "WIUP_EKSPLORASI": t.pgettext("permit class", "WIUP_EKSPLORASI"),
        "WIUP_BERAKHIR": t.pgettext("permit class", "WIUP_BERAKHIR"),
    }


def forest_labels(t: Translator) -> dict[str, str]:
    """Return the label of every forest function (:data:`geo.layers.config.FOREST_FUNCTIONS`)."""
    return {
        "KONSERVASI": t.pgettext("forest function", "KONSERVASI"),
        "HUTAN_LINDUNG": t.pgettext("forest function", "HUTAN_LINDUNG"),
        "HUTAN_PRODUKSI": t.pgettext("forest function", "HUTAN_PRODUKSI"),
        "HUTAN_PRODUKSI_TERBATAS": t.pgettext("forest function", "HUTAN_PRODUKSI_TERBATAS"),
        "HUTAN_PRODUKSI_KONVERSI": t.pgettext("forest function", "HUTAN_PRODUKSI_KONVERSI"),
        "APL": t.pgettext("forest function", "APL"),
    }


def authority_labels(t: Translator) -> dict[str, str]:
    """Return the label of every permit authority (:data:`geo.layers.config.AUTHORITIES`)."""
    return {
        "PROVINSI": t.pgettext("permit authority", "PROVINSI"),
        "PUSAT": t.pgettext("permit authority", "PUSAT"),
    }


def indicative_note(t: Translator) -> str:
    """Return the sentence every output of a class carries."""
    return t.gettext(
        "Indicative class from small-scale layers: guidance for follow-up, not a legal finding."
    )


def _permit_text(t: Translator, cls: str | None, permit: str, date: str) -> str:
    if cls is None:
        return t.gettext("No mining permit layer has been imported: the permit class is unknown.")
    if cls == "LUAR_WIUP":
        return t.gettext(
            "Outside every mining permit area in the layer of {date}: if mining is confirmed, "
            "this points to mining without a permit (UU 3/2020 Pasal 158).",
            date=date,
        )
    if cls == "WIUP_OP":
        return t.gettext(
            "Inside an active production permit ({permit}): the activity may be licensed; check "
            "the holder and the permit boundary before acting.",
            permit=permit,
        )
    if cls == "WIUP_EKSPLORASI":
        return t.gettext(
            "Inside an exploration permit ({permit}): production by the exploration permit "
            "holder points to UU 3/2020 Pasal 160; mining by anyone else to Pasal 158.",
            permit=permit,
        )
    return t.gettext(
        "Inside a permit that has expired or ended ({permit}): mining there now points to "
        "mining without a permit (UU 3/2020 Pasal 158).",
        permit=permit,
    )


def _authority_text(t: Translator, authority: str | None) -> str | None:
    if authority == "PROVINSI":
        return t.gettext(
            "Authority (indicative): the provincial government, which issues permits for "
            "non-metal minerals and rock."
        )
    if authority == "PUSAT":
        return t.gettext(
            "Authority (indicative): the central government (Ministry of Energy and Mineral "
            "Resources), which issues permits for coal and metals."
        )
    return None


def guidance(
    t: Translator,
    *,
    permit_class: str | None,
    permit: Mapping[str, object] | None,
    forest_flags: Sequence[str],
    moratorium: bool | None,
    authority: str | None,
    wiup_date: str,
) -> list[str]:
    """Return the guidance lines for one classification, the indicative note last.

    Examples
    --------
    >>> from geo.i18n import translator
    >>> lines = guidance(translator("en"), permit_class="LUAR_WIUP", permit=None,
    ...                  forest_flags=[], moratorium=None, authority=None, wiup_date="1 May 2026")
    >>> "Pasal 158" in lines[0] and "not a legal finding" in lines[-1]
    True
    """
    name = str((permit or {}).get("kode_wiup") or (permit or {}).get("sk_iup") or "?")
    lines = [_permit_text(t, permit_class, name, wiup_date)]
    estate = [f for f in forest_flags if f != "APL"]
    if estate:
        labels = forest_labels(t)
        lines.append(
            t.gettext(
                "Overlaps the forest estate ({functions}): this points to UU 41/1999 on forestry "
                "and to the forestry enforcement office (Gakkum).",
                functions=", ".join(labels.get(f, f) for f in estate),
            )
        )
    if moratorium:
        lines.append(t.gettext("Inside the moratorium map (PIPPIB) for new permits."))
    authority_line = _authority_text(t, authority)
    if authority_line:
        lines.append(authority_line)
    lines.append(indicative_note(t))
    return lines
