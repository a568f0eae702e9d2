"""Signing in to the console: passwords, disabled accounts, session expiry, sign-out, CSRF,
rate limits, and the users command that makes the accounts."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.main import create_app
from geo import accounts
from geo.db import make_engine, session_scope
from geo.settings import Settings
from tests.console.conftest import (
    PASSWORD,
    ROOT,
    World,
    csrf_of,
    sign_in,
    sign_in_as,
)


def _sql(settings: Settings, sql: str, **params: object) -> list[tuple[object, ...]]:
    engine = make_engine(settings.database.url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql), params)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def test_sign_in_sets_a_protected_cookie_and_shows_beranda(new_client: TestClient) -> None:
    answer = sign_in(new_client, "analyst")
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"].lower()
    assert "pantau_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    home = new_client.get("/")
    assert "Uji analyst" in home.text and "Laporan" in home.text
    assert "Content-Security-Policy" in home.headers


def test_signed_out_pages_go_to_the_sign_in_page(new_client: TestClient, world: World) -> None:
    for path in ("/laporan", f"/laporan/{world.received[0]}", "/hotspot"):
        answer = new_client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/?next=")
    assert 'name="password"' in new_client.get("/").text


def test_a_wrong_password_is_refused_in_indonesian(new_client: TestClient) -> None:
    answer = sign_in(new_client, "analyst", password="bukan-sandinya")
    assert answer.status_code == 401
    assert "salah" in answer.text and "pantau_session" not in answer.headers.get("set-cookie", "")
    assert 'name="password"' in new_client.get("/").text


def test_a_disabled_account_cannot_sign_in_and_loses_its_sessions(
    new_client: TestClient, console_settings: Settings
) -> None:
    engine = make_engine(console_settings.database.url)
    try:
        with session_scope(engine) as session:
            accounts.create_user(
                session=session, username="mantan", role="analyst", password=PASSWORD
            )
        assert sign_in_as(new_client, "mantan", PASSWORD).status_code == 303
        assert new_client.get("/laporan", follow_redirects=False).status_code == 200
        with session_scope(engine) as session:
            accounts.disable_user(session=session, username="mantan")
    finally:
        engine.dispose()
    assert new_client.get("/laporan", follow_redirects=False).status_code == 303
    assert sign_in_as(new_client, "mantan", PASSWORD).status_code == 401


@pytest.mark.parametrize(
    "column, age", [("last_seen_at", "31 minutes"), ("created_at", "13 hours")]
)
def test_a_session_ends_when_idle_or_too_old(
    new_client: TestClient, console_settings: Settings, column: str, age: str
) -> None:
    assert sign_in(new_client, "field_officer").status_code == 303
    assert new_client.get("/laporan", follow_redirects=False).status_code == 200
    _sql(
        console_settings,
        f"UPDATE staff_sessions s SET {column} = now() - interval '{age}' "  # noqa: S608
        "FROM users u WHERE u.id = s.user_id AND u.username = 'uji-field-officer'",
    )
    answer = new_client.get("/laporan", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/?next=%2Flaporan"
    again = new_client.get("/laporan", follow_redirects=False)
    assert again.status_code == 303  # the expired row is gone, not revived


def test_signing_out_deletes_the_session(
    new_client: TestClient, console_settings: Settings
) -> None:
    sign_in(new_client, "admin")
    cookie = new_client.cookies.get("pantau_session")
    assert cookie
    before = _sql(console_settings, "SELECT count(*) FROM staff_sessions")[0][0]
    token = csrf_of(new_client)
    answer = new_client.post("/keluar", data={"csrf_token": token})
    assert answer.status_code == 200 and "keluar" in answer.text.lower()
    after = _sql(console_settings, "SELECT count(*) FROM staff_sessions")[0][0]
    assert after == int(str(before)) - 1
    with TestClient(new_client.app) as replay:  # the old cookie no longer opens anything
        replay.cookies.set("pantau_session", cookie)
        assert replay.get("/laporan", follow_redirects=False).status_code == 303


def test_a_post_without_the_csrf_token_is_refused(
    new_client: TestClient, console_settings: Settings, world: World
) -> None:
    sign_in(new_client, "admin")
    code = world.received[1]
    url = f"/laporan/{code}/status"
    missing = new_client.post(url, data={"to": "verified"})
    wrong = new_client.post(url, data={"to": "verified", "csrf_token": "x" * 43})
    for answer in (missing, wrong):
        assert answer.status_code == 403
        assert "Muat ulang halaman" in answer.text
    new_client.cookies.set("pantau_lang", "en")
    english = new_client.post(url, data={"to": "verified"})
    assert english.status_code == 403 and "Reload the page" in english.text
    status = _sql(console_settings, "SELECT status FROM reports WHERE code = :c", c=code)
    assert status[0][0] == "received"


def test_the_sign_in_form_needs_its_own_csrf_cookie(new_client: TestClient) -> None:
    answer = new_client.post(
        "/masuk", data={"username": "uji-admin", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert answer.status_code == 403 and "pantau_session" not in new_client.cookies


def test_sign_in_attempts_are_rate_limited(console_settings: Settings) -> None:
    strict = console_settings.model_copy(
        update={"console": console_settings.console.model_copy(update={"login_rate_per_minute": 3})}
    )
    with TestClient(create_app(strict)) as client:
        codes = [sign_in_as(client, "uji-tebak", "tebakan-salah-1").status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        last = sign_in_as(client, "uji-tebak", "tebakan-salah-1")
        assert last.status_code == 429 and "Terlalu banyak" in last.text
        # The right password is refused too while the limit holds: no guessing around it.
        assert sign_in(client, "admin").status_code == 429


def run_users(settings: Settings, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PANTAU_DATABASE_URL": settings.database.url,
        "PANTAU_SECRET_KEY": settings.secret_key,
        "PANTAU_ENVIRONMENT": "test",
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "geo.cli", "--lang", "en", "users", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


@pytest.mark.slow
def test_the_users_command_makes_accounts_that_sign_in(
    new_client: TestClient, console_settings: Settings
) -> None:
    made = run_users(
        console_settings,
        "create",
        "Siti",
        "--role",
        "intake_operator",
        "--password-stdin",
        stdin="sandi-siti-panjang\n",
    )
    assert made.returncode == 0, made.stderr
    assert "siti" in made.stdout and "sandi-siti" not in made.stdout
    stored = _sql(console_settings, "SELECT password_hash FROM users WHERE username = 'siti'")
    assert str(stored[0][0]).startswith("$argon2id$")
    short = run_users(
        console_settings,
        "create",
        "dodi",
        "--role",
        "analyst",
        "--password-stdin",
        stdin="pendek\n",
    )
    assert short.returncode != 0 and "at least 10" in short.stderr + short.stdout
    assert sign_in_as(new_client, "siti", "sandi-siti-panjang").status_code == 303
    assert run_users(console_settings, "disable", "siti").returncode == 0
    assert new_client.get("/laporan", follow_redirects=False).status_code == 303
    listed = run_users(console_settings, "list")
    assert "siti" in listed.stdout and "intake_operator" in listed.stdout
    reset = run_users(
        console_settings, "reset-password", "siti", "--password-stdin", stdin="sandi-baru-siti-2\n"
    )
    assert reset.returncode == 0
    assert sign_in_as(new_client, "siti", "sandi-siti-panjang").status_code == 401
    assert sign_in_as(new_client, "siti", "sandi-baru-siti-2").status_code == 303
