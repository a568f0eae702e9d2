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


_TRIGGERS = """
CREATE FUNCTION report_matches_forget_reports() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE report_matches;
    ELSE
        DELETE FROM report_matches m USING gone g WHERE m.report_id = g.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER reports_forget_matches AFTER DELETE ON reports
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION report_matches_forget_reports();
CREATE TRIGGER reports_truncate_matches AFTER TRUNCATE ON reports
    FOR EACH STATEMENT EXECUTE FUNCTION report_matches_forget_reports();

CREATE FUNCTION report_matches_forget_sites() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE report_matches SET site_id = NULL WHERE site_id IS NOT NULL;
    ELSE
        UPDATE report_matches m SET site_id = NULL FROM gone g WHERE m.site_id = g.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER sites_forget_matches AFTER DELETE ON sites
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION report_matches_forget_sites();
CREATE TRIGGER sites_truncate_matches AFTER TRUNCATE ON sites
    FOR EACH STATEMENT EXECUTE FUNCTION report_matches_forget_sites();
"""


def upgrade() -> None:
    op.create_table(
        "report_matches",
        sa.Column("report_id", sa.Integer, primary_key=True),
        sa.Column("site_id", sa.Integer),
        sa.Column("distance_m", sa.Float),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column(
            "matched_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint(f"rule IN {MATCH_RULES}", name="ck_report_matches_rule"),
    )
    op.create_index("ix_report_matches_site_id", "report_matches", ["site_id"])
    # No foreign keys: their per-row checks made storing 10^6 matches take 16 s instead of 3.
    # Only geo.matching writes here, from ids it has just read; what the keys' ON DELETE
    # actions did is done by statement-level triggers, once per statement.
    op.execute(_TRIGGERS)
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
    op.execute("DROP TRIGGER sites_truncate_matches ON sites")
    op.execute("DROP TRIGGER sites_forget_matches ON sites")
    op.execute("DROP TRIGGER reports_truncate_matches ON reports")
    op.execute("DROP TRIGGER reports_forget_matches ON reports")
    op.drop_table("report_matches")
    op.execute("DROP FUNCTION report_matches_forget_sites()")
    op.execute("DROP FUNCTION report_matches_forget_reports()")
