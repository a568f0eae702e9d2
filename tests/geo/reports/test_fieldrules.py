"""Each field rule refuses alike in clean_report and the bulk checker, in both languages.

The cases are derived from the table itself (a rule's vocabulary, bounds, length limit and
kind), so a rule added to ``FIELD_RULES`` is tested here without a new test.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

import pytest

from geo.errors import ValidationError
from geo.i18n import translator
from geo.reports.bulkcheck import clean_many, seal
from geo.reports.config import ReportSettings
from geo.reports.fieldrules import (
    BAD_TIME,
    FIELD_RULES,
    FUTURE_TIME,
    NUL_CHARACTER,
    REQUIRED_CHOICE,
    TOO_LONG,
    UNKNOWN_CHOICE,
    FieldRule,
)
from geo.reports.privacy import IdentityCache
from geo.reports.validation import (
    LAT_WITHOUT_LON,
    NO_LOCATION,
    NULL_ISLAND,
    OBSERVED_AFTER_RECEIVED,
    OUTSIDE_INDONESIA,
    ROW_REFUSALS,
    SWAPPED,
    CleanReport,
    clean_report,
)
from geo.settings import Settings
from tests.geo.reports.conftest import NOW

S = Settings(secret_key="unit-test-key")
LIMITS = ReportSettings()
#: An ordinary row every rule accepts; each case changes one field of it.
BASE: dict[str, Any] = {
    "channel": "web",
    "received_at": "2026-01-09T08:00:00+00:00",
    "lat": "-0.5",
    "lon": "117.1",
}


def _refusals(rule: FieldRule) -> list[tuple[Any, str]]:
    """Values ``rule`` must refuse, each with the message it must refuse it with."""
    if rule.kind == "choice":
        cases: list[tuple[Any, str]] = [(f"zz_{rule.name}", UNKNOWN_CHOICE)]
        if rule.required:
            cases.append(("  ", REQUIRED_CHOICE))
    elif rule.kind == "text":
        cases = [("a\x00b", NUL_CHARACTER)]
        if rule.max_length:
            cases.append(("x" * (rule.max_length + 1), TOO_LONG))
    elif rule.kind == "number":
        assert rule.not_valid and rule.out_of_range
        cases = [("abc", rule.not_valid), ("nan", rule.not_valid), (True, rule.not_valid)]
        if rule.low is not None:
            cases.append((str(rule.low - 1), rule.out_of_range))
        if rule.high is not None:
            cases.append((str(rule.high + 1), rule.out_of_range))
    else:
        future = (NOW + dt.timedelta(days=2)).isoformat()
        cases = [("kemarin", BAD_TIME), (future, FUTURE_TIME)]
    return cases


def _accepted(rule: FieldRule) -> list[Any]:
    """Values ``rule`` itself accepts (another check may still refuse the row)."""
    if rule.kind == "choice":
        spelled = (code.upper().replace("_", " ") for code in rule.vocabulary)
        return [*rule.vocabulary, *rule.aliases, *spelled, ""]
    if rule.kind == "text":
        return ["  padded  ", "x" * (rule.max_length or 10), ""]
    if rule.kind == "number":
        return [b for b in (rule.low, rule.high) if b is not None] + [""]
    return ["24/12/2025 09:30", "2025-12-24T09:30:00+08:00", ""]


FIELD_CASES = [
    pytest.param(rule, value, template, id=f"{rule.name}-{i}")
    for rule in FIELD_RULES
    for i, (value, template) in enumerate(_refusals(rule))
]

#: A row refused by each rule across fields; every one of ROW_REFUSALS must have one.
ROW_CASES: dict[str, dict[str, Any]] = {
    OBSERVED_AFTER_RECEIVED: {
        "received_at": "2026-01-08T08:00:00+00:00",
        "observed_at": "2026-01-09T08:00:00+00:00",
    },
    LAT_WITHOUT_LON: {"lon": None},
    SWAPPED: {"lat": "117.1", "lon": "-0.5"},
    NULL_ISLAND: {"lat": "0", "lon": "0"},
    OUTSIDE_INDONESIA: {"lat": "1.35", "lon": "83.8"},
    NO_LOCATION: {"lat": "", "lon": ""},
}

#: Words an Indonesian message keeps: field names, codes, place names, NUL.
CODES = {
    w.lower()
    for rule in FIELD_RULES
    for w in (rule.name, *rule.vocabulary, *rule.aliases, *re.split(r"_", rule.name))
} | {"lat", "lon", "indonesia", "kalimantan", "nul"}


def _verdicts(row: dict[str, Any]) -> tuple[CleanReport | None, CleanReport | ValidationError]:
    """The bulk checker's verdict on ``row`` (amid ordinary rows) and clean_report's."""
    rows = [BASE] * 5 + [row] + [BASE] * 5
    cache = IdentityCache(S)
    fast = clean_many(rows, identities=cache, report_settings=LIMITS, now=NOW)
    assert all(p is not None for i, p in enumerate(fast) if i != 5), "ordinary rows proven"
    try:
        full: CleanReport | ValidationError = clean_report(
            row, settings=S, report_settings=LIMITS, now=NOW
        )
    except ValidationError as exc:
        full = exc
    return (None if fast[5] is None else seal(fast[5], cache)), full


def _refusal(row: dict[str, Any]) -> ValidationError:
    bulk, full = _verdicts(row)
    assert bulk is None, f"the bulk checker accepted a row clean_report refuses: {row!r}"
    assert isinstance(full, ValidationError), f"clean_report accepted {row!r}"
    return full


def _comparable(report: CleanReport) -> dict[str, Any]:
    values = dataclasses.asdict(report)
    for ciphertext in ("reporter_name_enc", "reporter_phone_enc"):
        values.pop(ciphertext)  # Fernet is randomised
    return values


@pytest.mark.parametrize(("rule", "value", "template"), FIELD_CASES)
def test_each_rule_refuses_alike_in_bulk_and_one_by_one(
    rule: FieldRule, value: Any, template: str
) -> None:
    error = _refusal({**BASE, rule.name: value})
    assert (error.field, error.template) == (rule.name, template), error.message
    assert error.template in rule.templates
    assert str(error) == template.format(**error.values)
    assert str(error).startswith(f"{rule.name}: ")


@pytest.mark.parametrize("rule", FIELD_RULES, ids=lambda r: r.name)
def test_each_rule_accepts_alike_in_bulk_and_one_by_one(rule: FieldRule) -> None:
    for value in _accepted(rule):
        row = {**BASE, rule.name: value}
        bulk, full = _verdicts(row)
        if isinstance(full, ValidationError):
            assert bulk is None, f"{row!r}: clean_report refuses ({full}), the bulk checker not"
            continue
        assert bulk is not None, f"{row!r}: an ordinary value left unproven"
        assert _comparable(bulk) == _comparable(full), row


def test_every_rule_across_fields_has_a_case() -> None:
    assert set(ROW_CASES) == set(ROW_REFUSALS)


@pytest.mark.parametrize("template", ROW_REFUSALS, ids=lambda t: t[:30])
def test_each_rule_across_fields_refuses_alike(template: str) -> None:
    error = _refusal({**BASE, **ROW_CASES[template]})
    assert error.template == template, error.message
    assert str(error) == template.format(**error.values)


def _english_words(template: str) -> set[str]:
    literal = re.sub(r"\{[^}]*\}", " ", template)
    return {w.lower() for w in re.findall(r"[A-Za-z]{2,}", literal)} - CODES


def _assert_reads_in_indonesian(error: ValidationError) -> None:
    assert error.template is not None
    english, indonesian = str(error), error.localized(translator("id"))
    assert indonesian and indonesian != english
    words = {w.lower() for w in re.findall(r"[A-Za-z]{2,}", indonesian)}
    left = _english_words(error.template) & words
    assert not left, f"English words {sorted(left)} in: {indonesian}"
    assert error.localized(translator("en")) == english


@pytest.mark.parametrize(("rule", "value", "template"), FIELD_CASES)
def test_each_field_refusal_reads_in_indonesian(rule: FieldRule, value: Any, template: str) -> None:
    _assert_reads_in_indonesian(_refusal({**BASE, rule.name: value}))


@pytest.mark.parametrize("template", ROW_REFUSALS, ids=lambda t: t[:30])
def test_each_refusal_across_fields_reads_in_indonesian(template: str) -> None:
    _assert_reads_in_indonesian(_refusal({**BASE, **ROW_CASES[template]}))


def test_a_bad_phone_number_reads_in_indonesian_without_the_number() -> None:
    error = _refusal({**BASE, "reporter_phone": "12-34"})
    text = error.localized(translator("id"))
    assert "12-34" not in text and "angka" in text
    _assert_reads_in_indonesian(error)


def test_the_indonesian_text_names_the_value_and_the_vocabulary() -> None:
    error = _refusal({**BASE, "channel": "sms"})
    assert error.localized(translator("id")) == (
        "channel: nilai 'sms' tidak dikenal; pilih salah satu dari "
        "hotline, lapor, web, field_team, media, satellite"
    )
