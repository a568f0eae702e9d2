"""Permit and land-status layers: dated snapshots, their polygons, the ``FUNGSIKWS`` mapping
and the indicative classification of sites, reports and hotspots (issue 18).

Revision ID: 0011_layers
Revises: 0010_intake_queue
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0011_layers"
down_revision: str | Sequence[str] | None = "0010_intake_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies: a migration must not change when the application's vocabulary does.
KINDS = ("wiup", "kawasan_hutan", "pippib")
FUNCTIONS = (
    "KONSERVASI",
    "HUTAN_LINDUNG",
    "HUTAN_PRODUKSI",
    "HUTAN_PRODUKSI_TERBATAS",
    "HUTAN_PRODUKSI_KONVERSI",
    "APL",
)
PERMIT_CLASSES = ("WIUP_OP", "WIUP_EKSPLORASI", "WIUP_BERAKHIR", "LUAR_WIUP")
DEFAULT_CODES = {
    "1001": "KONSERVASI",
    "1002": "KONSERVASI",
    "1003": "KONSERVASI",
    "1004": "HUTAN_LINDUNG",
    "1005": "HUTAN_PRODUKSI_TERBATAS",
    "1006": "HUTAN_PRODUKSI",
    "1007": "HUTAN_PRODUKSI_KONVERSI",
    "5003": "APL",
    "KSA": "KONSERVASI",
    "KPA": "KONSERVASI",
    "HK": "KONSERVASI",
    "HL": "HUTAN_LINDUNG",
    "HP": "HUTAN_PRODUKSI",
    "HPT": "HUTAN_PRODUKSI_TERBATAS",
    "HPK": "HUTAN_PRODUKSI_KONVERSI",
    "APL": "APL",
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _tz(name: str, **kw: object) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), **kw)  # type: ignore[arg-type]


def _snapshots() -> None:
    op.create_table(
        "layer_snapshots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("snapshot_date", sa.Date, nullable=False),
        _tz("imported_at", nullable=False, server_default=sa.func.now()),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.Column("feature_count", sa.Integer, nullable=False),
        sa.Column("skipped_count", sa.Integer, nullable=False, server_default="0"),
        sa.CheckConstraint(_in("kind", KINDS), name="ck_layer_snapshots_kind"),
    )
    op.create_index("ix_layer_snapshots_kind_imported", "layer_snapshots", ["kind", "imported_at"])
    op.create_table(
        "layer_features",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "snapshot_id",
            sa.Integer,
            sa.ForeignKey("layer_snapshots.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("source_row", sa.Integer, nullable=False),
        sa.Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False),
        sa.Column("attrs", JSONB, nullable=False),
        sa.Column("raw", JSONB, nullable=False),
    )
    op.create_index("ix_layer_features_snapshot_id", "layer_features", ["snapshot_id"])
    op.create_index("idx_layer_features_geom", "layer_features", ["geom"], postgresql_using="gist")
    # Distances are measured on the geography; this index serves ST_DWithin(geog, geog, m).
    op.create_index(
        "ix_layer_features_geog",
        "layer_features",
        [sa.text("(geom::geography)")],
        postgresql_using="gist",
    )


def _forest_functions() -> None:
    table = op.create_table(
        "forest_functions",
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("function", sa.String(30), nullable=False),
        sa.Column("note", sa.Text),
        sa.CheckConstraint(_in("function", FUNCTIONS), name="ck_forest_functions_function"),
    )
    op.bulk_insert(
        table,
        [
            {"code": code, "function": fn, "note": "default; check against the source legend"}
            for code, fn in DEFAULT_CODES.items()
        ],
    )


def _classifications() -> None:
    def snapshot_fk(name: str) -> sa.Column[int]:
        return sa.Column(name, sa.Integer, sa.ForeignKey("layer_snapshots.id", ondelete="SET NULL"))

    op.create_table(
        "layer_classifications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("object_kind", sa.String(10), nullable=False),
        sa.Column("object_id", sa.Integer, nullable=False),
        sa.Column("object_code", sa.String(32), nullable=False),
        sa.Column("permit_class", sa.String(20)),
        sa.Column("permit_share", sa.Float),
        sa.Column("permit_distance_m", sa.Float),
        sa.Column("permit", JSONB),
        sa.Column("forest_flags", sa.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("forest_shares", JSONB, nullable=False, server_default="{}"),
        sa.Column("moratorium", sa.Boolean),
        sa.Column("authority", sa.String(10)),
        snapshot_fk("wiup_snapshot_id"),
        sa.Column("wiup_snapshot_date", sa.Date),
        snapshot_fk("forest_snapshot_id"),
        sa.Column("forest_snapshot_date", sa.Date),
        snapshot_fk("pippib_snapshot_id"),
        sa.Column("pippib_snapshot_date", sa.Date),
        sa.Column("evaluated_on", sa.Date, nullable=False),
        sa.Column("tolerance_m", sa.Float, nullable=False),
        _tz("classified_at", nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("object_kind", "object_id", name="uq_layer_classifications_object"),
        sa.CheckConstraint(
            "object_kind IN ('site', 'report', 'hotspot')", name="ck_layer_class_object_kind"
        ),
        sa.CheckConstraint(
            f"permit_class IS NULL OR {_in('permit_class', PERMIT_CLASSES)}",
            name="ck_layer_class_permit_class",
        ),
        sa.CheckConstraint(
            "authority IS NULL OR authority IN ('PROVINSI', 'PUSAT')",
            name="ck_layer_class_authority",
        ),
    )
    op.create_index(
        "ix_layer_classifications_code", "layer_classifications", ["object_kind", "object_code"]
    )


def upgrade() -> None:
    _snapshots()
    _forest_functions()
    _classifications()


def downgrade() -> None:
    op.drop_table("layer_classifications")
    op.drop_table("forest_functions")
    op.drop_table("layer_features")
    op.drop_table("layer_snapshots")
