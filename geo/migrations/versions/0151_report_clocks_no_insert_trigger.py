"""Drop the trigger that forgot the stored clocks of newly inserted reports: there are none.

A new report's id has never had a ``report_clocks`` row (ids are never reused, and a deleted
report's row goes with it: ``ON DELETE CASCADE``), so ``report_clock_new`` deleted nothing.
It still cost every insert a transition table of the whole new ``reports`` rows, written to
temporary files for an import's large COPY batches: a 10^5-report import took 13-60 % longer
than before the stored clocks (``benchmarks/reports.py``, 2026-12-01). What the trigger also
did, take the shared advisory lock a refill of the stored clocks takes exclusively, is still
done for every new report by the trigger on its first ``report_status_history`` row, in the
same transaction; and a refill cannot see, so cannot store, a clock of a report it does not see.

Revision ID: 0151_report_clocks_insert
Revises: 0150_report_clocks
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0151_report_clocks_insert"
down_revision: str | Sequence[str] | None = "0150_report_clocks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Drop the insert trigger on ``reports`` (its function serves the history trigger still)."""
    op.execute("DROP TRIGGER report_clock_new ON reports")


def downgrade() -> None:
    """Put the insert trigger back."""
    op.execute(
        "CREATE TRIGGER report_clock_new AFTER INSERT ON reports REFERENCING NEW TABLE AS "
        "inserted FOR EACH STATEMENT EXECUTE FUNCTION forget_inserted_report_clocks()"
    )
