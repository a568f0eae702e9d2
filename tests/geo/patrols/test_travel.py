import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pandas as pd
import pytest
from pyproj import Geod

from geo.errors import InputFileError, PlanningError
from geo.patrols.travel import (
    HaversineTravel,
    MatrixTravel,
    OsrmTravel,
    haversine_m,
    read_matrix,
    validate_matrix,
)

POINTS = [(117.1328, -0.4786), (116.986, -0.4204), (117.538, 0.496)]


def test_haversine_close_to_ellipsoid() -> None:
    geod = Geod(ellps="WGS84")
    for a in POINTS:
        for b in POINTS:
            _, _, metres = geod.inv(a[0], a[1], b[0], b[1])
            assert haversine_m(a, b) == pytest.approx(metres, rel=0.005, abs=1)


def test_haversine_matrix_detour_and_speed() -> None:
    m = HaversineTravel(speeds_kmh={"car": 36.0, "boat": 18.0}, detour=1.5)
    car = m.matrix(POINTS, mode="car")
    boat = m.matrix(POINTS, mode="boat")
    straight = haversine_m(POINTS[0], POINTS[1])
    assert car.distances_m[0, 1] == round(straight * 1.5)
    assert car.durations_s[0, 1] == round(straight * 1.5 / 10)  # 36 km/h = 10 m/s
    assert boat.durations_s[0, 1] == pytest.approx(2 * car.durations_s[0, 1], abs=1)
    assert (np.diag(car.durations_s) == 0).all()


def test_unknown_mode() -> None:
    with pytest.raises(PlanningError) as err:
        HaversineTravel().matrix(POINTS, mode="helicopter")
    assert err.value.field == "mode"


@pytest.mark.parametrize(
    ("matrix", "words"),
    [
        ([[0, 1], [1, 0]], "3 x 3"),
        ([[0, 1, 2], [1, 0, -4], [2, 3, 0]], "negative"),
        ([[0, 1, 2], [1, 0, np.nan], [2, 3, 0]], "missing"),
        ([[0, 1, 2], [1, 0, "x"], [2, 3, 0]], "numbers"),
    ],
)
def test_validate_matrix(matrix: object, words: str) -> None:
    with pytest.raises(PlanningError) as err:
        validate_matrix(matrix, 3, field="durations")
    assert err.value.field == "durations"
    assert words in err.value.message


def _write(frame: pd.DataFrame, path: Path) -> None:
    if path.suffix == ".xlsx":
        frame.to_excel(path)
    else:
        frame.to_csv(path)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_user_matrix_file_reordered_by_code(tmp_path: Path, suffix: str) -> None:
    codes = ["SMD", "S-1", "S-2"]
    minutes = pd.DataFrame([[0, 30, 45], [31, 0, 20], [44, 21, 0]], index=codes, columns=codes)
    path = tmp_path / f"m{suffix}"
    _write(minutes, path)
    travel = MatrixTravel(read_matrix(path))
    m = travel.matrix([(0, 0)] * 3, mode="car", keys=["S-2", "SMD", "S-1"])
    assert m.durations_s.tolist() == [
        [0, 44 * 60, 21 * 60],
        [45 * 60, 0, 30 * 60],
        [20 * 60, 31 * 60, 0],
    ]


def test_user_matrix_missing_code_and_negative(tmp_path: Path) -> None:
    codes = ["SMD", "S-1"]
    good = MatrixTravel(pd.DataFrame([[0, 30], [30, 0]], index=codes, columns=codes))
    with pytest.raises(PlanningError, match="S-9"):
        good.matrix([(0, 0)] * 2, mode="car", keys=["SMD", "S-9"])
    bad = MatrixTravel(pd.DataFrame([[0, -30], [30, 0]], index=codes, columns=codes))
    with pytest.raises(PlanningError, match="negative"):
        bad.matrix([(0, 0)] * 2, mode="car", keys=codes)


def test_user_matrix_file_header_mismatch(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("code,A,B\nA,0,1\nC,1,0\n")
    with pytest.raises(InputFileError, match="row codes"):
        read_matrix(path)


class _Osrm(BaseHTTPRequestHandler):
    calls: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        _Osrm.calls.append(self.path)
        coords = self.path.split("/")[4].split("?")[0].split(";")
        pts = [tuple(map(float, c.split(","))) for c in coords]
        query = parse_qs(urlparse(self.path).query)
        src = [int(i) for i in query["sources"][0].split(";")] if "sources" in query else None
        dst = [int(i) for i in query["destinations"][0].split(";")] if "sources" in query else None
        if len(pts) > 6:  # a server started with --max-table-size 6
            self.send_response(400)
            self.end_headers()
            self.wfile.write(json.dumps({"code": "TooBig", "message": "too many"}).encode())
            return
        if len(pts) == 2 and pts[1][0] > 118:
            body = {
                "code": "Ok",
                "durations": [[0, None], [None, 0]],
                "distances": [[0, None], [None, 0]],
            }
        elif self.path.startswith("/table/v1/boat"):
            self.send_response(400)
            self.end_headers()
            self.wfile.write(json.dumps({"code": "InvalidUrl", "message": "no profile"}).encode())
            return
        else:
            rows = [pts[i] for i in src] if src is not None else pts
            cols = [pts[j] for j in dst] if dst is not None else pts
            km = [[abs(a[0] - b[0]) * 111 + abs(a[1] - b[1]) * 50 for b in cols] for a in rows]
            body = {
                "code": "Ok",
                "durations": [[k * 90 for k in row] for row in km],
                "distances": [[k * 1000 for k in row] for row in km],
            }
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def osrm_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Osrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_osrm_table(osrm_url: str) -> None:
    m = OsrmTravel(osrm_url, profiles={"car": "driving", "boat": "boat"}).matrix(POINTS, mode="car")
    assert _Osrm.calls[-1].startswith("/table/v1/driving/117.132800,-0.478600;")
    assert "annotations=duration%2Cdistance" in _Osrm.calls[-1]
    km01 = abs(POINTS[0][0] - POINTS[1][0]) * 111 + abs(POINTS[0][1] - POINTS[1][1]) * 50
    assert m.distances_m[0, 1] == round(km01 * 1000)
    assert m.durations_s[0, 1] == round(km01 * 90)


def test_osrm_large_tables_are_asked_in_blocks(osrm_url: str) -> None:
    points = [(116.9 + 0.05 * i, -0.6 + 0.03 * (i % 4)) for i in range(11)]
    with pytest.raises(PlanningError, match="TooBig"):
        OsrmTravel(osrm_url).matrix(points, mode="car")
    _Osrm.calls.clear()
    blocked = OsrmTravel(osrm_url, max_points=6).matrix(points, mode="car")
    assert all(len(c.split("/")[4].split("?")[0].split(";")) <= 6 for c in _Osrm.calls)
    assert any("sources=" in c for c in _Osrm.calls)
    for i in (0, 4, 10):
        for j in (1, 7, 10):
            km = abs(points[i][0] - points[j][0]) * 111 + abs(points[i][1] - points[j][1]) * 50
            assert blocked.distances_m[i, j] == round(km * 1000)


def test_osrm_no_route_and_errors(osrm_url: str) -> None:
    with pytest.raises(PlanningError, match="no route between point 0 and point 1"):
        OsrmTravel(osrm_url).matrix([(117.0, -0.5), (118.5, -0.5)], mode="car")
    with pytest.raises(PlanningError, match="InvalidUrl") as err:
        OsrmTravel(osrm_url, profiles={"boat": "boat"}).matrix(POINTS, mode="boat")
    assert err.value.field == "osrm_url"
    with pytest.raises(PlanningError, match="did not answer"):
        OsrmTravel("http://127.0.0.1:9", timeout_s=2).matrix(POINTS, mode="car")
