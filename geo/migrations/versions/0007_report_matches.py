"""Report-to-site matches move from ``reports`` into the narrow ``report_matches`` table.

A full matching run writes one result per report. Stored in ``reports`` (twelve indexes, two of
them GiST), every result made a new version of a wide row that entered every index: ~200 s
for 10^6 reports, against ~3 s for inserting the same results into a table of five columns
with one primary key and one index. Matches are derived data (recomputed from the report's
point and the registry), so they live beside the report, not in it.

Revision ID: 0007_report_matches
Revises: 0004_hotspots
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_report_matches"
down_revision: str | Sequence[str] | None = "0004_hotspots"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copied, not imported, so that this revision keeps meaning what it meant when written.
MATCH_RULES = (
    "('within_polygon', 'nearest_within_radius', 'none_within_radius', 'follows_original')"
)


def upgrade() -> None:
    op.create_table(
        "report_matches",
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="SET NULL")),
        sa.Column("distance_m", sa.Float),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column(
            "matched_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint(f"rule IN {MATCH_RULES}", name="ck_report_matches_rule"),
    )
    op.create_index("ix_report_matches_site_id", "report_matches", ["site_id"])
    op.execute(
        """
        INSERT INTO report_matches (report_id, site_id, distance_m, rule, matched_at)
        SELECT id, matched_site_id, match_distance_m, match_rule, coalesce(matched_at, now())
          FROM reports WHERE match_rule IS NOT NULL
        """
    )
    op.drop_index("ix_reports_matched_site_id", table_name="reports")
    for column in ("matched_site_id", "match_distance_m", "match_rule", "matched_at"):
        op.drop_column("reports", column)


def downgrade() -> None:
    op.add_column(
        "reports",
        sa.Column("matched_site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="SET NULL")),
    )
    op.add_column("reports", sa.Column("match_distance_m", sa.Float))
    op.add_column("reports", sa.Column("match_rule", sa.String(40)))
    op.add_column("reports", sa.Column("matched_at", sa.DateTime(timezone=True)))
    op.create_index("ix_reports_matched_site_id", "reports", ["matched_site_id"])
    op.execute(
        """
        UPDATE reports r
           SET matched_site_id = m.site_id, match_distance_m = m.distance_m,
               match_rule = m.rule, matched_at = m.matched_at
          FROM report_matches m WHERE m.report_id = r.id
        """
    )
    op.drop_table("report_matches")
