"""Operators' decisions on near-duplicate links, and an audit trail of every link change.

An operator can unlink a wrong near duplicate and merge a missed one (issue 13). The automatic
linker (:mod:`geo.reports.dedup`) must then respect those decisions: ``report_link_decisions``
holds the current decision for a pair of reports (``not_duplicate`` after an unlink,
``duplicate`` after a merge) with who took it, when and why; the pair is stored once, lower id
first. ``report_link_events`` is the append-only trail of every change of a report's link
(``duplicate_of_id``), by an operator or by the linker (actor ``system:dedup``), read back as
the group's history.

Revision ID: 0070_report_link_decisions
Revises: 0011_duplicate_root
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0070_report_link_decisions"
down_revision: str | Sequence[str] | None = "0011_duplicate_root"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _report(name: str) -> sa.Column[int]:
    return sa.Column(
        name, sa.Integer, sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "report_link_decisions",
        _report("low_id"),
        _report("high_id"),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column(
            "decided_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("low_id", "high_id", name="pk_report_link_decisions"),
        sa.CheckConstraint("low_id < high_id", name="ck_report_link_decisions_order"),
        sa.CheckConstraint(
            "decision IN ('duplicate', 'not_duplicate')", name="ck_report_link_decisions_decision"
        ),
    )
    op.create_index("ix_report_link_decisions_high_id", "report_link_decisions", ["high_id"])
    op.create_table(
        "report_link_events",
        sa.Column("id", sa.Integer, primary_key=True),
        _report("report_id"),
        sa.Column("event", sa.String(20), nullable=False),
        # Plain ids, no foreign keys: an ON DELETE SET NULL would rewrite the trail.
        sa.Column("from_id", sa.Integer),
        sa.Column("to_id", sa.Integer),
        sa.Column("other_id", sa.Integer),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(
            "event IN ('linked', 'unlinked', 'merged', 'moved')", name="ck_report_link_events_event"
        ),
    )
    op.create_index("ix_report_link_events_report_id", "report_link_events", ["report_id", "at"])
    op.create_index("ix_report_link_events_other_id", "report_link_events", ["other_id"])
    # The trail is evidence of how complaints were grouped: never rewritten.
    op.execute(
        """
        CREATE FUNCTION report_link_events_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM reports WHERE id = OLD.report_id)
            THEN
                RETURN OLD;  -- cascading from a deleted report (tests, erasure requests)
            END IF;
            RAISE EXCEPTION 'report_link_events is append-only (% refused)', TG_OP;
        END $$;
        CREATE TRIGGER report_link_events_append_only
            BEFORE UPDATE OR DELETE ON report_link_events
            FOR EACH ROW EXECUTE FUNCTION report_link_events_append_only();
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS report_link_events_append_only ON report_link_events")
    op.execute("DROP FUNCTION IF EXISTS report_link_events_append_only()")
    op.drop_table("report_link_events")
    op.drop_table("report_link_decisions")
