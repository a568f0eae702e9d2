"""API tokens: hashed at rest, roles checked, revocation final."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geo.errors import NotFound, ValidationError
from geo.tokens import ApiToken, create_token, hash_token, list_tokens, revoke_token, verify_token


def test_token_is_stored_only_as_a_digest(session: Session) -> None:
    row, secret = create_token(session=session, user="rina", role="analyst")
    stored = session.execute(
        text("SELECT token_hash, display FROM api_tokens WHERE id = :id"), {"id": row.id}
    ).one()
    assert secret.startswith("ptm_") and len(secret) > 40
    assert stored.token_hash == hash_token(secret) != secret
    assert secret not in stored.token_hash
    assert secret.startswith(stored.display) and len(stored.display) < len(secret) // 3


def test_verify_gives_user_and_role(session: Session) -> None:
    _, secret = create_token(session=session, user="budi", role="field_officer")
    principal = verify_token(session=session, token=secret)
    assert principal is not None
    assert (principal.user, principal.role, principal.is_public) == ("budi", "field_officer", False)
    assert verify_token(session=session, token=secret + "x") is None
    assert verify_token(session=session, token="not-even-prefixed") is None


def test_revoked_token_no_longer_verifies(session: Session) -> None:
    row, secret = create_token(session=session, user="sari", role="admin")
    revoked = revoke_token(session=session, token_id=row.id)
    first_time = revoked.revoked_at
    assert verify_token(session=session, token=secret) is None
    assert revoke_token(session=session, token_id=row.id).revoked_at == first_time
    assert row.id not in [t.id for t in list_tokens(session=session)]
    assert row.id in [t.id for t in list_tokens(session=session, include_revoked=True)]
    with pytest.raises(NotFound):
        revoke_token(session=session, token_id=987654)


@pytest.mark.parametrize(
    ("user", "role", "field"),
    [("x", "superuser", "role"), ("", "admin", "user"), ("a\nb", "admin", "user")],
)
def test_bad_token_requests_name_the_field(
    session: Session, user: str, role: str, field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        create_token(session=session, user=user, role=role)
    assert info.value.field == field


def test_every_role_is_accepted_by_the_table(session: Session) -> None:
    from geo.tokens import ROLES

    for role in ROLES:
        create_token(session=session, user=f"u-{role}", role=role)
    roles = set(session.scalars(select(ApiToken.role)))
    assert set(ROLES) <= roles
