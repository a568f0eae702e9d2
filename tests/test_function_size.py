"""No function in ``geo/`` or ``api/`` is longer than 80 lines, so each reads on one screen.

A function's length is ``end_lineno - lineno + 1`` of its ``def`` (decorators excluded) minus
the lines of its docstring: the numpydoc docstring with its runnable ``Examples`` is the part we
want more of, and counting it would make people cut examples to meet the limit. Nested functions
count inside their parent and on their own. Alembic revisions (``geo/migrations/versions``) are
left out: they are history, replayed as written, never edited to shrink.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 80
PACKAGES = ("geo", "api")


def length(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from ``def`` to the function's last line, its docstring left out."""
    lines = (node.end_lineno or node.lineno) - node.lineno + 1
    first = node.body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        lines -= (first.end_lineno or first.lineno) - first.lineno + 1
    return lines


def long_functions(limit: int = LIMIT) -> list[tuple[str, int]]:
    """Return ``("path:line name", length)`` of every function longer than ``limit`` lines."""
    found: list[tuple[str, int]] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations/versions" in path.as_posix():
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                if (n := length(node)) > limit:
                    where = f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
                    found.append((where, n))
    return sorted(found, key=lambda item: -item[1])


def test_the_measure_counts_code_and_not_the_docstring() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(LIMIT))
    doc = '    """One line.\n\n    Examples\n    --------\n    >>> f()\n    """\n'
    for source in (f"def f():\n{body}\n", f"def f():\n{doc}{body}\n"):
        node = ast.parse(source).body[0]
        assert isinstance(node, ast.FunctionDef)
        assert length(node) == LIMIT + 1
    short = ast.parse("def g():\n    return 1\n").body[0]
    assert isinstance(short, ast.FunctionDef) and length(short) == 2


def test_no_function_is_longer_than_the_limit() -> None:
    offenders = long_functions()
    listing = "\n".join(f"  {where}: {length} lines" for where, length in offenders)
    assert not offenders, f"{len(offenders)} function(s) over {LIMIT} lines:\n{listing}"
