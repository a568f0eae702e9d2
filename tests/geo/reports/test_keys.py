"""Strong keys outside development, identities readable across a rotation, resumable rotation."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from geo import migrate
from geo.db import make_engine
from geo.errors import ConfigurationError
from geo.reports.intake import submit
from geo.reports.keys import KeyRotation, rotate_identities
from geo.reports.models import Report
from geo.reports.privacy import decrypt_identity, encrypt_identity, reporter_hash
from geo.settings import Settings
from tests.common import TEST_SECRET_KEY

OLD = "old-" + secrets.token_urlsafe(40)
NEW = "new-" + secrets.token_urlsafe(40)


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("", "is empty"),
        ("changethis-development-only", "placeholder"),
        ("short-but-random-9f8e7d", "characters long"),
        ("a" * 60, "distinct characters"),
        ("please-change-me-" + secrets.token_urlsafe(40), "placeholder"),
    ],
)
@pytest.mark.parametrize("environment", ["test", "production"])
def test_weak_keys_are_refused_outside_development(key: str, why: str, environment: str) -> None:
    with pytest.raises(ConfigurationError, match=f"PANTAU_SECRET_KEY.*{why}") as info:
        Settings(environment=environment, secret_key=key, _env_file=None)  # type: ignore[arg-type]
    assert info.value.field == "secret_key"


def test_a_strong_key_and_the_development_placeholder_are_accepted() -> None:
    Settings(environment="production", secret_key=secrets.token_urlsafe(48), _env_file=None)
    Settings(environment="test", secret_key=TEST_SECRET_KEY, _env_file=None)
    assert Settings(environment="development", _env_file=None).secret_key


def test_identities_stay_readable_through_previous_keys() -> None:
    old = Settings(secret_key=OLD, _env_file=None)
    token = encrypt_identity("Budi", settings=old)
    rotated = Settings(secret_key=NEW, previous_secret_keys=(OLD,), _env_file=None)
    assert decrypt_identity(token, settings=rotated) == "Budi"
    with pytest.raises(ConfigurationError, match="PANTAU_PREVIOUS_SECRET_KEYS") as info:
        decrypt_identity(token, settings=Settings(secret_key=NEW, _env_file=None))
    assert info.value.field == "secret_key"


@pytest.fixture
def rotation_db(fresh_database_url: str) -> Iterator[Engine]:
    engine = make_engine(fresh_database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def _reports_under_old_key(engine: Engine, tmp_path_data: Settings, n: int) -> None:
    with Session(engine) as session:
        for i in range(n):
            submit(
                session=session,
                channel="hotline",
                lat=-0.42 + i * 0.01,
                lon=117.0,
                description=f"alat berat {i}",
                reporter_name=f"Pelapor {i}",
                reporter_phone=f"0812-0000-{i:04d}",
                settings=tmp_path_data,
                match=False,
            )
        submit(
            session=session,
            channel="hotline",
            lat=-0.1,
            lon=117.2,
            settings=tmp_path_data,
            description="tanpa identitas",
            match=False,
        )
        session.commit()


def test_rotation_reencrypts_every_identity_and_resumes(
    rotation_db: Engine, tmp_path: pytest.TempPathFactory
) -> None:
    old = Settings(secret_key=OLD, data_dir=tmp_path, _env_file=None)  # type: ignore[arg-type]
    _reports_under_old_key(rotation_db, old, 5)
    new = old.model_copy(update={"secret_key": NEW, "previous_secret_keys": (OLD,)})

    first = rotate_identities(engine=rotation_db, settings=new, batch_size=2, max_batches=1)
    assert (first.rows, first.batches, first.finished) == (2, 1, False)
    rest = rotate_identities(engine=rotation_db, settings=new, batch_size=2)
    assert rest.resumed_after > 0 and rest.rows == 3 and rest.finished

    only_new = Settings(secret_key=NEW, data_dir=tmp_path, _env_file=None)  # type: ignore[arg-type]
    with Session(rotation_db) as session:
        rows = session.execute(
            select(Report.reporter_name_enc, Report.reporter_phone_enc, Report.reporter_hash)
            .where(Report.reporter_phone_enc.is_not(None))
            .order_by(Report.id)
        ).all()
        assert len(rows) == 5
        for i, (name, phone, digest) in enumerate(rows):
            assert decrypt_identity(name, settings=only_new) == f"Pelapor {i}"
            assert digest == reporter_hash(
                decrypt_identity(phone, settings=only_new), settings=only_new
            )
        progress = session.execute(select(KeyRotation)).scalar_one()
        assert progress.rows_done == 5 and progress.finished_at is not None

    again = rotate_identities(engine=rotation_db, settings=new, batch_size=2)
    assert again.rows == 0 and again.finished
