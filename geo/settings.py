"""One settings tree for the whole process: a root :class:`Settings` with a section per concern.

Every field is read from a ``PANTAU_*`` environment variable (or ``.env``). Root fields are
``PANTAU_<FIELD>``; a section's fields are ``PANTAU_<SECTION>_<FIELD>``, e.g.
``PANTAU_DATABASE_URL``, ``PANTAU_PATROLS_OSRM_URL``, ``PANTAU_API_DEFER_INTAKE``. The tree is read
once per process (:func:`get_settings`) and passed down: into the app factory
(``api.main.create_app(settings=...)``), the CLI context and the use cases. Domain functions take
the section they need as an argument and never build settings themselves, so that a test, a
notebook or an adapter can inject its own.

Examples
--------
>>> s = Settings(patrols={"detour": 1.5}, _env_file=None)
>>> s.patrols.detour, s.matching.radius_m
(1.5, 1000.0)
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from geo.alerts.config import AlertSettings
from geo.errors import ConfigurationError
from geo.layers.config import LayerSettings
from geo.odk.config import OdkSettings
from geo.province import DEFAULT_PROVINCE, Province, load_province

__all__ = [
    "Settings",
    "DatabaseSettings",
    "ReportSettings",
    "MatchSettings",
    "HotspotSettings",
    "PrioritySettings",
    "PatrolSettings",
    "MapSettings",
    "ApiSettings",
    "WhatsAppSettings",
    "AlertSettings",
    "ConsoleSettings",
    "get_settings",
    "DEFAULT_DATABASE_URL",
    "DEFAULT_SPEEDS_KMH",
    "DEV_SECRET",
    "REPO_ROOT",
    "weak_secret_reason",
]

DEFAULT_DATABASE_URL = "postgresql+psycopg://pantau:pantau@127.0.0.1:5432/pantau"
#: Placeholder secret accepted only when ``PANTAU_ENVIRONMENT=development``.
DEV_SECRET = "changethis-development-only"
#: The repository root when running from a checkout (``node_modules/`` is installed here).
REPO_ROOT = Path(__file__).resolve().parents[1]
#: Average speed in km/h along the detoured great-circle line, per vehicle mode. Kaltim's
#: interior roads are unsealed mining and plantation tracks; river boats follow meanders.
DEFAULT_SPEEDS_KMH: dict[str, float] = {"car": 40.0, "4wd": 30.0, "motorbike": 35.0, "boat": 25.0}


class _Section(BaseModel):
    """A section of the tree: plain, validated, and strict about unknown names."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


class DatabaseSettings(_Section):
    """The PostGIS database (``PANTAU_DATABASE_*``)."""

    url: str = DEFAULT_DATABASE_URL


class ReportSettings(_Section):
    """Intake limits and deduplication thresholds (``PANTAU_REPORTS_*``).

    The complaint clocks are not here: they live in the ``clock_rules`` table so that the agency
    can change them without a deployment (see :mod:`geo.reports.clocks`).
    """

    #: A photo whose EXIF position is farther than this from the claimed point is flagged.
    exif_max_distance_m: float = Field(default=2000.0, gt=0)
    #: A photo taken more than this many days before the observation is flagged.
    exif_max_age_days: float = Field(default=30.0, gt=0)
    #: Reports by the same (or an unknown) reporter this close in space and time are near
    #: duplicates of the earliest one.
    near_duplicate_distance_m: float = Field(default=200.0, ge=0)
    near_duplicate_hours: float = Field(default=48.0, ge=0)
    #: Size limits of evidence files, per kind.
    max_photo_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    max_video_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    #: Rows written per transaction by the bulk importer.
    import_batch_size: int = Field(default=2000, gt=0)
    #: Clock skew tolerated before a time counts as "in the future".
    future_tolerance_s: float = Field(default=300.0, ge=0)


class MatchSettings(_Section):
    """Report-to-site matching (``PANTAU_MATCHING_*``)."""

    #: A report further than this from every site is not matched (metres on the ellipsoid).
    radius_m: float = Field(default=1000.0, gt=0, le=50_000)


class HotspotSettings(_Section):
    """Hotspot clustering (``PANTAU_HOTSPOTS_*``)."""

    #: DBSCAN neighbourhood radius in metres.
    eps_m: float = Field(default=300.0, gt=0, le=20_000)
    #: Reports needed within ``eps_m`` of a report to make it a core of a hotspot.
    min_reports: int = Field(default=3, ge=1, le=1000)
    #: Only reports observed in the last N days count (None: all reports).
    window_days: int | None = Field(default=None, ge=1)
    #: Metric CRS (EPSG code) the points are projected to for DBSCAN.
    srid: int = 32750
    #: Margin around the hull of a promoted hotspot to make the new site's polygon, metres.
    promote_buffer_m: float = Field(default=100.0, gt=0, le=5000)


class PrioritySettings(_Section):
    """Weights of the site priority score (``PANTAU_PRIORITY_*``)."""

    half_life_days: float = Field(default=30.0, gt=0)
    lookback_days: int = Field(default=365, ge=1)
    w_reports: float = Field(default=35.0, ge=0)
    reports_cap: float = Field(default=10.0, gt=0)
    w_reporters: float = Field(default=15.0, ge=0)
    reporters_cap: float = Field(default=5.0, gt=0)
    w_channels: float = Field(default=10.0, ge=0)
    channels_cap: float = Field(default=3.0, gt=0)
    w_inspection: float = Field(default=20.0, ge=0)
    inspection_cap_days: float = Field(default=365.0, gt=0)
    w_status: float = Field(default=10.0, ge=0)
    status_factors: dict[str, float] = {
        "active": 1.0,
        "suspected": 0.7,
        "inspected": 0.4,
        "dormant": 0.3,
        "sealed": 0.1,
        "legalised": 0.0,
    }
    w_commodity: float = Field(default=10.0, ge=0)
    # Gold first: mercury amalgamation poisons rivers; then coal for the scale of its pits.
    commodity_factors: dict[str, float] = {
        "emas": 1.0,
        "batubara": 0.8,
        "pasir": 0.6,
        "batu": 0.5,
        "lainnya": 0.5,
    }
    #: Satellite alerts: ``w_alerts * min(patches / alerts_cap, 1)`` for the alert patches
    #: matched to the site whose newest alert is at most ``alerts_lookback_days`` old.
    w_alerts: float = Field(default=10.0, ge=0)
    alerts_cap: float = Field(default=2.0, gt=0)
    alerts_lookback_days: int = Field(default=180, ge=1)
    #: Indicative land status (``pantau layers classify``): ``w_permit * factor`` of the site's
    #: permit class (outside any permit weighs up, inside an active production permit down;
    #: ``permit_unknown_factor`` when the site has no class yet) ...
    w_permit: float = Field(default=10.0, ge=0)
    permit_factors: dict[str, float] = {
        "LUAR_WIUP": 1.0,
        "WIUP_BERAKHIR": 0.8,
        "WIUP_EKSPLORASI": 0.6,
        "WIUP_OP": 0.0,
    }
    permit_unknown_factor: float = Field(default=0.4, ge=0, le=1)
    #: ... and ``w_forest * factor`` of its strongest forest estate flag.
    w_forest: float = Field(default=5.0, ge=0)
    forest_factors: dict[str, float] = {
        "KONSERVASI": 1.0,
        "HUTAN_LINDUNG": 1.0,
        "HUTAN_PRODUKSI_TERBATAS": 0.6,
        "HUTAN_PRODUKSI": 0.5,
        "HUTAN_PRODUKSI_KONVERSI": 0.3,
        "APL": 0.0,
    }


class PatrolSettings(_Section):
    """Defaults for patrol planning (``PANTAU_PATROLS_*``); a plan's own options override them.

    Examples
    --------
    >>> PatrolSettings(detour=1.5).detour
    1.5
    """

    #: Average speed (km/h) per vehicle mode along the detoured great-circle line (JSON).
    speeds_kmh: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_SPEEDS_KMH))
    #: Road distance over great-circle distance; Kaltim's tracks wind around pits and rivers.
    detour: float = Field(default=1.3, ge=1.0)
    #: OSRM server for road travel times (e.g. the docker-compose ``osrm`` service).
    osrm_url: str | None = None
    #: Daily shift and driving limit of a team.
    shift: str = "07:30-16:30"
    max_drive_h: float = Field(default=6.0, gt=0)
    #: Revisit rules: skip sites inspected within N days; overdue after M days.
    skip_within_days: int = Field(default=14, ge=0)
    must_visit_after_days: int = Field(default=90, ge=0)
    #: River network (lines, and points of ``kind`` launch): legs may go by boat along it.
    #: The demo ships ``data/demo_rivers.geojson`` (approximate lines of the Mahakam).
    rivers_file: Path | None = None
    #: Boat speed (km/h) along the river network, and minutes lost at each boat leg's launch.
    river_kmh: float = Field(default=35.0, gt=0)
    launch_transfer_min: float = Field(default=20.0, ge=0)
    #: Calendar days a team may stay away from its base on one expedition (1 = day trips).
    max_days_away: int = Field(default=5, ge=1)
    #: Time zone of the teams' times on field sheets and exports: the province's (WITA in
    #: Kaltim, WIB in Kalteng) unless set.
    timezone: str = "Asia/Makassar"


class MapSettings(_Section):
    """Where the pinned browser assets and Chromium live (``PANTAU_MAPS_*``)."""

    #: The ``node_modules`` folder holding the pinned packages of ``package.json``.
    assets_dir: Path = REPO_ROOT / "node_modules"
    #: The Debian Chromium; Playwright's own browser download is never used.
    chromium: Path = Path("/usr/bin/chromium")
    #: The public view (``pantau map --share``, ``GET /public/summary``) leaves out grid cells
    #: with fewer reports than this, so that no one report can be located.
    public_min_count: int = Field(default=3, ge=1)
    #: The base map under every map: a GeoPackage of base layers (``pantau basemap demo``), the
    #: vector MBTiles of ``pantau basemap build`` (OpenStreetMap), or raster tiles (an MBTiles
    #: of PNG/JPEG tiles or a ``{z}/{x}/{y}`` folder). Unset: the demo base below.
    basemap: Path | None = None
    #: Without ``basemap``, draw the demo base (GSHHG coastline and rivers, towns, approximate
    #: kabupaten lines) when Debian's ``gmt`` and ``gmt-gshhg-high`` are installed.
    demo_basemap: bool = True


class ApiSettings(_Section):
    """Limits and behaviour of the HTTP service (``PANTAU_API_*``)."""

    #: Requests a client without a token may make per minute (per client address).
    public_rate_per_minute: int = 30
    #: Requests a client without a token may make in a burst before the rate applies.
    public_burst: int = 10
    #: Largest request body accepted, except evidence uploads.
    max_body_bytes: int = 64 * 1024
    #: Largest evidence upload accepted (the reports library applies its own limit too).
    max_upload_bytes: int = 20 * 1024 * 1024
    #: Default and largest page size of collections.
    default_limit: int = 100
    max_limit: int = 10_000
    #: Upper bound on a patrol plan's solver time budget requested over HTTP (a worker is busy
    #: for that long).
    max_solver_budget_s: float = 60.0
    #: Seconds a verified token is remembered (a revoked token works at most this long longer).
    token_cache_seconds: float = 5.0
    #: Answer GET /sites (and the OGC ``sites`` items) from an in-process cache dropped when the
    #: registry changes (PostgreSQL notifies every process at commit); false reads every time.
    registry_cache: bool = True
    #: Answer POST /reports once the report and its queue row are stored, and link near
    #: duplicates and match sites in batches a fraction of a second later
    #: (``geo.reports.queue``); false does both before answering.
    defer_intake: bool = True
    #: Trust ``X-Forwarded-For`` for the client address (only behind a trusted proxy).
    trust_forwarded_for: bool = False
    #: Licence of the agency's own OGC collections: ``internal`` (restricted to the agency's use;
    #: the enforcement data must not leave it) or an SPDX identifier such as ``CC-BY-4.0``.
    data_license: str = "internal"
    #: Where that licence is written; empty means ``/ogc/license`` (internal) or spdx.org.
    data_license_url: str = ""
    #: Attribution shown with the agency's own collections; empty means the province's agency
    #: (``Dinas ESDM Provinsi <name>``, from ``PANTAU_PROVINCE``).
    data_attribution: str = ""


class WhatsAppSettings(_Section):
    """The WhatsApp hotline on the Business Cloud API (``PANTAU_WHATSAPP_*``).

    Off until the four secrets are set; they come from the environment, never the repository.

    Examples
    --------
    >>> WhatsAppSettings().enabled
    False
    """

    #: Meta app secret: deliveries are signed with it (``X-Hub-Signature-256``).
    app_secret: SecretStr | None = None
    #: Token Meta echoes in the verification handshake.
    verify_token: SecretStr | None = None
    #: Access token for the Graph API (media downloads and replies).
    access_token: SecretStr | None = None
    #: The hotline's phone number id, from which replies are sent.
    phone_number_id: str | None = None
    graph_url: str = "https://graph.facebook.com/v21.0"
    #: A draft becomes a report after this many minutes without a message from the sender.
    idle_minutes: float = Field(default=30.0, gt=0)
    #: ... and at the latest this many hours after it opened (WhatsApp's customer-service window).
    cap_hours: float = Field(default=24.0, gt=0)
    #: A message consisting of one of these words closes the draft at once.
    closing_words: list[str] = Field(default_factory=lambda: ["selesai", "kirim"])
    #: A message consisting of one of these words makes the report ``anonim``.
    anonymous_words: list[str] = Field(default_factory=lambda: ["anonim"])
    #: Approved WhatsApp template per report status (e.g. ``{"verified": "laporan_diverifikasi",
    #: "closed": "laporan_selesai"}``), sent to the reporter with the tracking code as its one
    #: parameter when the report reaches that status; empty: no status updates.
    status_templates: dict[str, str] = Field(default_factory=dict)
    #: Language code of those templates.
    template_language: str = "id"
    #: Raw deliveries (kept encrypted for audit) are deleted after this many days.
    retention_days: int = Field(default=90, ge=1)
    #: Attempts and first back-off of a Graph API call (doubled at each retry).
    http_attempts: int = Field(default=4, ge=1)
    http_backoff_s: float = Field(default=0.5, ge=0)
    http_timeout_s: float = Field(default=20.0, gt=0)

    @property
    def enabled(self) -> bool:
        """Whether every secret the hotline needs is set."""
        secrets = (self.app_secret, self.verify_token, self.access_token)
        return bool(self.phone_number_id) and all(
            s is not None and s.get_secret_value() for s in secrets
        )


class ConsoleSettings(_Section):
    """The staff web console: sessions, cookies and sign-in limits (``PANTAU_CONSOLE_*``)."""

    #: A session unused this long (minutes) is ended; the user signs in again.
    session_idle_minutes: float = Field(default=30.0, gt=0)
    #: A session ends this many hours after sign-in however busy it is.
    session_max_hours: float = Field(default=12.0, gt=0)
    #: Send the session cookie only over HTTPS. Unset: on, except in development and test
    #: (plain ``http://127.0.0.1``). Never turn it off behind a public address.
    cookie_secure: bool | None = None
    #: Sign-in attempts per minute allowed per user name and per address (bursts as large).
    login_rate_per_minute: int = Field(default=5, ge=1)
    #: Rows per page of the report inbox.
    page_size: int = Field(default=25, ge=5, le=200)


class Settings(BaseSettings):
    """The process settings: root fields, then one section per concern."""

    model_config = SettingsConfigDict(
        env_prefix="PANTAU_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        extra="ignore",
    )

    environment: Literal["development", "test", "production"] = "development"
    #: Language of what people read when they do not ask for one (``id`` or ``en``).
    language: Literal["id", "en"] = "id"
    #: Key for encrypting reporter identity and for the keyed phone hash. Never commit a real one.
    #: Outside development it must be strong: at least 32 random bytes, e.g. the output of
    #: ``python -c "import secrets; print(secrets.token_urlsafe(48))"``.
    secret_key: str = DEV_SECRET
    #: Keys used before the current one (a JSON list, newest first): identities written with
    #: them stay readable until ``pantau keys rotate`` has re-encrypted them with ``secret_key``.
    previous_secret_keys: tuple[str, ...] = ()
    #: Where evidence files and generated outputs are written.
    data_dir: Path = Path("var")
    #: The province this deployment serves: a BPS code (``64``) or a name (``Kalimantan Tengah``)
    #: with a profile in ``data/provinces/`` (time zone, kabupaten, area of interest, bases).
    #: Stored as the code.
    province: str = DEFAULT_PROVINCE
    #: Area of interest (lon_min, lat_min, lon_max, lat_max): East Kalimantan with a margin.
    #: When not set, the province profile's.
    aoi_bbox: tuple[float, float, float, float] = (113.5, -3.0, 119.5, 2.8)
    #: Indonesia's extent with a margin; anything outside is rejected as a location.
    indonesia_bbox: tuple[float, float, float, float] = (94.0, -11.5, 141.5, 6.5)
    #: Who is written into the audit trail when the CLI or a notebook makes a change.
    actor: str = Field(default="cli")
    log_level: str = "INFO"

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    reports: ReportSettings = Field(default_factory=ReportSettings)
    matching: MatchSettings = Field(default_factory=MatchSettings)
    hotspots: HotspotSettings = Field(default_factory=HotspotSettings)
    priority: PrioritySettings = Field(default_factory=PrioritySettings)
    patrols: PatrolSettings = Field(default_factory=PatrolSettings)
    maps: MapSettings = Field(default_factory=MapSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    whatsapp: WhatsAppSettings = Field(default_factory=WhatsAppSettings)
    layers: LayerSettings = Field(default_factory=LayerSettings)
    odk: OdkSettings = Field(default_factory=OdkSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)

    @field_validator("province", mode="before")
    @classmethod
    def _province_code(cls, value: object) -> str:
        # A ConfigurationError naming ``province`` (not a pydantic error) when there is no profile.
        return load_province(str(value)).code

    @property
    def province_profile(self) -> Province:
        """The profile of :attr:`province` (time zone, kabupaten, area of interest, bases)."""
        return load_province(self.province)

    @model_validator(mode="after")
    def _province_area(self) -> Settings:
        if "aoi_bbox" not in self.model_fields_set:
            self.aoi_bbox = self.province_profile.aoi_bbox
        if "timezone" not in self.patrols.model_fields_set:
            self.patrols.timezone = self.province_profile.timezone
        return self

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> Settings:
        if self.environment != "development":
            problem = weak_secret_reason(self.secret_key)
            if problem:
                raise ConfigurationError(
                    f"PANTAU_SECRET_KEY {problem}; outside development it must be at least 32 "
                    'random bytes, e.g. python -c "import secrets; '
                    'print(secrets.token_urlsafe(48))"',
                    field="secret_key",
                )
        return self


#: Words that mark a key as a placeholder someone forgot to replace.
_PLACEHOLDERS = ("changethis", "change-me", "changeme", "placeholder", "example", "secret-key")
#: Characters of a key of 32 random bytes in URL-safe base64 (``secrets.token_urlsafe(32)``).
MIN_SECRET_CHARS = 43


def weak_secret_reason(key: str) -> str | None:
    """Return why ``key`` is too weak for a deployment, or ``None`` when it will do.

    Examples
    --------
    >>> weak_secret_reason("")
    'is empty'
    >>> weak_secret_reason("changethis-development-only")
    'is a placeholder'
    >>> import secrets
    >>> weak_secret_reason(secrets.token_urlsafe(48)) is None
    True
    """
    if not key.strip():
        return "is empty"
    lowered = key.lower()
    if key == DEV_SECRET or any(word in lowered for word in _PLACEHOLDERS):
        return "is a placeholder"
    if len(key) < MIN_SECRET_CHARS:
        return f"is {len(key)} characters long, shorter than {MIN_SECRET_CHARS}"
    if len(set(key)) < 16:
        return "repeats too few distinct characters to be random"
    return None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()
