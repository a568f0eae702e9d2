"""The inspection XLSForm converts with ODK's own pyxform, with no error and no warning."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import pytest
from pyxform.xls2xform import convert

from geo.cli import main
from geo.odk.form import (
    EQUIPMENT,
    FORM_ID,
    LANGUAGES,
    choice_rows,
    form_version,
    survey_rows,
    write_form,
)
from geo.patrols.models import INSPECTION_RESULTS
from geo.patrols.service import InspectionRequest


@pytest.fixture(scope="module")
def xlsform(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_form(tmp_path_factory.mktemp("odk") / "inspeksi.xlsx")


def test_pyxform_converts_it_without_warnings(xlsform: Path) -> None:
    warnings: list[str] = []
    result = convert(xlsform=str(xlsform), warnings=warnings)
    assert warnings == []
    assert result.warnings == []
    xml = result.xform
    assert f'id="{FORM_ID}"' in xml
    assert "jr://file-csv/sites.csv" in xml  # the site list attachment, as an Entity List CSV
    assert 'lang="Bahasa Indonesia (id)" default="true()"' in xml
    assert 'lang="English (en)"' in xml
    assert 'type="geopoint"' in xml and 'appearance="map"' in xml
    assert 'nodeset="/data/evidence/photo" type="binary"' in xml


def test_field_names_are_the_inspection_use_case_s(xlsform: Path) -> None:
    names = {r["name"] for r in survey_rows(entity_list="sites")}
    request_fields = {f.name for f in dataclasses.fields(InspectionRequest)}
    assert {"site_code", "inspected_on", "team", "result", "notes"} <= names & request_fields
    assert {"location", "equipment", "photo"} <= names


def test_choices_are_the_inspection_results_and_equipment_labelled_in_both_languages() -> None:
    rows = choice_rows()
    assert tuple(r["name"] for r in rows if r["list_name"] == "result") == INSPECTION_RESULTS
    assert tuple(r["name"] for r in rows if r["list_name"] == "equipment") == EQUIPMENT
    for row in rows:
        labels = [row[f"label::{column}"] for _, column in LANGUAGES]
        assert all(labels), row
    sealed = next(r for r in rows if r["name"] == "sealed")
    assert sealed["label::Bahasa Indonesia (id)"] == "disegel"
    excavator = next(r for r in rows if r["name"] == "excavator")
    assert excavator["label::Bahasa Indonesia (id)"] == "ekskavator"


def test_every_survey_label_is_translated(xlsform: Path) -> None:
    sheet = openpyxl.load_workbook(xlsform)["survey"]
    header = [c.value for c in sheet[1]]
    id_col, en_col = (
        header.index("label::Bahasa Indonesia (id)"),
        header.index("label::English (en)"),
    )
    labelled = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[en_col]]
    assert labelled and all(r[id_col] for r in labelled)
    assert any(r[id_col] != r[en_col] for r in labelled)
    assert sum(r[id_col] == r[en_col] for r in labelled) <= 1  # "Status"-like words only


def test_cli_writes_the_form(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "f" / "inspeksi.xlsx"
    main(["odk", "form", "--out", str(out)])
    assert out.is_file()
    assert openpyxl.load_workbook(out).sheetnames == ["survey", "choices", "settings"]


def test_the_version_follows_the_content() -> None:
    survey, choices = survey_rows(entity_list="sites"), choice_rows()
    assert form_version(survey, choices) == form_version(survey_rows(entity_list="sites"), choices)
    assert form_version(survey, choices) != form_version(survey_rows(entity_list="situs"), choices)
