import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from geo import migrate
from geo.db import make_engine


def test_round_trip_upgrade_downgrade_upgrade(fresh_database_url: str) -> None:
    # A database of its own: the round trip drops every table.
    eng = make_engine(fresh_database_url)
    try:
        migrate.upgrade(eng)
        assert migrate.current_revisions(eng) == migrate.head_revisions(eng)
        assert {"sites", "bases", "site_audit"} <= set(inspect(eng).get_table_names())
        migrate.downgrade(eng, "base")
        assert migrate.current_revisions(eng) == set()
        assert not {"sites", "bases", "site_audit"} & set(inspect(eng).get_table_names())
        migrate.upgrade(eng)
        assert migrate.current_revisions(eng) == migrate.head_revisions(eng)
    finally:
        eng.dispose()


def test_geography_distance_query_uses_an_index(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                text(
                    "EXPLAIN SELECT id FROM sites WHERE ST_DWithin(geom::geography, "
                    "ST_SetSRID(ST_MakePoint(117.1, -0.5), 4326)::geography, 1000)"
                )
            )
        )
    assert "ix_sites_geog" in plan


def test_audit_trail_refuses_update_and_delete(engine: Engine) -> None:
    with engine.connect() as conn:
        tx = conn.begin()
        conn.execute(
            text(
                "INSERT INTO site_audit (site_code, action, actor, changes) "
                "VALUES ('X-1', 'create', 'test', '{}')"
            )
        )
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text("UPDATE site_audit SET actor = 'someone else'"))
        tx.rollback()
        for statement in ("DELETE FROM site_audit", "TRUNCATE site_audit"):
            tx = conn.begin()
            conn.execute(
                text(
                    "INSERT INTO site_audit (site_code, action, actor, changes) "
                    "VALUES ('X-1', 'create', 'test', '{}')"
                )
            )
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(statement))
            tx.rollback()
