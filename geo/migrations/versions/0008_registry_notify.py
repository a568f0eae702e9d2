"""Tell listeners when the site registry changes: ``NOTIFY pantau_registry, 'sites'``.

The HTTP service answers ``GET /sites`` from an in-process cache of feature pages
(:mod:`geo.featurecache`). A statement-level trigger on ``sites`` sends one notification per
writing statement; PostgreSQL delivers notifications when the writing transaction commits
(never for one rolled back, and identical ones of one transaction only once), which is exactly
when every process must drop the pages it holds.

Revision ID: 0008_registry_notify
Revises: 0007_report_matches
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008_registry_notify"
down_revision: str | Sequence[str] | None = "0007_report_matches"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copied, not imported from geo.featurecache, so that this revision keeps meaning what it meant.
CHANNEL = "pantau_registry"


def upgrade() -> None:
    op.execute(
        f"""
CREATE FUNCTION sites_notify_registry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', 'sites');
    RETURN NULL;
END $$;
CREATE TRIGGER sites_notify_registry AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sites
    FOR EACH STATEMENT EXECUTE FUNCTION sites_notify_registry();
"""
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS sites_notify_registry ON sites")
    op.execute("DROP FUNCTION IF EXISTS sites_notify_registry()")
