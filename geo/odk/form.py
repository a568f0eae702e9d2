"""The XLSForm a field team fills in offline with ODK Collect to record an inspection.

The form's field names are the inspection's (:class:`geo.patrols.service.InspectionRequest`):
``site_code``, ``inspected_on``, ``team``, ``result`` (the codes of
:data:`~geo.patrols.models.INSPECTION_RESULTS`), ``notes`` and the photos (``evidence``), plus
what only the field knows: the ``equipment`` seen and the ``location`` where the team stood.
The site is chosen on a map from the Entity List published by :mod:`geo.odk.entities`
(``select_one_from_file sites.csv``: on ODK Central the attachment is linked to the Entity List of
the same name). Labels come from the catalogue in Bahasa Indonesia (the default) and English.

:func:`submission_fields` names the columns an export of this form has, so the importer
(:mod:`geo.odk.submissions`) and the tests use the same names as the form.

Examples
--------
>>> rows = survey_rows(entity_list="sites")
>>> [r["name"] for r in rows if r["type"].startswith("select_one_from_file")]
['site']
>>> EQUIPMENT[:2]
('excavator', 'dump_truck')
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from geo.errors import N_
from geo.i18n import Translator, translator
from geo.labels import inspection_result_labels
from geo.patrols.models import INSPECTION_RESULTS

__all__ = [
    "EQUIPMENT",
    "FORM_ID",
    "LANGUAGES",
    "equipment_labels",
    "form_version",
    "survey_rows",
    "choice_rows",
    "write_form",
]

#: The form's id on ODK Central (``PANTAU_ODK_FORM_ID`` names the one to pull from).
FORM_ID = "pantau_inspeksi"
#: Column suffix of each language of the labels, Indonesian first (the form's default).
LANGUAGES: tuple[tuple[str, str], ...] = (("id", "Bahasa Indonesia (id)"), ("en", "English (en)"))
#: Heavy equipment and tools of illegal mining a team can tick as seen.
EQUIPMENT: tuple[str, ...] = (
    "excavator",
    "dump_truck",
    "dredge",
    "water_pump",
    "sluice_box",
    "generator",
    "other",
)

_TITLE = N_("Pantau Tambang inspection")
_VISIT = N_("Visit")
_SITE = N_("Mining site")
_SITE_HINT = N_("Choose the site on the map or in the list.")
_SITE_INFO = N_("District: {kabupaten} · Status: {status} · Priority rank: {priority}")
_DATE = N_("Date of the inspection")
_DATE_FUTURE = N_("The date cannot be in the future.")
_TEAM = N_("Team")
_LOCATION = N_("GPS position at the site")
_FINDINGS = N_("Findings")
_RESULT = N_("What did the team find?")
_EQUIPMENT = N_("Equipment seen")
_NOTES = N_("Notes")
_PHOTOS = N_("Photos")
_PHOTO = N_("Photo")


def equipment_labels(t: Translator) -> dict[str, str]:
    """Return the label of every equipment code (:data:`EQUIPMENT`)."""
    return {
        "excavator": t.pgettext("equipment", "excavator"),
        "dump_truck": t.pgettext("equipment", "dump_truck"),
        "dredge": t.pgettext("equipment", "dredge"),
        "water_pump": t.pgettext("equipment", "water_pump"),
        "sluice_box": t.pgettext("equipment", "sluice_box"),
        "generator": t.pgettext("equipment", "generator"),
        "other": t.pgettext("equipment", "other"),
    }


def _labels(message: str, key: str = "label", **values: str) -> dict[str, str]:
    return {
        f"{key}::{column}": translator(lang).gettext(message, **values)
        for lang, column in LANGUAGES
    }


def _from_entity(prop: str, entity_list: str) -> str:
    return f"instance('{entity_list}')/root/item[name=${{site}}]/{prop}"


def survey_rows(*, entity_list: str) -> list[dict[str, str]]:
    """Return the rows of the ``survey`` sheet, each a dict of column to cell."""
    info = {"kabupaten": "${site_kabupaten}", "status": "${site_status}"}
    return [
        {"type": "start", "name": "start"},
        {"type": "end", "name": "end"},
        {"type": "begin_group", "name": "visit", **_labels(_VISIT)},
        {
            "type": f"select_one_from_file {entity_list}.csv",
            "name": "site",
            "required": "yes",
            "appearance": "map",
            **_labels(_SITE),
            **_labels(_SITE_HINT, "hint"),
        },
        *(
            {
                "type": "calculate",
                "name": f"site_{prop}",
                "calculation": _from_entity(prop, entity_list),
            }
            for prop in ("code", "kabupaten", "status", "priority")
        ),
        {
            "type": "note",
            "name": "site_info",
            "relevant": "${site} != ''",
            **_labels(_SITE_INFO, **info, priority="${site_priority}"),
        },
        {
            "type": "date",
            "name": "inspected_on",
            "required": "yes",
            "default": "today()",
            "constraint": ". <= today()",
            **_labels(_DATE),
            **_labels(_DATE_FUTURE, "constraint_message"),
        },
        {"type": "text", "name": "team", **_labels(_TEAM)},
        {"type": "geopoint", "name": "location", "required": "yes", **_labels(_LOCATION)},
        {"type": "end_group", "name": ""},
        {"type": "begin_group", "name": "findings", **_labels(_FINDINGS)},
        {"type": "select_one result", "name": "result", "required": "yes", **_labels(_RESULT)},
        {"type": "select_multiple equipment", "name": "equipment", **_labels(_EQUIPMENT)},
        {"type": "text", "name": "notes", "appearance": "multiline", **_labels(_NOTES)},
        {"type": "end_group", "name": ""},
        {"type": "begin_repeat", "name": "evidence", **_labels(_PHOTOS)},
        {"type": "image", "name": "photo", "parameters": "max-pixels=2048", **_labels(_PHOTO)},
        {"type": "end_repeat", "name": ""},
    ]


def choice_rows() -> list[dict[str, str]]:
    """Return the rows of the ``choices`` sheet: inspection results and equipment."""
    rows: list[dict[str, str]] = []
    vocabularies: tuple[tuple[str, tuple[str, ...], Any], ...] = (
        ("result", INSPECTION_RESULTS, inspection_result_labels),
        ("equipment", EQUIPMENT, equipment_labels),
    )
    for list_name, codes, labels in vocabularies:
        per_lang = {column: labels(translator(lang)) for lang, column in LANGUAGES}
        for code in codes:
            row = {"list_name": list_name, "name": code}
            row.update({f"label::{column}": per_lang[column][code] for column in per_lang})
            rows.append(row)
    return rows


def _sheet(book: Any, title: str, rows: list[dict[str, str]], first: bool = False) -> None:
    sheet = book.active if first else book.create_sheet()
    sheet.title = title
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(c, "") for c in columns])


def form_version(survey: list[dict[str, str]], choices: list[dict[str, str]]) -> str:
    """Return a version that changes exactly when the form's content does.

    ODK Central refuses a changed form under a version it already has, and Collect tells form
    versions apart by it; a hash of the sheets needs no one to remember to bump a number.
    """
    content = json.dumps([survey, choices], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()[:10]


def write_form(path: Path | str, *, entity_list: str = "sites", version: str | None = None) -> Path:
    """Write the inspection XLSForm to ``path`` (an ``.xlsx`` file) and return the path.

    ``version`` defaults to :func:`form_version` of the content.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> out = write_form(Path(tempfile.mkdtemp()) / "inspeksi.xlsx")
    >>> openpyxl.load_workbook(out).sheetnames
    ['survey', 'choices', 'settings']
    """
    import openpyxl

    title = {column: translator(lang).gettext(_TITLE) for lang, column in LANGUAGES}
    survey, choices = survey_rows(entity_list=entity_list), choice_rows()
    book = openpyxl.Workbook()
    _sheet(book, "survey", survey, first=True)
    _sheet(book, "choices", choices)
    _sheet(
        book,
        "settings",
        [
            {
                "form_title": title[LANGUAGES[0][1]],
                "form_id": FORM_ID,
                "version": version or form_version(survey, choices),
                "default_language": LANGUAGES[0][1],
                "instance_name": "concat(${site_code}, ' ', ${inspected_on})",
            }
        ],
    )
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out
