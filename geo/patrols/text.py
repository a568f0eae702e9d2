"""Texts of a plan that people read later, in their own language: reasons and explanations.

A plan is made once and read in Bahasa Indonesia on the field sheet, in English in a notebook.
So a reason is kept as its catalogue entry and values (a :class:`Message`), and written in the
reader's language only when an export renders it. A :class:`Message` is also a ``str`` (its
English text), so that frames, stored JSON and logs keep working with plain strings.

Examples
--------
>>> from geo.i18n import translator
>>> m = Message("inspected {days} days ago", days=1234)
>>> str(m), localize(translator("id"), m)
('inspected 1,234 days ago', 'diperiksa 1.234 hari lalu')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from geo.i18n import Translator, translator

__all__ = ["Message", "localize", "number"]

#: A value filled into a message: a number (formatted per locale), a text, or a label looked
#: up in the reader's language (``lambda t: labels.site_status(t, code)``).
Value = int | float | str | Callable[[Translator], str]


def number(t: Translator, value: float) -> str:
    """Format a number for ``t``'s locale: whole numbers without decimals, else one decimal."""
    return t.number(value, digits=0 if float(value).is_integer() else 1)


class Message(str):
    """A text from the catalogue with its values; ``str(message)`` is the English text."""

    msgid: str
    values: Mapping[str, Value]

    def __new__(cls, msgid: str, **values: Value) -> Message:
        """Make the message; ``msgid`` must be marked with ``N_`` where it is written."""
        obj = super().__new__(cls, _render(translator("en"), msgid, values))
        obj.msgid = msgid
        obj.values = values
        return obj

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (self.msgid, dict(self.values)))

    def localized(self, t: Translator) -> str:
        """Return the message in ``t``'s language."""
        return _render(t, self.msgid, self.values)


def _rebuild(msgid: str, values: dict[str, Value]) -> Message:
    return Message(msgid, **values)


def _render(t: Translator, msgid: str, values: Mapping[str, Value]) -> str:
    filled: dict[str, str] = {}
    for key, value in values.items():
        if callable(value):
            filled[key] = value(t)
        elif isinstance(value, bool | str):
            filled[key] = str(value)
        else:
            filled[key] = number(t, value)
    return t.gettext(msgid, **filled)


def localize(t: Translator, text: str) -> str:
    """Return ``text`` in ``t``'s language when it is a :class:`Message`, else as it is."""
    return text.localized(t) if isinstance(text, Message) else text
