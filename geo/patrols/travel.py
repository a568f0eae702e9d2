"""Travel-time providers: every one turns a list of points into duration and distance matrices.

The solver only ever sees the matrices, so a road survey spreadsheet, an OSRM server or the
great-circle default all plug in the same way. Durations are whole seconds, distances metres.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from geo.errors import N_, InputFileError, PlanningError
from geo.settings import DEFAULT_SPEEDS_KMH

__all__ = [
    "TravelMatrix",
    "TravelProvider",
    "HaversineTravel",
    "MatrixTravel",
    "OsrmTravel",
    "DEFAULT_SPEEDS_KMH",
    "haversine_m",
    "validate_matrix",
    "read_matrix",
]


_EARTH_RADIUS_M = 6_371_008.8

Point = tuple[float, float]


@dataclass(frozen=True)
class TravelMatrix:
    """Square matrices between the points given to a provider, in the same order."""

    durations_s: NDArray[np.int64]
    distances_m: NDArray[np.int64]

    def __post_init__(self) -> None:
        validate_matrix(self.durations_s, len(self.durations_s), field="durations")
        validate_matrix(self.distances_m, len(self.durations_s), field="distances")


class TravelProvider(Protocol):
    """Anything that gives travel matrices for a list of (lon, lat) points and a vehicle mode."""

    def matrix(
        self, points: Sequence[Point], *, mode: str, keys: Sequence[str] | None = None
    ) -> TravelMatrix:
        """Return the matrices between ``points`` (``keys`` name them, for lookup providers)."""


def validate_matrix(values: object, size: int, *, field: str) -> NDArray[np.int64]:
    """Check that ``values`` is a ``size`` × ``size`` matrix of finite, non-negative numbers.

    Returns the matrix rounded to whole numbers. Raises :class:`PlanningError` naming
    ``field`` and saying what is wrong.

    Examples
    --------
    >>> validate_matrix([[0, 5], [6, 0]], 2, field="durations").tolist()
    [[0, 5], [6, 0]]
    """
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise PlanningError(f"`{field}` must hold numbers only", field=field) from None
    if array.ndim != 2 or array.shape != (size, size):
        raise PlanningError(
            f"`{field}` must be a {size} x {size} matrix (one row and column per base and "
            f"site), got shape {'x'.join(map(str, array.shape))}",
            field=field,
        )
    if not np.isfinite(array).all():
        i, j = np.argwhere(~np.isfinite(array))[0]
        raise PlanningError(
            f"`{field}` has a missing or infinite value at row {i}, column {j}", field=field
        )
    if (array < 0).any():
        i, j = np.argwhere(array < 0)[0]
        raise PlanningError(
            f"`{field}` must not be negative; row {i}, column {j} is {array[i, j]:g}", field=field
        )
    rounded: NDArray[np.int64] = np.rint(array).astype(np.int64)
    return rounded


def haversine_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres between two (lon, lat) points.

    Examples
    --------
    >>> round(haversine_m((117.15, -0.5), (117.15, 0.5)) / 1000)
    111
    """
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class HaversineTravel:
    """Great-circle distance × a detour factor, driven at a speed per vehicle mode.

    Examples
    --------
    >>> m = HaversineTravel().matrix([(117.15, -0.50), (117.15, -0.41)], mode="car")
    >>> int(m.distances_m[0, 1]), int(m.durations_s[0, 1])
    (13010, 1171)
    """

    speeds_kmh: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SPEEDS_KMH))
    detour: float = 1.3

    def matrix(
        self, points: Sequence[Point], *, mode: str, keys: Sequence[str] | None = None
    ) -> TravelMatrix:
        """Return the detoured great-circle matrices between ``points`` for ``mode``."""
        if mode not in self.speeds_kmh:
            raise PlanningError.of(
                N_("vehicle mode must be one of {modes}, got {mode!r}"),
                field="mode",
                modes=sorted(self.speeds_kmh),
                mode=mode,
            )
        speed = self.speeds_kmh[mode]
        if not speed > 0 or not self.detour >= 1:
            raise PlanningError(
                f"speed must be positive and detour at least 1, got {speed} and {self.detour}",
                field="speeds_kmh",
            )
        lon = np.radians([p[0] for p in points])
        lat = np.radians([p[1] for p in points])
        dlat = lat[:, None] - lat[None, :]
        dlon = lon[:, None] - lon[None, :]
        h = (
            np.sin(dlat / 2) ** 2
            + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
        )
        metres = 2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1))) * self.detour
        seconds = metres / (speed * 1000 / 3600)
        return TravelMatrix(np.rint(seconds).astype(np.int64), np.rint(metres).astype(np.int64))


def read_matrix(path: str | Path) -> pd.DataFrame:
    """Read a square matrix from CSV or XLSX: first column and header row are the codes.

    Examples
    --------
    >>> frame = pd.DataFrame({"A": [0, 660], "B": [600, 0]}, index=["A", "B"])
    >>> frame.rename_axis("code").to_csv("durations.csv")
    >>> int(read_matrix("durations.csv").loc["B", "A"])
    660
    """
    path = Path(path)
    try:
        if path.suffix.lower() in {".xlsx", ".xlsm"}:
            frame = pd.read_excel(path, index_col=0, engine="openpyxl")
        else:
            frame = pd.read_csv(path, index_col=0)
    except (OSError, ValueError) as exc:
        raise InputFileError(
            f"{path}: cannot read the travel matrix ({exc})", field="matrix"
        ) from None
    frame.index = frame.index.map(str)
    frame.columns = frame.columns.map(str)
    if list(frame.index) != list(frame.columns):
        raise InputFileError(
            f"{path}: the row codes must be the column codes in the same order "
            f"(rows {list(frame.index)[:5]}..., columns {list(frame.columns)[:5]}...)",
            field="matrix",
        )
    return frame


@dataclass(frozen=True)
class MatrixTravel:
    """Durations (minutes) and optional distances (km) supplied by the user, looked up by code.

    A road survey or a spreadsheet of known trip times: rows and columns are base and site
    codes. Modes share the matrix unless ``per_mode`` gives one per mode.

    Examples
    --------
    >>> import pandas as pd
    >>> codes = ["B1", "S1"]
    >>> travel = MatrixTravel(pd.DataFrame([[0, 30], [35, 0]], index=codes, columns=codes))
    >>> travel.matrix([(0, 0), (0, 0)], mode="car", keys=codes).durations_s.tolist()
    [[0, 1800], [2100, 0]]
    """

    minutes: pd.DataFrame
    km: pd.DataFrame | None = None

    def matrix(
        self, points: Sequence[Point], *, mode: str, keys: Sequence[str] | None = None
    ) -> TravelMatrix:
        """Return the user's matrices re-ordered to ``keys``."""
        if keys is None or len(keys) != len(points):
            raise PlanningError(
                "a user matrix is looked up by code; give one key per point", field="keys"
            )
        durations = self._pick(self.minutes, keys, "durations") * 60
        if self.km is not None:
            distances = self._pick(self.km, keys, "distances") * 1000
        else:
            distances = np.zeros_like(durations)
        return TravelMatrix(
            validate_matrix(durations, len(keys), field="durations"),
            validate_matrix(distances, len(keys), field="distances"),
        )

    @staticmethod
    def _pick(frame: pd.DataFrame, keys: Sequence[str], name: str) -> NDArray[np.float64]:
        n = len(frame)
        validate_matrix(frame.to_numpy(), n, field=name)
        missing = [k for k in keys if k not in frame.index]
        if missing:
            raise PlanningError(
                f"`{name}` matrix has no row/column for {missing[:5]} "
                f"({len(missing)} codes missing of {len(keys)})",
                field=name,
            )
        return frame.loc[list(keys), list(keys)].to_numpy(dtype=float)


@dataclass
class OsrmTravel:
    """Durations and distances from an OSRM server's table service (``/table/v1``).

    OSRM profiles are per server; ``profiles`` maps a vehicle mode to the profile name in the
    URL (``car`` by default). Larger point sets are asked for in blocks of rows and columns
    (``sources``/``destinations``) so that no request exceeds ``max_points``.

    Examples
    --------
    >>> travel = OsrmTravel("http://127.0.0.1:9", timeout_s=2)  # no OSRM server here
    >>> travel.matrix([(117.15, -0.5), (117.2, -0.45)], mode="car")
    Traceback (most recent call last):
    ...
    geo.errors.PlanningError: OSRM server at http://127.0.0.1:9 did not answer ...
    """

    base_url: str
    profiles: Mapping[str, str] = field(default_factory=lambda: {"car": "driving"})
    timeout_s: float = 30.0
    #: Factor on OSRM durations: its speeds assume free-flowing paved roads.
    slowdown: float = 1.0
    #: Most points per request (osrm-routed's ``--max-table-size``, 100 by default).
    max_points: int = 100

    def matrix(
        self, points: Sequence[Point], *, mode: str, keys: Sequence[str] | None = None
    ) -> TravelMatrix:
        """Ask the OSRM table service for all pairs of ``points``, in blocks if needed."""
        n = len(points)
        durations = np.full((n, n), np.nan)
        distances = np.full((n, n), np.nan)
        # osrm-routed refuses tables larger than --max-table-size (100 by default) squared:
        # ask for blocks of rows and columns, each request naming at most max_points points.
        k = n if n <= self.max_points else max(1, self.max_points // 2)
        blocks = [list(range(i, min(i + k, n))) for i in range(0, n, k)]
        for rows in blocks:
            for cols in blocks:
                ids = rows if rows == cols else rows + cols
                body = self._request([points[i] for i in ids], mode, len(rows), same=rows == cols)
                size = (len(rows), len(cols))
                durations[np.ix_(rows, cols)] = self._table(body, "durations", size)
                distances[np.ix_(rows, cols)] = self._table(body, "distances", size)
        for key, table in (("durations", durations), ("distances", distances)):
            if np.isnan(table).any():
                i, j = np.argwhere(np.isnan(table))[0]
                raise PlanningError.of(
                    N_(
                        "OSRM found no route between point {i} and point {j}; give a user "
                        "matrix or move the point onto the road network"
                    ),
                    field=key,
                    i=int(i),
                    j=int(j),
                )
        return TravelMatrix(
            validate_matrix(durations * self.slowdown, n, field="durations"),
            validate_matrix(distances, n, field="distances"),
        )

    def _request(
        self, points: Sequence[Point], mode: str, n_sources: int, *, same: bool
    ) -> Mapping[str, object]:
        import httpx

        profile = self.profiles.get(mode, self.profiles.get("car", "driving"))
        coords = ";".join(f"{lon:.6f},{lat:.6f}" for lon, lat in points)
        url = f"{self.base_url.rstrip('/')}/table/v1/{profile}/{coords}"
        params = {"annotations": "duration,distance"}
        if not same:
            params["sources"] = ";".join(map(str, range(n_sources)))
            params["destinations"] = ";".join(map(str, range(n_sources, len(points))))
        try:
            response = httpx.get(url, params=params, timeout=self.timeout_s)
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise PlanningError.of(
                N_("OSRM server at {url} did not answer the table request ({error})"),
                field="osrm_url",
                url=self.base_url,
                error=str(exc),
            ) from None
        if response.status_code != 200 or not isinstance(body, dict) or body.get("code") != "Ok":
            info = body if isinstance(body, dict) else {}
            raise PlanningError(
                f"OSRM table request failed: HTTP {response.status_code}, "
                f"code {info.get('code')!r}, {info.get('message', '')}",
                field="osrm_url",
            )
        return body

    @staticmethod
    def _table(body: Mapping[str, object], key: str, size: tuple[int, int]) -> NDArray[np.float64]:
        rows = body.get(key)
        if not isinstance(rows, list):
            raise PlanningError(f"OSRM answer has no `{key}` table", field="osrm_url")
        # OSRM answers null for pairs it cannot route (e.g. a site across an unbridged river).
        array = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)
        if array.shape != size:
            raise PlanningError(
                f"OSRM answered a `{key}` table of shape {array.shape}, expected {size}",
                field="osrm_url",
            )
        return array
