"""Use cases of the ODK link: write the form and the site list, push it, import submissions.

Every submission becomes an inspection through the same use case as one recorded in the office
(:func:`geo.patrols.service.record_inspection`: the same checks of result, date and files, the
site's audit trail, matched reports moved along, priorities refreshed), exactly once per
``instanceID``: an ``odk_submissions`` row is written in the same transaction, and each
submission has its own savepoint, so a refused one leaves nothing behind.

Decisions where the field is messy:

* a submission rejected in review on ODK Central is refused; one already imported stays as it
  was (edits made on Central later keep the submission's id and are not applied again);
* a submission for a site not in the registry is refused (the team may have used an old list;
  add the site and import again);
* a GPS point that is missing, unreadable, out of range or farther than
  ``settings.odk.max_distance_m`` from the site is refused: the team was not where the form says;
* a photo the submission names but the export lacks (or that fails the evidence checks) does not
  hold the inspection back: it is imported without that photo, which is reported and remembered;
  importing again once the file is there adds it to the same inspection.

Examples
--------
>>> from tests import factories
>>> from geo.odk.submissions import FieldSubmission
>>> _ = factories.site(session, code="ODK-SVC-1", lon=117.1, lat=-0.5)
>>> sub = FieldSubmission("uuid:doc-1", {"site_code": "ODK-SVC-1", "result": "active",
...     "inspected_on": "2026-11-02", "location": "-0.5001 117.1001 0 5"})
>>> [o.status for o in import_submissions(settings=settings, session=session,
...     submissions=[sub, sub], photo=lambda iid, name: None, source="export").outcomes]
['imported', 'already_imported']
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from geo.errors import N_, PantauError, ValidationError
from geo.i18n import translator
from geo.models import Site
from geo.odk.central import PushResult
from geo.odk.form import equipment_labels
from geo.odk.models import OdkSubmission
from geo.odk.submissions import FieldSubmission
from geo.patrols.evidence import EvidenceItem, add_evidence, check_evidence
from geo.patrols.service import InspectionRequest, record_inspection
from geo.settings import Settings

__all__ = [
    "ImportSummary",
    "PhotoProblem",
    "SubmissionOutcome",
    "import_submissions",
    "import_export",
    "pull_from_central",
    "write_entities",
    "push_entities",
]

log = logging.getLogger(__name__)

#: Gets the bytes of a photo of a submission: ``(instance id, file name) -> bytes | None``.
PhotoGetter = Callable[[str, str], bytes | None]

_NO_ID = N_("the submission has no instance id (meta/instanceID or KEY)")
_REJECTED = N_("the submission was rejected in review on ODK Central")
_NO_SITE = N_("the submission names no site")
_UNKNOWN_SITE = N_("site {code} is not in the registry")
_BAD_DATE = N_("`inspected_on` must be a date as YYYY-MM-DD, got {value!r}")
_NO_GPS = N_("the submission has no GPS point")
_BAD_GPS = N_("the GPS point {value!r} is not a latitude and longitude")
_GPS_RANGE = N_("the GPS point {lat}, {lon} is out of range")
_GPS_FAR = N_("the GPS point is {distance} m from site {code}, more than the {limit} m allowed")
_MISSING_PHOTO = N_("photo {name} is not in the export")
_EQUIPMENT_SEEN = N_("Equipment seen: {equipment}")


@dataclass(frozen=True)
class PhotoProblem:
    """A photo that was not imported, and why."""

    name: str
    problem: PantauError


@dataclass(frozen=True)
class SubmissionOutcome:
    """What happened to one submission: ``imported``, ``already_imported`` or ``refused``."""

    instance_id: str
    #: The row of the export's CSV (``None`` for ODK Central).
    row: int | None
    status: str
    site_code: str | None = None
    inspection_id: int | None = None
    #: Why it was refused (in the reader's language through ``reason.localized(t)``).
    reason: PantauError | None = None
    photos: int = 0
    photo_problems: tuple[PhotoProblem, ...] = ()


@dataclass(frozen=True)
class ImportSummary:
    """The outcome of every submission, in the order read."""

    outcomes: tuple[SubmissionOutcome, ...] = field(default=())

    def count(self, status: str) -> int:
        """Return how many submissions ended with ``status``."""
        return sum(o.status == status for o in self.outcomes)


def _inspected_on(sub: FieldSubmission) -> dt.date:
    value = sub.values.get("inspected_on") or sub.values.get("start") or ""
    if not value:
        if sub.submitted_at is not None:
            return sub.submitted_at.date()
        raise ValidationError.of(_BAD_DATE, field="inspected_on", value=value)
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise ValidationError.of(_BAD_DATE, field="inspected_on", value=value) from None


def _point(value: str | None) -> tuple[float, float]:
    """Return (lat, lon) of an ODK geopoint ``"lat lon alt acc"``."""
    if not value:
        raise ValidationError.of(_NO_GPS, field="location")
    parts = value.replace(",", " ").split()
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except (IndexError, ValueError):
        raise ValidationError.of(_BAD_GPS, field="location", value=value) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        raise ValidationError.of(_GPS_RANGE, field="location", lat=lat, lon=lon)
    return lat, lon


def _site(session: Session, sub: FieldSubmission) -> Site:
    code = (sub.values.get("site_code") or sub.values.get("site") or "").strip()
    if not code:
        raise ValidationError.of(_NO_SITE, field="site")
    site = session.scalar(select(Site).where(Site.code == code))
    if site is None:
        raise ValidationError.of(_UNKNOWN_SITE, field="site", code=code)
    return site


def _check_distance(
    session: Session, site: Site, lat: float, lon: float, settings: Settings
) -> None:
    here = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
    metres = session.scalar(
        select(func.ST_Distance(func.geography(Site.geom), func.geography(here))).where(
            Site.id == site.id
        )
    )
    limit = settings.odk.max_distance_m
    if metres is not None and metres > limit:
        t = translator(settings.language)
        raise ValidationError.of(
            _GPS_FAR,
            field="location",
            distance=t.number(metres),
            code=site.code,
            limit=t.number(limit),
        )


def _photos(
    sub: FieldSubmission, photo: PhotoGetter, settings: Settings
) -> tuple[list[EvidenceItem], list[PhotoProblem]]:
    """Fetch and check each photo on its own: a bad or missing one is left out, not fatal."""
    good: list[EvidenceItem] = []
    problems: list[PhotoProblem] = []
    for name in dict.fromkeys(sub.photos):  # the same file named twice is one photo
        content = photo(sub.instance_id, name)
        if content is None:
            problems.append(
                PhotoProblem(name, ValidationError.of(_MISSING_PHOTO, field="photo", name=name))
            )
            continue
        try:
            check_evidence([(name, content)], report_settings=settings.reports)
        except ValidationError as exc:
            problems.append(PhotoProblem(name, exc))
            continue
        good.append((name, content))
    return good, problems


def _notes(sub: FieldSubmission, equipment: list[str], lang: str) -> str | None:
    lines = [sub.values["notes"]] if sub.values.get("notes") else []
    if equipment:
        t = translator(lang)
        labels = equipment_labels(t)
        seen = ", ".join(labels.get(code, code) for code in equipment)
        lines.append(t.gettext(_EQUIPMENT_SEEN, equipment=seen))
    return "\n".join(lines) or None


def _import_one(
    session: Session,
    sub: FieldSubmission,
    *,
    photo: PhotoGetter,
    source: str,
    actor: str,
    settings: Settings,
) -> SubmissionOutcome:
    site = _site(session, sub)
    lat, lon = _point(sub.values.get("location"))
    _check_distance(session, site, lat, lon, settings)
    equipment = (sub.values.get("equipment") or "").split()
    evidence, problems = _photos(sub, photo, settings)
    request = InspectionRequest(
        site_code=site.code,
        result=(sub.values.get("result") or "").strip(),
        inspected_on=_inspected_on(sub),
        team=(sub.values.get("team") or "").strip()[:32] or None,
        notes=_notes(sub, equipment, settings.language),
        evidence=evidence,
    )
    done = record_inspection(settings=settings, session=session, request=request, actor=actor)
    session.add(
        OdkSubmission(
            instance_id=sub.instance_id,
            inspection_id=done.inspection_id,
            source=source,
            form_id=settings.odk.form_id,
            submitter=(sub.submitter or "")[:200] or None,
            submitted_at=sub.submitted_at,
            location=from_shape(Point(lon, lat), srid=4326),
            equipment=equipment,
            missing_photos=[p.name for p in problems],
            imported_by=actor,
        )
    )
    session.flush()
    return SubmissionOutcome(
        sub.instance_id,
        sub.row,
        "imported",
        site_code=site.code,
        inspection_id=done.inspection_id,
        photos=len(done.evidence),
        photo_problems=tuple(problems),
    )


def _again(
    session: Session,
    sub: FieldSubmission,
    row: OdkSubmission,
    *,
    photo: PhotoGetter,
    actor: str,
    settings: Settings,
) -> SubmissionOutcome:
    """Add the photos that were missing to a submission imported before, if they came now."""
    wanted = FieldSubmission(sub.instance_id, photos=tuple(row.missing_photos or ()))
    evidence, problems = _photos(wanted, photo, settings) if wanted.photos else ([], [])
    added = 0
    if evidence and row.inspection_id is not None:
        added = len(
            add_evidence(
                session=session,
                inspection_id=row.inspection_id,
                evidence=evidence,
                actor=actor,
                settings=settings,
                report_settings=settings.reports,
            )
        )
        row.missing_photos = [p.name for p in problems]
    return SubmissionOutcome(
        sub.instance_id,
        sub.row,
        "already_imported",
        inspection_id=row.inspection_id,
        photos=added,
        photo_problems=tuple(problems),
    )


def _one(
    session: Session,
    sub: FieldSubmission,
    *,
    photo: PhotoGetter,
    source: str,
    actor: str,
    settings: Settings,
) -> SubmissionOutcome:
    if not sub.instance_id:
        raise ValidationError.of(_NO_ID, field="instanceID")
    # Two imports of the same export at once must not both record it.
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": sub.instance_id})
    row = session.get(OdkSubmission, sub.instance_id, with_for_update=True)
    if row is not None:
        return _again(session, sub, row, photo=photo, actor=actor, settings=settings)
    if sub.review_state == "rejected":
        raise ValidationError.of(_REJECTED, field="review_state")
    return _import_one(session, sub, photo=photo, source=source, actor=actor, settings=settings)


def import_submissions(
    *,
    settings: Settings,
    session: Session,
    submissions: Sequence[FieldSubmission],
    photo: PhotoGetter,
    source: str,
    actor: str | None = None,
) -> ImportSummary:
    """Turn submissions into inspections, once each; the caller commits.

    Parameters
    ----------
    settings
        The settings tree (``odk.max_distance_m``, ``reports`` limits, ``data_dir``, language).
    session
        Open session; each submission runs in a savepoint of it.
    submissions
        What :mod:`geo.odk.submissions` read.
    photo
        Gets a photo's bytes by (instance id, file name); ``None`` when it is not there.
    source
        ``export`` or ``central``.
    actor
        Who imports (the audit trail's actor; the settings' ``actor`` by default).

    Returns
    -------
    ImportSummary
        One outcome per submission: imported, already imported (with any photo added now),
        or refused with the reason.
    """
    who = actor or settings.actor
    outcomes = []
    for sub in submissions:
        try:
            with session.begin_nested():
                outcome = _one(
                    session, sub, photo=photo, source=source, actor=who, settings=settings
                )
        except PantauError as exc:
            site = sub.values.get("site_code") or sub.values.get("site")
            outcome = SubmissionOutcome(
                sub.instance_id, sub.row, "refused", site_code=site, reason=exc
            )
        outcomes.append(outcome)
    summary = ImportSummary(tuple(outcomes))
    log.info(
        "ODK %s: %d imported, %d already imported, %d refused",
        source,
        summary.count("imported"),
        summary.count("already_imported"),
        summary.count("refused"),
    )
    return summary


def import_export(
    *, settings: Settings, session: Session, path: Path | str, actor: str | None = None
) -> ImportSummary:
    """Import the submissions of an ODK Central or KoboToolbox CSV-with-media zip."""
    from geo.odk.submissions import read_export

    export = read_export(path)
    try:
        return import_submissions(
            settings=settings,
            session=session,
            submissions=export.submissions,
            photo=export.media,
            source="export",
            actor=actor,
        )
    finally:
        export.close()


def pull_from_central(
    *, settings: Settings, session: Session, actor: str | None = None
) -> ImportSummary:
    """Pull the form's submissions and their photos from ODK Central and import them."""
    from geo.odk.central import pull_submissions
    from geo.odk.submissions import from_odata

    def handle(rows: list[dict[str, object]], attachment: PhotoGetter) -> ImportSummary:
        return import_submissions(
            settings=settings,
            session=session,
            submissions=[from_odata(r) for r in rows],
            photo=attachment,
            source="central",
            actor=actor,
        )

    result: ImportSummary = pull_submissions(settings=settings.odk, handle=handle)
    return result


def write_entities(*, settings: Settings, session: Session, path: Path | str) -> Path:
    """Write the site list as an ODK Entity List CSV (:mod:`geo.odk.entities`)."""
    from geo.odk.entities import site_entities, write_entities_csv

    return write_entities_csv(site_entities(session=session, lang=settings.language), path)


def push_entities(*, settings: Settings, session: Session) -> PushResult:
    """Push the site list to the Entity List on ODK Central; return the :class:`PushResult`."""
    from geo.odk.central import push_entities as push
    from geo.odk.entities import site_entities

    return push(settings=settings.odk, rows=site_entities(session=session, lang=settings.language))
