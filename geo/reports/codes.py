"""Public tracking codes of reports: one generator and one retry policy for every writer.

A tracking code is ``PTM-`` and 6 characters of :data:`CODE_ALPHABET` (31^6, about 8.9 * 10^8
codes, ~30 bits), drawn from the operating system's CSPRNG so that nobody can guess the code of
someone else's report. Codes are unique in ``reports``; a new code clashes with a stored one
about once in 10^9 per stored report. Every writer (:func:`geo.reports.submit` for one report,
the importer's COPY and staging paths for many) draws with :func:`fresh_codes` and settles
clashes with :func:`settle`: draw again the codes that clashed, at most :data:`MAX_REDRAWS`
times, then refuse rather than let a row vanish unnoticed.

Examples
--------
>>> taken: set[str] = set()
>>> codes = fresh_codes(3, taken)
>>> all(c.startswith("PTM-") and len(c) == 10 for c in codes), taken == set(codes)
(True, True)
>>> settle(codes, lambda current: set(), taken=taken) == codes  # nothing clashes
True
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection

import numpy as np

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "CODE_PREFIX",
    "MAX_REDRAWS",
    "CodeClashError",
    "fresh_codes",
    "new_code",
    "new_codes",
    "settle",
]

#: Letters and digits that cannot be misread over the phone (no 0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
CODE_PREFIX = "PTM-"
#: Times the clashing codes of one write are drawn again before giving up. Ten clashes in a row
#: never happen with 31^6 codes; they would mean an exhausted code space or a broken generator.
MAX_REDRAWS = 10

_CODE_SPACE = len(CODE_ALPHABET) ** CODE_LENGTH
_ALPHABET = np.array(list(CODE_ALPHABET))


class CodeClashError(RuntimeError):
    """Tracking codes kept clashing with stored ones after every allowed redraw."""


def new_codes(n: int) -> list[str]:
    """Return ``n`` random tracking codes (not checked against anything).

    Drawn from the operating system's CSPRNG 64 bits at a time (the modulo bias over 31^6 codes
    is below 10^-10); the last character is the most significant digit.

    Examples
    --------
    >>> codes = new_codes(3)
    >>> len(codes), all(c.startswith("PTM-") and len(c) == 10 for c in codes)
    (3, True)
    """
    if n <= 0:
        return []
    values = np.frombuffer(secrets.token_bytes(8 * n), dtype=np.uint64) % np.uint64(_CODE_SPACE)
    digits = np.empty((n, CODE_LENGTH), dtype=np.int64)
    base = np.uint64(len(CODE_ALPHABET))
    for i in range(CODE_LENGTH):
        digits[:, i] = values % base
        values = values // base
    chars = _ALPHABET[digits]
    return [CODE_PREFIX + "".join(row) for row in chars.tolist()]


def new_code() -> str:
    """Return one random tracking code.

    Examples
    --------
    >>> code = new_code()
    >>> code.startswith("PTM-") and len(code) == 10
    True
    """
    return new_codes(1)[0]


def fresh_codes(n: int, taken: set[str]) -> list[str]:
    """Return ``n`` new tracking codes, none of them in ``taken``, and add them to it.

    An import keeps every code it drew in ``taken``: two of its writers inserting the same
    code would each wait for the other's open transaction.

    Examples
    --------
    >>> taken = set()
    >>> codes = fresh_codes(3, taken)
    >>> len(set(codes)), taken == set(codes)
    (3, True)
    """
    codes = new_codes(n)
    for i, code in enumerate(codes):
        while code in taken:
            code = new_codes(1)[0]
        codes[i] = code
        taken.add(code)
    return codes


def settle(
    codes: list[str],
    clashes: Callable[[list[str]], Collection[int]],
    *,
    taken: set[str],
) -> list[str]:
    """Try ``codes`` and draw again those that clash, until none does; return them.

    ``clashes`` tries the codes as they are (checks them, or writes the rows that carry them)
    and returns the positions of the codes that clashed with stored ones; an empty answer ends
    the loop. Clashing codes are replaced in place by :func:`fresh_codes` (never one of
    ``taken``, which gains them) and tried again, at most :data:`MAX_REDRAWS` times.

    Raises
    ------
    CodeClashError
        Codes still clashed after :data:`MAX_REDRAWS` redraws.

    Examples
    --------
    >>> stored = {"PTM-222222"}
    >>> settle(["PTM-222222"], lambda cs: [i for i, c in enumerate(cs) if c in stored],
    ...        taken=set())[0] != "PTM-222222"
    True
    """
    for attempt in range(MAX_REDRAWS + 1):
        clashing = clashes(codes)
        if not clashing:
            return codes
        if attempt == MAX_REDRAWS:
            break
        for i in clashing:
            codes[i] = fresh_codes(1, taken)[0]
    raise CodeClashError(
        f"{len(clashing)} tracking codes still clashed after {MAX_REDRAWS} redraws; "
        "nothing was left unwritten silently"
    )
