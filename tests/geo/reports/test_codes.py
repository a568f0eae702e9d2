from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

import geo.reports.codes as codes
from geo.reports.codes import (
    CODE_ALPHABET,
    MAX_REDRAWS,
    CodeClashError,
    fresh_codes,
    new_code,
    new_codes,
    settle,
)
from geo.reports.intake import submit
from geo.reports.models import Report
from geo.reports.validation import CleanReport
from geo.reports.writer import PreparedRow, report_lines, write_direct, write_staged
from geo.settings import Settings
from tests.geo.reports.conftest import NOW


def _tiny(alphabet: str = "23", seed: int = 7) -> Callable[[int], list[str]]:
    """A generator drawing from len(alphabet)**2 codes only, so that clashes are frequent."""
    rng = random.Random(seed)
    return lambda n: ["PTM-2222" + rng.choice(alphabet) + rng.choice(alphabet) for _ in range(n)]


def _scripted(*first: str) -> Callable[[int], list[str]]:
    """A generator returning ``first`` codes, then real ones."""
    queue = list(first)
    return lambda n: [queue.pop(0) if queue else new_codes(1)[0] for _ in range(n)]


def test_one_generator_keeps_the_format_and_the_alphabet() -> None:
    drawn = new_codes(3000) + [new_code() for _ in range(50)]
    assert all(c[:4] == "PTM-" and len(c) == 10 for c in drawn)
    assert set("".join(c[4:] for c in drawn)) == set(CODE_ALPHABET)
    assert CODE_ALPHABET == "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L


def test_settle_redraws_only_the_clashing_codes_until_none_clash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(codes, "new_codes", _tiny())
    stored = {"PTM-222222", "PTM-222223"}  # 2 of the 4 codes the tiny generator can draw
    taken: set[str] = set()
    tried: list[list[str]] = []

    def clashes(current: list[str]) -> list[int]:
        tried.append(list(current))
        return [i for i, c in enumerate(current) if c in stored]

    start = ["PTM-222222", "PTM-222232", "PTM-222223"]
    got = settle(list(start), clashes, taken=taken)
    assert got[1] == "PTM-222232"  # a code that did not clash is kept
    assert not set(got) & stored and len(tried) >= 2
    assert {got[0], got[2]} <= taken  # redrawn codes are never drawn again in this import
    assert got[0] != got[2]


def test_settle_gives_up_after_the_allowed_redraws() -> None:
    calls = 0

    def always(current: list[str]) -> list[int]:
        nonlocal calls
        calls += 1
        return [0]

    with pytest.raises(CodeClashError, match=f"after {MAX_REDRAWS} redraws"):
        settle(["PTM-222222"], always, taken=set())
    assert calls == MAX_REDRAWS + 1


def test_fresh_codes_never_repeat_a_taken_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codes, "new_codes", _tiny("234"))  # 9 codes
    taken: set[str] = set()
    drawn = fresh_codes(5, taken) + fresh_codes(4, taken)
    assert len(set(drawn)) == 9 and taken == set(drawn)


def test_submit_draws_again_when_its_code_is_taken(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = submit(session=session, channel="web", lat=-0.5, lon=117.1, settings=settings, now=NOW)
    monkeypatch.setattr(codes, "new_codes", _scripted(first.code, first.code))
    second = submit(session=session, channel="web", lat=-0.9, lon=116.2, settings=settings, now=NOW)
    assert second.created and second.code not in (first.code, "")
    assert session.scalar(select(Report.code).where(Report.id == second.id)) == second.code


def _item(n: int) -> PreparedRow:
    clean = CleanReport(
        channel="web",
        received_at=NOW - dt.timedelta(days=n),
        location_source="map_pin",
        activity="other",
        confidentiality="rahasia",
        lat=-0.5 - n / 100,
        lon=117.0,
        description=f"clash test {n}",
    )
    return PreparedRow(n, clean, clean.content_hash())


@pytest.fixture
def stored_code(session: Session, settings: Settings) -> Iterator[str]:
    yield submit(
        session=session, channel="web", lat=-0.3, lon=117.3, settings=settings, now=NOW
    ).code


def test_both_bulk_paths_draw_again_codes_already_stored(
    session: Session, settings: Settings, stored_code: str
) -> None:
    conn = session.connection()
    direct = [_item(1), _item(2)]
    lines = report_lines(direct, [stored_code, stored_code])  # stored, and repeated
    ids = list(conn.execute(text("SELECT nextval(pg_get_serial_sequence('reports', 'id'))"
                                 " FROM generate_series(1, 2)")).scalars())  # fmt: skip
    taken: set[str] = {stored_code}
    write_direct(conn, direct, lines, ids, actor="t", reason="r", taken=taken)
    staged = [_item(3)]
    inserted, _, _ = write_staged(
        conn, staged, actor="t", reason="r", settings=settings, codes=[stored_code], taken=taken
    )
    assert len(inserted) == 1
    written = (
        conn.execute(text("SELECT code FROM reports WHERE description LIKE 'clash test %'"))
        .scalars()
        .all()
    )
    assert len(written) == 3 and len(set(written)) == 3 and stored_code not in written
