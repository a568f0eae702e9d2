"""Store each report's most urgent running clock: ``report_clocks``, kept fresh by triggers.

The console's inbox computed every report's clocks on every request (one second a page at 10^5
reports). It now reads them from ``report_clocks`` (:mod:`geo.reports.clock_store`): one row
per report, ``rule`` NULL when no clock runs. A clock's state at a moment follows from its
``due_at`` and ``soon_at``; ``valid_until`` (NULL: for ever) is when another running clock of
the same report may become the more urgent one, ``computed_at`` the moment it was chosen for.
The database forgets a stored clock whenever what it was computed from changes, so no write
path can leave a stale one: a trigger on ``reports`` (a new report; a change of status,
received time, duplicate link or channel ticket) and one on ``report_status_history`` (a new
history row) delete that report's row, under a shared advisory lock the inbox's refill takes
exclusively (so a refill never stores a clock computed before a write it could not see).
``report_clock_basis`` holds the fingerprint of the calendar and rules the stored clocks were
computed with; when it differs they are all cleared.

Revision ID: 0150_report_clocks
Revises: 0002_reports
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0150_report_clocks"
down_revision: str | Sequence[str] | None = "0002_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The advisory lock key shared with geo.reports.clock_store.LOCK_KEY ('clocks' in ASCII).
LOCK_KEY = 0x636C6F636B73

_FUNCTION = f"""
CREATE FUNCTION forget_report_clock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared({LOCK_KEY});
  DELETE FROM report_clocks WHERE report_id = NEW.id;
  RETURN NULL;
END $$
"""

#: Inserts (a COPY of 10^5 reports, their first history rows) forget once per statement.
_FUNCTION_INSERTED = f"""
CREATE FUNCTION forget_inserted_report_clocks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared({LOCK_KEY});
  IF TG_TABLE_NAME = 'reports' THEN
    DELETE FROM report_clocks c USING inserted i WHERE c.report_id = i.id;
  ELSE
    DELETE FROM report_clocks c USING inserted i WHERE c.report_id = i.report_id;
  END IF;
  RETURN NULL;
END $$
"""


def upgrade() -> None:
    """Create the stored clocks, the basis fingerprint and the triggers that forget them."""
    op.create_table(
        "report_clocks",
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("rule", sa.String(40)),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("due_at", sa.DateTime(timezone=True)),
        sa.Column("soon_at", sa.DateTime(timezone=True)),
        sa.Column("valid_until", sa.DateTime(timezone=True)),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_report_clocks_due_at", "report_clocks", ["due_at"])
    # The refresh's checks for rows to recompute: valid_until <= now OR computed_at > now.
    op.create_index("ix_report_clocks_valid_until", "report_clocks", ["valid_until"])
    op.create_index("ix_report_clocks_computed_at", "report_clocks", ["computed_at"])
    # The inbox's reports without a running clock come newest first, read from this index.
    op.create_index("ix_reports_received_at_id", "reports", ["received_at", "id"])
    op.create_table(
        "report_clock_basis",
        sa.Column("id", sa.Boolean, primary_key=True, server_default=sa.true()),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.CheckConstraint("id", name="ck_report_clock_basis_one_row"),
    )
    op.execute(_FUNCTION)
    op.execute(_FUNCTION_INSERTED)
    op.execute(
        "CREATE TRIGGER report_clock_new AFTER INSERT ON reports REFERENCING NEW TABLE AS "
        "inserted FOR EACH STATEMENT EXECUTE FUNCTION forget_inserted_report_clocks()"
    )
    # Row-level: a trigger with a column list cannot have a transition table.
    op.execute(
        "CREATE TRIGGER report_clock_changed "
        "AFTER UPDATE OF status, received_at, duplicate_of_id, external_id ON reports "
        "FOR EACH ROW EXECUTE FUNCTION forget_report_clock()"
    )
    op.execute(
        "CREATE TRIGGER report_clock_history AFTER INSERT ON report_status_history "
        "REFERENCING NEW TABLE AS inserted "
        "FOR EACH STATEMENT EXECUTE FUNCTION forget_inserted_report_clocks()"
    )


def downgrade() -> None:
    """Drop the triggers, their functions and the stored clocks."""
    op.execute("DROP TRIGGER report_clock_history ON report_status_history")
    op.execute("DROP TRIGGER report_clock_changed ON reports")
    op.execute("DROP TRIGGER report_clock_new ON reports")
    op.execute("DROP FUNCTION forget_inserted_report_clocks()")
    op.execute("DROP FUNCTION forget_report_clock()")
    op.drop_table("report_clock_basis")
    op.drop_index("ix_reports_received_at_id", table_name="reports")
    op.drop_table("report_clocks")
