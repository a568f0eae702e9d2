"""Property-based tests of every operation against the OpenAPI schema (schemathesis).

Each operation gets a bounded number of generated requests, valid (positive) and invalid
(negative), as the public and as an admin. No response may be a 5xx, and each must match the
status codes, content types and body schemas the OpenAPI document declares.

Hypothesis drives schemathesis's strategies directly (schemathesis's lazy pytest loader does
not work with pytest 9), one operation at a time, and every failure is collected before the
test fails so that one run shows them all.
"""

from __future__ import annotations

import time

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import bearer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 6}
#: Operations that do seconds of work per valid call (a solver run and six exports).
SLOW = {"POST /patrols/plans": 2, "GET /maps/overview": 3, "GET /maps/briefing.{fmt}": 1}


def _fuzz(client: TestClient, headers: dict[str, str]) -> list[str]:
    api = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    failures: list[str] = []
    for result in api.get_all_operations():
        operation = result.ok()
        for mode, examples in EXAMPLES.items():

            @settings(
                max_examples=min(examples, SLOW.get(operation.label, examples)),
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                pass  # no parameters, so no invalid request can be generated for it
            except Exception as exc:  # noqa: BLE001 - collect every operation's failure
                failures.append(f"{operation.label} [{mode}]: {str(exc)[:1500]}")
    return failures


def test_every_operation_as_admin(client: TestClient, tokens: dict[str, str]) -> None:
    started = time.monotonic()
    failures = _fuzz(client, bearer(tokens["admin"]))
    assert not failures, "\n\n".join(failures)
    assert time.monotonic() - started < 300  # bounded: a runaway generator is a bug here


def test_every_operation_as_public(client: TestClient) -> None:
    failures = _fuzz(client, {})
    assert not failures, "\n\n".join(failures)
