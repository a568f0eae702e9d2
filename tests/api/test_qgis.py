"""The real QGIS (Debian's ``qgis`` and ``python3-qgis``) reads the OGC API with its built-in
Basic authentication: any user name, the API token as password.

QGIS's Python bindings belong to the system Python, so the test runs ``qgis_probe.py`` with
``/usr/bin/python3`` against a real ``pantau serve``. ``scripts/setup-system`` installs QGIS;
without it the test is skipped on a developer's machine and fails under ``CI=true``.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from geo import migrate, sites
from geo.db import make_engine, session_scope
from geo.settings import Settings
from geo.tokens import create_token
from tests.api.conftest import ROOT, Server, bearer, start_server
from tests.common import TEST_SECRET_KEY
from tests.dbutil import throwaway_database

pytestmark = [pytest.mark.qgis, pytest.mark.slow]

SYSTEM_PYTHON = "/usr/bin/python3"
PROBE = Path(__file__).with_name("qgis_probe.py")


def _need_qgis() -> None:
    try:
        found = (
            subprocess.run(
                [SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, timeout=60
            ).returncode
            == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        found = False
    if not found:
        message = (
            f"QGIS's Python bindings are needed in {SYSTEM_PYTHON}: "
            "scripts/setup-system (apt-get install -y qgis python3-qgis)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)  # in CI a skipped client test is a failure
        pytest.skip(message)


def _probe(server: Server, token: str) -> dict[str, Any]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONPATH", None)  # the venv's packages must not shadow the system's
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(
        [SYSTEM_PYTHON, "-X", "faulthandler", str(PROBE), f"{server.url}/ogc", token],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """A server on a database of its own holding exactly the 108 demo sites, and a token.

    The shared API database is not used: other tests (schemathesis as admin) add sites to it.
    """
    with throwaway_database("pantau_qgis") as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        sites.import_file(engine, ROOT / "data" / "sites.geojson", actor="demo")
        with session_scope(engine) as session:
            _, token = create_token(session=session, user="qgis-test", role="analyst")
        engine.dispose()
        settings = Settings(
            environment="test",
            database={"url": url},
            data_dir=tmp_path_factory.mktemp("qgis-var"),
            secret_key=TEST_SECRET_KEY,
        )
        server = start_server(settings)
        try:
            yield server, token
        finally:
            server.stop()


def test_qgis_adds_the_sites_layer_with_basic_authentication(
    demo_server: tuple[Server, str],
) -> None:
    _need_qgis()
    server, token = demo_server
    expected = httpx.get(f"{server.url}/sites?limit=1", headers=bearer(token)).json()[
        "numberMatched"
    ]
    assert expected == 108  # the demo registry, in a database no other test writes to

    good = _probe(server, token)
    assert good["valid"], good["messages"]
    assert good["count"] == expected
    assert good["crs"] in {"OGC:CRS84", "EPSG:4326"}
    assert "authcfg=" in good["uri"]  # the token went through QGIS's auth manager, not the URI
    assert token not in good["uri"]

    wrong = "pt_wrong-token"
    refused = httpx.get(f"{server.url}/ogc/collections/sites", auth=("qgis", wrong))
    assert refused.status_code == 401
    bad = _probe(server, wrong)
    assert not bad["valid"] and bad["count"] == 0
    # Qt's text for an HTTP 401 answer, as QGIS logs it.
    assert any("Host requires authentication" in m for m in bad["messages"]), bad
