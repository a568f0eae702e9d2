"""Peta dan briefing: the overview map and the briefing PDF/PNG, made on request.

``/peta`` asks for the options (period, kabupaten, layers, language) and makes, in the
background (:mod:`api.web.console.map_jobs`), the offline map with the PDF and PNG briefing
through the same use case as ``pantau map`` and ``/maps/briefing.pdf``; its second button makes
the export "untuk publik/mitra" (aggregates only) through the use case of ``pantau map --share``
and ``/public/summary``. ``/peta/hasil/<id>`` shows the job's progress (htmx asks every two
seconds), then the map and the files to download. The map readers of the API
(:data:`api.auth.MAP_READERS`) may use it; a job's files are its maker's only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, RedirectResponse, Response

from api import auth
from api.deps import SettingsDep
from api.web import templating
from api.web.assets import BASEMAP_URL
from api.web.console.map_jobs import FILES, JobStore, Kind, MapJob, Runner
from api.web.console.session import ENV, PosterDep, Staff, StaffDep, allow, page
from geo.errors import N_, PantauError, ValidationError
from geo.i18n import LANGUAGES
from geo.maps.build import layer_names
from geo.maps.options import LAYERS, MapOptions, parse_period
from geo.settings import Settings

__all__ = ["router"]

router = APIRouter(prefix="/peta", include_in_schema=False)
# Every console page's maps draw the app's base map (the layout names its URL).
ENV.globals["basemap_url"] = BASEMAP_URL

VIEW = N_("make maps and briefings")
NO_JOB = N_("This map is not there (made by someone else, or deleted after two days).")
BAD_KABUPATEN = N_("choose a kabupaten of the list")
#: Periods offered (``custom``: the dates typed).
PERIODS: Final = ("30d", "90d", "365d", "custom")
#: The layer names, as the map's legend says them (the same catalogue entries).
JobId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{16}$")]
FileName = Annotated[str, PathParam(max_length=40)]
MEDIA: Final[dict[str, str]] = {
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".geojson": "application/geo+json",
}
#: A made map is a page of its own: inline scripts (it is one offline file), shown framed by
#: the console only, and sandboxed (no cookie, no request, no form).
MAP_HEADERS: Final = {
    "Content-Security-Policy": (
        "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; "
        "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; "
        "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
    ),
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "private, no-cache",
}


def _store(settings: Settings) -> JobStore:
    return JobStore(Path(settings.data_dir) / "konsol" / "peta")


def _runner(request: Request) -> Runner:
    """Return the app's one map worker, made on first use."""
    runner: Runner | None = getattr(request.app.state, "console_map_runner", None)
    if runner is None:
        settings = request.app.state.settings
        runner = Runner(_store(settings), settings=settings, engine=request.app.state.engine)
        request.app.state.console_map_runner = runner
    return runner


def _form(
    request: Request,
    settings: Settings,
    staff: Staff,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    t = templating.reader(request)
    defaults = {"period": "90d", "start": "", "end": "", "kabupaten": "", "lang": t.lang}
    return page(
        request,
        "console/maps/form.html",
        status_code=status_code,
        values={**defaults, "layers": list(LAYERS), **(values or {})},
        errors=errors or {},
        periods=PERIODS,
        layers=[(key, layer_names(t)[key]) for key in LAYERS],
        kabupaten=settings.province_profile.kabupaten,
        languages=LANGUAGES,
        jobs=_store(settings).of(staff.username),
        files=FILES,
    )


@router.get("")
def maps_page(request: Request, settings: SettingsDep, staff: StaffDep) -> Response:
    """Show the options of a map or briefing, and the ones made lately."""
    allow(staff, auth.MAP_READERS, VIEW)
    return _form(request, settings, staff)


def _params(
    settings: Settings,
    *,
    period: str,
    start: str,
    end: str,
    kabupaten: str,
    layers: list[str],
    lang: str,
) -> dict[str, Any]:
    """Check the form as the API checks its query; a :class:`ValidationError` names the field."""
    text = f"{start}..{end}" if period == "custom" else period
    if period not in PERIODS:
        raise ValidationError.of(N_("choose a period of the list"), field="period")
    try:
        parse_period(text)
    except ValidationError as e:
        e.field = "period"  # the dates typed belong to the period
        raise
    if kabupaten and kabupaten not in settings.province_profile.kabupaten:
        raise ValidationError.of(BAD_KABUPATEN, field="kabupaten")
    options = MapOptions(layers=layers or None, lang=lang)
    return {
        "period": text,
        "kabupaten": kabupaten,
        "layers": list(options.layers),
        "lang": options.lang,
    }


@router.post("")
def make(
    request: Request,
    settings: SettingsDep,
    staff: PosterDep,
    period: Annotated[str, Form(max_length=10)] = "90d",
    start: Annotated[str, Form(max_length=10)] = "",
    end: Annotated[str, Form(max_length=10)] = "",
    kabupaten: Annotated[str, Form(max_length=100)] = "",
    layers: Annotated[list[str] | None, Form(max_length=20)] = None,
    lang: Annotated[str, Form(max_length=5)] = "id",
    kind: Annotated[str, Form(max_length=10)] = "briefing",
) -> Response:
    """Start making the map and briefing (or the public export); show its progress page."""
    allow(staff, auth.MAP_READERS, VIEW)
    t = templating.reader(request)
    values = {
        "period": period,
        "start": start,
        "end": end,
        "kabupaten": kabupaten,
        "layers": layers or [],
        "lang": lang,
    }
    try:
        params = _params(
            settings,
            period=period,
            start=start,
            end=end,
            kabupaten=kabupaten,
            layers=layers or [],
            lang=lang,
        )
    except PantauError as e:
        errors = {e.field or "period": e.localized(t)}
        return _form(request, settings, staff, values=values, errors=errors, status_code=422)
    job_kind: Kind = "public" if kind == "public" else "briefing"
    store = _store(settings)
    job = store.create(owner=staff.username, kind=job_kind, params=params, ui_lang=t.lang)
    _runner(request).submit(job)
    return RedirectResponse(f"/peta/hasil/{job.id}", status_code=303)


def _job(request: Request, staff: Staff, job_id: str) -> MapJob | Response:
    allow(staff, auth.MAP_READERS, VIEW)
    job = _store(request.app.state.settings).get(job_id, owner=staff.username)
    if job is None:
        t = templating.reader(request)
        return page(request, "console/error.html", status_code=404, message=t.gettext(NO_JOB))
    return job


@router.get("/hasil/{job_id}")
def result(request: Request, job_id: JobId, staff: StaffDep) -> Response:
    """Show a job's page: progress while it runs, then the map and the files to download."""
    job = _job(request, staff, job_id)
    if isinstance(job, Response):
        return job
    return page(
        request, "console/maps/result.html", job=job, layer_names=_names(request), partial=False
    )


@router.get("/hasil/{job_id}/status")
def status(request: Request, job_id: JobId, staff: StaffDep) -> Response:
    """Return the part of a job's page htmx swaps in until the job is done."""
    job = _job(request, staff, job_id)
    if isinstance(job, Response):
        return job
    return page(request, "console/maps/_status.html", job=job, partial=True)


def _names(request: Request) -> dict[str, str]:
    return layer_names(templating.reader(request))


@router.get("/hasil/{job_id}/{name}")
def download(
    request: Request, job_id: JobId, name: FileName, staff: StaffDep, unduh: bool = False
) -> Response:
    """One file of a finished job (``unduh=1``: as a download)."""
    job = _job(request, staff, job_id)
    if isinstance(job, Response):
        return job
    if name not in job.files:
        t = templating.reader(request)
        return page(request, "console/error.html", status_code=404, message=t.gettext(NO_JOB))
    path = _store(request.app.state.settings).folder(job.id) / name
    suffix = path.suffix
    disposition = "attachment" if unduh or suffix == ".geojson" else "inline"
    headers = {**MAP_HEADERS, "Content-Disposition": f'{disposition}; filename="{name}"'}
    return FileResponse(path, media_type=MEDIA[suffix], headers=headers)
