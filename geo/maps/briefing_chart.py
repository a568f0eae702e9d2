"""A bar chart of reports per month as inline SVG, made in Python (no JavaScript, prints as is).

Month names and numbers come from the translator, so the chart reads in the briefing's
language; every text is escaped.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

from geo.i18n import Translator

__all__ = ["trend_svg"]

_W, _H = 520, 170
_LEFT, _BOTTOM, _TOP = 8, 28, 16


def trend_svg(months: Sequence[tuple[dt.date, int]], t: Translator, *, title: str) -> str:
    """Return an ``<svg>`` bar chart of ``(first day of month, count)`` pairs.

    Each bar carries its count above it and its month below it (``Jan 26``) in ``t``'s
    language; ``title`` names the chart for screen readers.

    Examples
    --------
    >>> from geo.i18n import translator
    >>> svg = trend_svg([(dt.date(2026, 10, 1), 1200), (dt.date(2026, 11, 1), 3)],
    ...                 translator("id"), title="Laporan per bulan")
    >>> svg.startswith("<svg") and "1.200" in svg and "Okt" in svg
    True
    """
    n = max(len(months), 1)
    top = max((c for _, c in months), default=0) or 1
    slot = (_W - _LEFT * 2) / n
    bar = slot * 0.7
    plot_h = _H - _BOTTOM - _TOP
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend" viewBox="0 0 {_W} {_H}" '
        f'role="img" aria-label="{html.escape(title)}">',
        f"<title>{html.escape(title)}</title>",
        f'<line x1="{_LEFT}" y1="{_H - _BOTTOM}" x2="{_W - _LEFT}" y2="{_H - _BOTTOM}" '
        'stroke="#666" stroke-width="1"/>',
    ]
    for i, (month, count) in enumerate(months):
        h = plot_h * count / top
        x = _LEFT + i * slot + (slot - bar) / 2
        y = _H - _BOTTOM - h
        cx = x + bar / 2
        label = t.date(month, format="MMM yy")
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="#3b6ea5"/>'
            f'<text x="{cx:.1f}" y="{y - 3:.1f}" font-size="10" text-anchor="middle">'
            f"{html.escape(t.number(count))}</text>"
            f'<text x="{cx:.1f}" y="{_H - _BOTTOM + 14:.1f}" font-size="10" '
            f'text-anchor="middle">{html.escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
