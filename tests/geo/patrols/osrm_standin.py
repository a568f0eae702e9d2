"""A tiny OSRM stand-in on loopback: every trip takes 10 minutes and is 7 km long.

No real road network gives the same time for every pair of points, so a plan whose legs all
take 10.0 minutes and 7.0 km can only have used this server. It answers OSRM's ``table``
service (``/table/v1/<profile>/<lon,lat;...>``, with ``sources``/``destinations`` for the
blocks :class:`~geo.patrols.travel.OsrmTravel` asks for) in OSRM's JSON shape.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

LEG_S = 600
LEG_M = 7000


@dataclass
class Standin:
    """The server's URL and the paths it was asked for."""

    url: str
    calls: list[str] = field(default_factory=list)


def _handler(calls: list[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server API
            calls.append(self.path)
            parsed = urlsplit(self.path)
            n = len(parsed.path.split("/")[4].split(";"))
            query = parse_qs(parsed.query)
            rows = (
                [int(i) for i in query["sources"][0].split(";")]
                if "sources" in query
                else list(range(n))
            )
            cols = (
                [int(i) for i in query["destinations"][0].split(";")]
                if "destinations" in query
                else list(range(n))
            )
            same = "sources" not in query
            body = {
                "code": "Ok",
                "durations": [[0 if same and i == j else LEG_S for j in cols] for i in rows],
                "distances": [[0 if same and i == j else LEG_M for j in cols] for i in rows],
            }
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def osrm_standin() -> Iterator[Standin]:
    """Run the stand-in on a free loopback port for the duration of the block."""
    calls: list[str] = []
    server = HTTPServer(("127.0.0.1", 0), _handler(calls))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Standin(f"http://127.0.0.1:{server.server_port}", calls)
    finally:
        server.shutdown()
        server.server_close()


def used_standin(legs: list[tuple[float, float]]) -> bool:
    """Whether every (travel_min, travel_km) leg is the stand-in's 10 min and 7 km."""
    return bool(legs) and all(leg == (LEG_S / 60, LEG_M / 1000) for leg in legs)
