"""Foundation: PostGIS, sites, field team bases and the append-only site audit trail.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0001_foundation"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COMMODITIES = "('batubara', 'emas', 'pasir', 'batu', 'lainnya')"
STATUSES = "('suspected', 'active', 'inspected', 'sealed', 'dormant', 'legalised')"
RISKS = "('low', 'medium', 'high', 'critical')"


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("geom", Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=False),
        sa.Column("kabupaten", sa.String(100), nullable=False),
        sa.Column("kecamatan", sa.String(100)),
        sa.Column("commodity", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="suspected"),
        sa.Column("risk_level", sa.String(10), nullable=False, server_default="medium"),
        sa.Column("first_reported", sa.Date),
        sa.Column("last_inspected", sa.Date),
        sa.Column("notes", sa.Text),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(f"commodity IN {COMMODITIES}", name="ck_sites_commodity"),
        sa.CheckConstraint(f"status IN {STATUSES}", name="ck_sites_status"),
        sa.CheckConstraint(f"risk_level IN {RISKS}", name="ck_sites_risk_level"),
        sa.CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="ck_sites_geom_valid"),
        sa.CheckConstraint(
            "GeometryType(geom) IN ('POINT', 'POLYGON', 'MULTIPOLYGON')", name="ck_sites_geom_type"
        ),
    )
    op.create_index("idx_sites_geom", "sites", ["geom"], postgresql_using="gist")
    # Distance on the ellipsoid (ST_DWithin on geography) can only use an index built on it.
    op.create_index(
        "ix_sites_geog", "sites", [sa.text("(geom::geography)")], postgresql_using="gist"
    )
    op.create_index("ix_sites_status", "sites", ["status"])

    op.create_table(
        "bases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.Text),
        sa.Column("kabupaten", sa.String(100), nullable=False),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
    )
    op.create_index("idx_bases_geom", "bases", ["geom"], postgresql_using="gist")

    op.create_table(
        "site_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="SET NULL")),
        sa.Column("site_code", sa.String(32), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("source", sa.String(300)),
        sa.Column(
            "changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("changes", JSONB, nullable=False),
        sa.CheckConstraint("action IN ('create', 'update', 'delete')", name="ck_site_audit_action"),
    )
    op.create_index("ix_site_audit_site_code", "site_audit", ["site_code"])
    # The trail is evidence: the database itself refuses to rewrite or remove it.
    op.execute(
        """
        CREATE FUNCTION site_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'site_audit is append-only (% refused)', TG_OP;
        END $$;
        CREATE TRIGGER site_audit_append_only BEFORE UPDATE OR DELETE ON site_audit
            FOR EACH ROW EXECUTE FUNCTION site_audit_append_only();
        CREATE TRIGGER site_audit_no_truncate BEFORE TRUNCATE ON site_audit
            FOR EACH STATEMENT EXECUTE FUNCTION site_audit_append_only();
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS site_audit_no_truncate ON site_audit")
    op.execute("DROP TRIGGER IF EXISTS site_audit_append_only ON site_audit")
    op.execute("DROP FUNCTION IF EXISTS site_audit_append_only()")
    op.drop_table("site_audit")
    op.drop_table("bases")
    op.drop_table("sites")
