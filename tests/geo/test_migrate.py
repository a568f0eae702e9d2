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


def test_duplicate_roots_are_backfilled(fresh_database_url: str) -> None:
    """0011 stores the top of every existing duplicate chain, however long, and none on roots."""
    eng = make_engine(fresh_database_url)
    try:
        migrate.upgrade(eng, "0010_intake_queue")
        with eng.begin() as conn:
            ids = (
                conn.execute(
                    text(
                        "INSERT INTO reports (code, channel, received_at, location_source, geom)"
                        " SELECT 'MIG-' || i, 'hotline', now(), 'device_gps',"
                        " ST_SetSRID(ST_MakePoint(117, -0.5), 4326) FROM generate_series(1, 6) i"
                        " ORDER BY i RETURNING id"
                    )
                )
                .scalars()
                .all()
            )
            a, b, c, d, e, f = ids
            # a <- b <- c (a chain of two steps), a <- d, e <- f
            links = [(b, a), (c, b), (d, a), (f, e)]
            conn.execute(
                text("UPDATE reports SET duplicate_of_id = :p WHERE id = :i"),
                [{"p": p, "i": i} for i, p in links],
            )
        migrate.upgrade(eng)
        with eng.connect() as conn:
            roots = dict(conn.execute(text("SELECT id, duplicate_root_id FROM reports")).all())
            indexes = {i["name"] for i in inspect(conn).get_indexes("reports")}
        assert roots == {a: None, b: a, c: a, d: a, e: None, f: e}
        assert "ix_reports_duplicate_root_id" in indexes
    finally:
        eng.dispose()
