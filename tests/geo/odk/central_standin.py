"""A small ODK Central on 127.0.0.1 speaking the documented REST shapes pyodk uses.

Sessions (``POST /v1/sessions`` with e-mail and password, then ``Authorization: Bearer``), the
project's Entity Lists (``/datasets``: list, create, properties, entities, the OData
``.svc/Entities`` table, PATCH with ``baseVersion``, DELETE), the OData submissions table
(``/forms/{id}.svc/Submissions``) and submission attachments. Like Central, it refuses entity
data whose properties were not created first, and a PATCH on a stale ``baseVersion``.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

EMAIL = "tim@esdm.example.id"
PASSWORD = "rahasia-lapangan"  # noqa: S105 - a stand-in's password, not a secret
PROJECT = 3
NOW = "2026-11-30T01:00:00.000Z"


@dataclass
class CentralState:
    """What the stand-in holds and what it was asked."""

    form_id: str = "pantau_inspeksi"
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)
    submissions: list[dict[str, Any]] = field(default_factory=list)
    attachments: dict[tuple[str, str], bytes] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)


def _handler(state: CentralState) -> type[BaseHTTPRequestHandler]:
    ds = rf"/v1/projects/{PROJECT}/datasets"
    form = rf"/v1/projects/{PROJECT}/forms/{state.form_id}"

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep the test output quiet
            pass

        def _send(self, status: int, body: Any, raw: bytes | None = None) -> None:
            data = raw if raw is not None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if raw is None else "image/jpeg")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _json(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"null")

        def _route(self, method: str) -> None:
            url = urlsplit(self.path)
            path, query = unquote(url.path), parse_qs(url.query)
            state.requests.append((method, self.path))
            if method == "POST" and path == "/v1/sessions":
                body = self._json()
                if body == {"email": EMAIL, "password": PASSWORD}:
                    return self._send(200, {"token": state.token, "expiresAt": NOW})
                return self._send(401, {"code": 401.2, "message": "Could not authenticate."})
            if self.headers.get("Authorization") != f"Bearer {state.token}":
                return self._send(401, {"code": 401.2, "message": "Could not authenticate."})
            return self._dispatch(method, path, query)

        def _dispatch(self, method: str, path: str, query: dict[str, list[str]]) -> None:
            if path == ds and method == "GET":
                keys = ("name", "projectId", "createdAt", "approvalRequired")
                return self._send(200, [{k: d[k] for k in keys} for d in state.datasets.values()])
            if path == ds and method == "POST":
                body = self._json()
                entry = {
                    "name": body["name"],
                    "projectId": PROJECT,
                    "createdAt": NOW,
                    "approvalRequired": body.get("approvalRequired", False),
                    "properties": [],
                    "entities": {},
                }
                state.datasets[body["name"]] = entry
                return self._send(
                    200, {k: v for k, v in entry.items() if k not in ("entities", "properties")}
                )
            m = re.fullmatch(
                rf"{ds}/([^/.]+)(\.svc/Entities|/properties|/entities)(?:/(.+))?", path
            )
            if m and m.group(1) in state.datasets:
                return self._entities(
                    method, state.datasets[m.group(1)], m.group(2), m.group(3), query
                )
            if path == f"{form}.svc/Submissions" and method == "GET":
                return self._send(200, {"value": state.submissions})
            m = re.fullmatch(rf"{form}/submissions/([^/]+)/attachments/(.+)", path)
            if m and method == "GET":
                content = state.attachments.get((m.group(1), m.group(2)))
                if content is None:
                    return self._send(404, {"code": 404.1, "message": "Not found."})
                return self._send(200, None, raw=content)
            return self._send(404, {"code": 404.1, "message": "Not found."})

        def _entities(
            self,
            method: str,
            dataset: dict[str, Any],
            part: str,
            entity_id: str | None,
            query: dict[str, list[str]],
        ) -> None:
            ents: dict[str, dict[str, Any]] = dataset["entities"]
            if part == ".svc/Entities" and method == "GET":
                rows = [
                    {
                        "__id": k,
                        "label": e["label"],
                        "__system": {"version": e["version"]},
                        **e["data"],
                    }
                    for k, e in ents.items()
                ]
                return self._send(200, {"value": rows})
            if part == "/properties" and method == "POST":
                dataset["properties"].append(self._json()["name"])
                return self._send(200, {"success": True})
            if part == "/entities" and method == "POST" and entity_id is None:
                body = self._json()
                for e in body["entities"]:
                    if set(e["data"]) - set(dataset["properties"]):
                        return self._send(400, {"code": 400.28, "message": "unknown property"})
                for e in body["entities"]:
                    ents[str(uuid.uuid4())] = {"label": e["label"], "data": e["data"], "version": 1}
                return self._send(200, {"success": True})
            if part == "/entities" and entity_id in ents and method == "PATCH":
                e = ents[entity_id]
                if query.get("baseVersion") != [str(e["version"])]:
                    return self._send(409, {"code": 409.15, "message": "stale version"})
                body = self._json()
                e["label"] = body.get("label", e["label"])
                e["data"] = {**e["data"], **body.get("data", {})}
                e["version"] += 1
                version = {
                    "label": e["label"],
                    "current": True,
                    "createdAt": NOW,
                    "creatorId": 1,
                    "userAgent": "x",
                    "version": e["version"],
                    "data": e["data"],
                }
                return self._send(
                    200,
                    {
                        "uuid": entity_id,
                        "creatorId": 1,
                        "createdAt": NOW,
                        "currentVersion": version,
                    },
                )
            if part == "/entities" and entity_id in ents and method == "DELETE":
                del ents[entity_id]
                return self._send(200, {"success": True})
            return self._send(404, {"code": 404.1, "message": "Not found."})

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self._route("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._route("POST")

        def do_PATCH(self) -> None:  # noqa: N802
            self._route("PATCH")

        def do_DELETE(self) -> None:  # noqa: N802
            self._route("DELETE")

    return Handler


@contextmanager
def central_stand_in(state: CentralState) -> Iterator[str]:
    """Serve ``state`` on a free port of 127.0.0.1; yield the base URL (without ``/v1``)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
