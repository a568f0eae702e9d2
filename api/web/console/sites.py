"""Lokasi: the site registry on a list and a map, a site's page, its edit form and file imports.

Every staff role reads sites, their priority and their audit trail (:data:`api.auth.READERS`);
the indicative legal status (permit class, forest estate, authority, with the law it points to)
only analysts and admins (:data:`api.routes.layers.LAYER_READERS`), as over the API. Admins
(:data:`api.auth.SITE_EDITORS`) edit a site through :func:`geo.registry.edit_site` and import a
file through :func:`geo.registry.preview_import` then :func:`geo.registry.import_sites`, the
same use cases as ``PATCH /sites/{code}`` and ``pantau sites import``, with the signed-in user
in the audit trail.

An uploaded file waits for its confirmation under ``data_dir/console-imports/<session>/<token>/``:
the folder of the session is named from a hash of its CSRF token, so another session cannot
confirm it, and a preview older than :data:`PREVIEW_MAX_AGE` is refused and removed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response
from geoalchemy2.shape import to_shape
from shapely.geometry import Point
from sqlalchemy.orm import Session

from api import auth
from api.deps import SessionDep, SettingsDep
from api.errors import status_for
from api.routes.layers import LAYER_READERS
from api.web import templating
from api.web.console.session import PosterDep, Staff, StaffDep, allow, page
from geo import priority, registry, sites
from geo.checks import check_lonlat
from geo.errors import N_, REQUIRED, NotFound, PantauError, ValidationError
from geo.i18n import Translator
from geo.io.vector import FORMATS
from geo.layers import service as layers
from geo.reports import inbox
from geo.settings import Settings
from geo.vocab import COMMODITIES, RISK_LEVELS, SITE_STATUSES

router = APIRouter(prefix="/lokasi", include_in_schema=False)

CodePath = Annotated[str, Path(pattern=r"^[A-Za-z]{2,5}-[0-9]{1,5}$")]
TokenPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{16,64}$")]

EDIT = N_("edit sites")
IMPORT = N_("import sites")
NO_SITE = N_("No site has the code {code}.")
SAVED = N_("Saved: the changes are in the site's history.")
IMPORTED = N_("Imported {name}: {created} new, {updated} changed, {unchanged} unchanged.")
BAD_DATE = N_("{field}: expected a date such as 2026-12-31")
BAD_CHOICE = N_("{field}: choose one of the list")
BAD_NUMBER = N_("{field}: expected a number such as 117.15")
BOTH_COORDINATES = N_("give both longitude and latitude, or neither")
OUTSIDE = N_("the point ({lon}, {lat}) is outside Indonesia or not a valid place")
NO_FILE = N_("choose a file to import")
BAD_EXTENSION = N_("{name}: expected a GeoJSON, GeoPackage, KML, CSV, XLSX or zipped Shapefile")
TOO_LARGE = N_("{name} is larger than {megabytes} MB")
PREVIEW_GONE = N_("This preview has expired or belongs to another session. Upload the file again.")
#: Inspections listed on a site's page.
INSPECTIONS = 10
#: How long an uploaded file waits for its confirmation.
PREVIEW_MAX_AGE = dt.timedelta(hours=1)
#: The form's fields in order; each is a column of :data:`geo.sites.COLUMNS` but the code.
TEXT_FIELDS = ("name", "kabupaten", "kecamatan", "notes")
CHOICE_FIELDS = {"commodity": COMMODITIES, "status": SITE_STATUSES, "risk_level": RISK_LEVELS}
DATE_FIELDS = ("first_reported", "last_inspected")
IMPORT_DIR = "console-imports"


def field_labels(t: Translator) -> dict[str, str]:
    """Return the label of every field a site's form and an import preview name."""
    return {
        "code": t.pgettext("site field", "code"),
        "name": t.pgettext("site field", "name"),
        "kabupaten": t.pgettext("site field", "kabupaten"),
        "kecamatan": t.pgettext("site field", "kecamatan"),
        "commodity": t.pgettext("site field", "commodity"),
        "status": t.pgettext("site field", "status"),
        "risk_level": t.pgettext("site field", "risk_level"),
        "first_reported": t.pgettext("site field", "first_reported"),
        "last_inspected": t.pgettext("site field", "last_inspected"),
        "notes": t.pgettext("site field", "notes"),
        "public": t.pgettext("site field", "public"),
        "geom": t.pgettext("site field", "geom"),
        "geometry": t.pgettext("site field", "geom"),
        "lon": t.pgettext("site field", "lon"),
        "lat": t.pgettext("site field", "lat"),
        "file": t.pgettext("site field", "file"),
        "rows": t.pgettext("site field", "rows"),
    }


def localized(t: Translator, error: PantauError) -> str:
    """Return ``error`` in ``t``'s language, its ``{field}`` named by the form's label.

    Examples
    --------
    >>> from geo.errors import REQUIRED
    >>> from geo.i18n import translator
    >>> localized(translator("id"), ValidationError.of(REQUIRED, field="name"))
    'Nama wajib diisi'
    >>> localized(translator("en"), ValidationError.of(BAD_DATE, field="last_inspected"))
    'Last inspected: expected a date such as 2026-12-31'
    """
    if error.template is None:
        return error.message
    values = dict(error.values)
    if "field" in values:
        values["field"] = field_labels(t).get(str(values["field"]), values["field"])
    return t.gettext(error.template, **values)


def _filters(status: str, kabupaten: str, q: str) -> registry.SiteFilters:
    return registry.SiteFilters(
        status=status if status in SITE_STATUSES else None,
        kabupaten=kabupaten or None,
        search=q.strip() or None,
    )


@router.get("")
def site_list(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: StaffDep,
    status: Annotated[str, Query(max_length=30)] = "",
    kabupaten: Annotated[str, Query(max_length=100)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> Response:
    """Show the registry: filtered, paged, the highest priority first, with a map of the matches."""
    filters = _filters(status, kabupaten, q)
    result = registry.list_sites(
        session=session, filters=filters, page=page_no, page_size=settings.console.page_size
    )
    values = {"status": filters.status or "", "kabupaten": kabupaten, "q": q}
    query = urlencode({k: v for k, v in values.items() if v})
    return page(
        request,
        "console/sites/list.html",
        result=result,
        values=values,
        query=query,
        statuses=SITE_STATUSES,
        kabupaten_names=inbox.kabupaten_names(session=session),
        geojson_url="/lokasi/peta.geojson" + (f"?{query}" if query else ""),
        bbox=",".join(str(v) for v in settings.aoi_bbox),
        may_import=staff.may(auth.SITE_EDITORS),
    )


@router.get("/peta.geojson")
def site_map(
    session: SessionDep,
    staff: StaffDep,
    status: Annotated[str, Query(max_length=30)] = "",
    kabupaten: Annotated[str, Query(max_length=100)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
) -> JSONResponse:
    """Return the sites of the list's filters as GeoJSON (code, name, status, rank) for its map."""
    collection = registry.sites_geojson(session=session, filters=_filters(status, kabupaten, q))
    return JSONResponse(
        collection, media_type="application/geo+json", headers={"Cache-Control": "no-store"}
    )


def _legal(session: Session, staff: Staff, code: str, lang: str) -> Any:
    """Return the indicative class to roles that may read it (False: hidden; None: unset)."""
    if not staff.may(LAYER_READERS):
        return False
    try:
        return layers.classification_of(
            session=session, object_kind="site", code=code, language=lang
        )
    except NotFound:
        return None


def _site_page(
    request: Request,
    session: Session,
    staff: Staff,
    code: str,
    *,
    message: str | None = None,
) -> Response:
    t = templating.reader(request)
    try:
        view = registry.site_overview(session=session, code=code, inspections=INSPECTIONS)
    except NotFound:
        return page(
            request, "console/error.html", status_code=404, message=t.gettext(NO_SITE, code=code)
        )
    reasons = priority.explain(view.priority, lang=t.lang) if view.priority else []
    code = view.site["code"]
    return page(
        request,
        "console/sites/detail.html",
        s=view.site,
        view=view,
        reasons=reasons,
        score=t.number(float(view.priority["score"]), digits=1) if view.priority else "",
        legal=_legal(session, staff, code, t.lang),
        geometry=json.dumps(
            {
                "type": "Feature",
                "geometry": view.geometry,
                "properties": {"code": code, "name": view.site["name"]},
            }
        ),
        field_names=field_labels(t),
        may_edit=staff.may(auth.SITE_EDITORS),
        message=message,
    )


@router.get("/impor")
def import_form(request: Request, staff: StaffDep) -> Response:
    """Show the form to upload a site file (admins)."""
    allow(staff, auth.SITE_EDITORS, IMPORT)
    return page(request, "console/sites/import.html", error=None)


def _session_dir(settings: Settings, staff: Staff) -> FilePath:
    digest = hashlib.sha256(staff.csrf_token.encode()).hexdigest()[:32]
    return FilePath(settings.data_dir) / IMPORT_DIR / digest


def _sweep(root: FilePath) -> None:
    """Remove uploads older than :data:`PREVIEW_MAX_AGE` (of any session)."""
    if not root.is_dir():
        return
    oldest = time.time() - PREVIEW_MAX_AGE.total_seconds()
    for folder in root.glob("*/*"):
        if folder.is_dir() and folder.stat().st_mtime < oldest:
            shutil.rmtree(folder, ignore_errors=True)


def _safe_name(name: str) -> str:
    stem = FilePath(name.replace("\\", "/")).name
    clean = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "sites"
    return clean[-100:]


@dataclass
class _Upload:
    token: str
    path: FilePath
    preview: registry.ImportPreview | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)


def _store(settings: Settings, staff: Staff, upload: UploadFile) -> _Upload:
    """Keep the uploaded file in this session's folder under a random token."""
    name = _safe_name(upload.filename or "")
    if not upload.filename:
        raise ValidationError.of(NO_FILE, field="file")
    suffix = FilePath(name).suffix.lower()
    if suffix not in FORMATS or suffix == ".shp":
        raise ValidationError.of(BAD_EXTENSION, field="file", name=name)
    limit = settings.api.max_upload_bytes
    content = upload.file.read(limit + 1)
    if len(content) > limit:
        raise ValidationError.of(TOO_LARGE, field="file", name=name, megabytes=limit // 2**20)
    _sweep(FilePath(settings.data_dir) / IMPORT_DIR)
    token = secrets.token_urlsafe(24)
    folder = _session_dir(settings, staff) / token
    folder.mkdir(parents=True)
    path = folder / name
    path.write_bytes(content)
    return _Upload(token=token, path=path)


def _stored(settings: Settings, staff: Staff, token: str) -> _Upload:
    """Return this session's upload ``token``, or refuse a foreign, expired or unknown one."""
    folder = _session_dir(settings, staff) / token
    files = [p for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []
    fresh = folder.is_dir() and (
        time.time() - folder.stat().st_mtime < PREVIEW_MAX_AGE.total_seconds()
    )
    if len(files) != 1 or not fresh:
        shutil.rmtree(folder, ignore_errors=True)
        raise NotFound.of(PREVIEW_GONE, field="file")
    return _Upload(token=token, path=files[0])


def _problems(t: Translator, preview: registry.ImportPreview) -> list[dict[str, Any]]:
    names = field_labels(t)
    return [
        {
            "row": p.row,
            "code": p.code or "",
            "field": names.get(p.field, p.field),
            "message": localized(t, p.error),
        }
        for p in preview.problems
    ]


@router.post("/impor")
def upload(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: PosterDep,
    file: UploadFile | None = None,
) -> Response:
    """Keep the uploaded file and show what importing it would change, writing nothing."""
    allow(staff, auth.SITE_EDITORS, IMPORT)
    t = templating.reader(request)
    kept: _Upload | None = None
    try:
        if file is None:
            raise ValidationError.of(NO_FILE, field="file")
        kept = _store(settings, staff, file)
        preview = registry.preview_import(settings=settings, session=session, path=kept.path)
    except PantauError as e:
        session.rollback()
        if kept is not None:
            shutil.rmtree(kept.path.parent, ignore_errors=True)
        return page(
            request,
            "console/sites/import.html",
            status_code=status_for(e),
            error=localized(t, e),
        )
    return page(
        request,
        "console/sites/preview.html",
        token=kept.token,
        file_name=kept.path.name,
        preview=preview,
        problems=_problems(t, preview),
        field_names=field_labels(t),
    )


@router.post("/impor/{token}")
def confirm(
    request: Request,
    token: TokenPath,
    session: SessionDep,
    settings: SettingsDep,
    staff: PosterDep,
    fingerprint: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Import the previewed file, if it and the registry still give the previewed outcome."""
    allow(staff, auth.SITE_EDITORS, IMPORT)
    t = templating.reader(request)
    try:
        kept = _stored(settings, staff, token)
        done = registry.import_sites(
            settings=settings,
            session=session,
            path=kept.path,
            actor=staff.username,
            expected=fingerprint or "-",
        )
    except PantauError as e:
        session.rollback()
        return page(
            request,
            "console/sites/import.html",
            status_code=status_for(e),
            error=localized(t, e),
        )
    session.commit()
    shutil.rmtree(kept.path.parent, ignore_errors=True)
    _invalidate(request)
    message = t.gettext(
        IMPORTED,
        name=kept.path.name,
        created=len(done.created),
        updated=len(done.updated),
        unchanged=len(done.unchanged),
    )
    return page(request, "console/sites/import.html", error=None, message=message, done=done)


def _invalidate(request: Request) -> None:
    """Drop the API's registry cache, as the API does after its own writes."""
    cache = getattr(request.app.state, "registry_cache", None)
    if cache is not None:
        cache.invalidate()


@router.get("/{code}")
def site_page(request: Request, code: CodePath, session: SessionDep, staff: StaffDep) -> Response:
    """Show one site: attributes, priority and reasons, legal status, inspections, history, map."""
    t = templating.reader(request)
    message = t.gettext(SAVED) if request.query_params.get("saved") else None
    return _site_page(request, session, staff, code, message=message)


def _form_values(site: Any) -> dict[str, str]:
    """Return the edit form's values of a stored site (text as typed, dates ISO)."""
    values = {n: "" if getattr(site, n) is None else str(getattr(site, n)) for n in TEXT_FIELDS}
    values.update({n: getattr(site, n) for n in CHOICE_FIELDS})
    values.update(
        {n: getattr(site, n).isoformat() if getattr(site, n) else "" for n in DATE_FIELDS}
    )
    shape = to_shape(site.geom)
    point = isinstance(shape, Point)
    values["lon"] = f"{shape.x:.6f}" if isinstance(shape, Point) else ""
    values["lat"] = f"{shape.y:.6f}" if isinstance(shape, Point) else ""
    values["public"] = "on" if site.public else ""
    values["point"] = "1" if point else ""
    return values


def _edit_form(
    request: Request,
    code: str,
    values: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    t = templating.reader(request)
    return page(
        request,
        "console/sites/edit.html",
        status_code=status_code,
        code=code,
        values=values,
        errors=errors or {},
        field_names=field_labels(t),
        choices=CHOICE_FIELDS,
    )


@router.get("/{code}/ubah")
def edit_form(request: Request, code: CodePath, session: SessionDep, staff: StaffDep) -> Response:
    """Show the edit form of a site, filled with its values (admins)."""
    allow(staff, auth.SITE_EDITORS, EDIT)
    t = templating.reader(request)
    try:
        site = sites.get(session, code)
    except NotFound:
        return page(
            request, "console/error.html", status_code=404, message=t.gettext(NO_SITE, code=code)
        )
    return _edit_form(request, site.code, _form_values(site))


def _parse(
    form: dict[str, str], site: Any, settings: Settings
) -> tuple[dict[str, Any], dict[str, PantauError]]:
    """Turn the form into the use case's changes, or the problem of each bad field."""
    changes: dict[str, Any] = {}
    bad: dict[str, PantauError] = {}
    for name in TEXT_FIELDS:
        changes[name] = form.get(name, "").strip() or None
        if name in sites.REQUIRED and changes[name] is None:
            bad[name] = ValidationError.of(REQUIRED, field=name)
    for name, allowed in CHOICE_FIELDS.items():
        value = form.get(name, "")
        if value not in allowed:
            bad[name] = ValidationError.of(BAD_CHOICE, field=name)
        changes[name] = value
    for name in DATE_FIELDS:
        text = form.get(name, "").strip()
        try:
            changes[name] = dt.date.fromisoformat(text) if text else None
        except ValueError:
            bad[name] = ValidationError.of(BAD_DATE, field=name)
    changes["public"] = form.get("public") == "on"
    _parse_point(form, site, changes, bad, settings.indonesia_bbox)
    return changes, bad


def _parse_point(
    form: dict[str, str],
    site: Any,
    changes: dict[str, Any],
    bad: dict[str, PantauError],
    indonesia: tuple[float, float, float, float],
) -> None:
    """Move a point site when its longitude or latitude changed (polygons move by import)."""
    shape = to_shape(site.geom)
    if not isinstance(shape, Point):
        return
    numbers: dict[str, float] = {}
    for name in ("lon", "lat"):
        text = form.get(name, "").strip().replace(",", ".")
        if not text:
            continue
        try:
            numbers[name] = float(text)
        except ValueError:
            bad[name] = ValidationError.of(BAD_NUMBER, field=name)
    if bad.keys() & {"lon", "lat"}:
        return
    if len(numbers) == 1:
        missing = "lat" if "lon" in numbers else "lon"
        bad[missing] = ValidationError.of(BOTH_COORDINATES, field=missing)
        return
    if not numbers:
        return
    lon, lat = numbers["lon"], numbers["lat"]
    if check_lonlat(lon, lat, indonesia=indonesia):
        bad["lat"] = ValidationError.of(OUTSIDE, field="lat", lon=lon, lat=lat)
    elif abs(lon - shape.x) > 5e-7 or abs(lat - shape.y) > 5e-7:
        changes["geom"] = Point(lon, lat)


@router.post("/{code}/ubah")
def edit(
    request: Request,
    code: CodePath,
    session: SessionDep,
    settings: SettingsDep,
    staff: PosterDep,
    name: Annotated[str, Form(max_length=200)] = "",
    kabupaten: Annotated[str, Form(max_length=100)] = "",
    kecamatan: Annotated[str, Form(max_length=100)] = "",
    commodity: Annotated[str, Form(max_length=20)] = "",
    status: Annotated[str, Form(max_length=20)] = "",
    risk_level: Annotated[str, Form(max_length=10)] = "",
    first_reported: Annotated[str, Form(max_length=10)] = "",
    last_inspected: Annotated[str, Form(max_length=10)] = "",
    notes: Annotated[str, Form(max_length=5000)] = "",
    public: Annotated[str, Form(max_length=5)] = "",
    lon: Annotated[str, Form(max_length=30)] = "",
    lat: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    """Save the edit form through the API's edit use case, or show each field's problem."""
    allow(staff, auth.SITE_EDITORS, EDIT)
    t = templating.reader(request)
    form = {
        "name": name,
        "kabupaten": kabupaten,
        "kecamatan": kecamatan,
        "commodity": commodity,
        "status": status,
        "risk_level": risk_level,
        "first_reported": first_reported,
        "last_inspected": last_inspected,
        "notes": notes,
        "public": public,
        "lon": lon,
        "lat": lat,
    }
    try:
        site = sites.get(session, code)
    except NotFound:
        return page(
            request, "console/error.html", status_code=404, message=t.gettext(NO_SITE, code=code)
        )
    values = {**form, "point": _form_values(site)["point"]}
    changes, bad = _parse(form, site, settings)
    if not bad:
        try:
            registry.edit_site(
                settings=settings,
                session=session,
                code=site.code,
                changes=changes,
                actor=staff.username,
                source="console",
            )
        except ValidationError as e:
            session.rollback()
            where = e.field or "name"
            bad["lat" if where == "geom" and values["point"] else where] = e
    if bad:
        errors = {k: localized(t, e) for k, e in bad.items()}
        return _edit_form(request, site.code, values, errors=errors, status_code=400)
    session.commit()
    _invalidate(request)
    return RedirectResponse(f"/lokasi/{site.code}?saved=1", status_code=303)
