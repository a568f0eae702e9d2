"""Store the root of each near-duplicate chain on the report: ``reports.duplicate_root_id``.

Matching, clustering and the queries asked "which report does this duplicate follow in the
end?" by walking ``duplicate_of_id`` up with a recursive CTE, written three times. Linking
(:mod:`geo.reports.dedup`) now stores the answer when it links, so no query walks a chain.
It is NULL for a report that duplicates nothing; for a duplicate it is the report at the top
of its chain (the one whose ``duplicate_of_id`` is NULL). Existing rows are backfilled here
by the last walk; a chain that loops (never made by linking) keeps NULL.

Revision ID: 0011_duplicate_root
Revises: 0010_intake_queue
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_duplicate_root"
down_revision: str | Sequence[str] | None = "0010_intake_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The walk matching used until this revision (cycles stop at 64 links).
_BACKFILL = """
WITH RECURSIVE up AS (
    SELECT d.id AS start, d.duplicate_of_id AS parent, 0 AS depth
      FROM reports d WHERE d.duplicate_of_id IS NOT NULL
    UNION ALL
    SELECT up.start, p.duplicate_of_id, up.depth + 1
      FROM up JOIN reports p ON p.id = up.parent
     WHERE up.depth < 64 AND p.duplicate_of_id IS NOT NULL
), root AS (
    SELECT DISTINCT ON (up.start) up.start AS id, up.parent AS root_id
      FROM up JOIN reports p ON p.id = up.parent
     WHERE p.duplicate_of_id IS NULL
     ORDER BY up.start, up.depth
)
UPDATE reports r SET duplicate_root_id = root.root_id FROM root WHERE r.id = root.id
"""


def upgrade() -> None:
    op.add_column(
        "reports",
        sa.Column(
            "duplicate_root_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="SET NULL"),
            nullable=True,
        ),
    )
    op.execute(_BACKFILL)
    op.create_index("ix_reports_duplicate_root_id", "reports", ["duplicate_root_id"])


def downgrade() -> None:
    op.drop_index("ix_reports_duplicate_root_id", table_name="reports")
    op.drop_column("reports", "duplicate_root_id")
