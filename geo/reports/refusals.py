"""Refused rows of a bulk import: English text for logs and tests, the reader's language for people.

A bulk import refuses rows with the messages of :func:`~geo.reports.validation.clean_report`
(catalogue entries). :class:`RowRefusal` keeps the refusal itself, not only its English text, so
that :class:`RowsRefused`, the error listing a file's bad rows, can be shown in Indonesian too:
``str(error)`` is the English listing, ``error.localized(translator("id"))`` the same in
Bahasa Indonesia.

Examples
--------
>>> from geo.errors import ValidationError
>>> from geo.i18n import translator
>>> from geo.reports.fieldrules import RULES
>>> try:
...     RULES["activity"].read("fishing")
... except ValidationError as exc:
...     refusal = RowRefusal("laporan.csv", 7, exc)
>>> print(RowsRefused("laporan.csv", [refusal], total=12))  # doctest: +ELLIPSIS
laporan.csv: 1 of 12 rows are not valid; nothing was imported:
  laporan.csv, row 7: activity: expected one of excavator, ..., got 'fishing'
>>> print(RowsRefused("laporan.csv", [refusal], total=12).localized(translator("id")))
... # doctest: +ELLIPSIS
laporan.csv: 1 dari 12 baris tidak sah; tidak ada yang diimpor:
  laporan.csv, baris 7: activity: nilai 'fishing' tidak dikenal; pilih salah satu dari ...
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from geo.errors import N_, InputFileError, PantauError

if TYPE_CHECKING:
    from geo.i18n import Translator

__all__ = ["RowRefusal", "RowsRefused", "MAX_LISTED"]

#: How many refused rows the listing shows; the others are counted.
MAX_LISTED = 10

_ROW = N_("{file}, row {row}: {refusal}")
_HEADER = N_("{file}: {bad} of {total} rows are not valid; nothing was imported:")
_MORE = N_("... and {more} more")


@dataclass(frozen=True)
class RowRefusal:
    """A refused row: which file, which row (line or feature), and the refusal itself."""

    file: str
    row: int
    error: PantauError

    @property
    def field(self) -> str | None:
        """The refused field."""
        return self.error.field

    @property
    def message(self) -> str:
        """The refusal in English."""
        return self.error.message

    def __str__(self) -> str:
        return _ROW.format(file=self.file, row=self.row, refusal=self.message)

    def localized(self, t: Translator) -> str:
        """Return the row's refusal in ``t``'s language."""
        return t.gettext(_ROW, file=self.file, row=self.row, refusal=self.error.localized(t))


class RowsRefused(InputFileError):
    """A file's rows are refused, so nothing was imported; lists the first of them."""

    def __init__(
        self,
        file: str,
        refusals: Sequence[RowRefusal],
        *,
        total: int,
        listed: int = MAX_LISTED,
    ) -> None:
        self.file = file
        self.refusals = list(refusals)
        self.total = total
        self.listed = listed
        super().__init__(
            self._render(None), field=self.refusals[0].field if self.refusals else None
        )

    def _render(self, t: Translator | None) -> str:
        def say(template: str, **values: object) -> str:
            return template.format(**values) if t is None else t.gettext(template, **values)

        lines = [say(_HEADER, file=self.file, bad=len(self.refusals), total=self.total)]
        for refusal in self.refusals[: self.listed]:
            lines.append("  " + (str(refusal) if t is None else refusal.localized(t)))
        more = len(self.refusals) - self.listed
        if more > 0:
            lines.append("  " + say(_MORE, more=more))
        return "\n".join(lines)

    def localized(self, t: Translator) -> str:
        """Return the listing in ``t``'s language."""
        return self._render(t)
