"""Maps and briefings made in the background for the console's ``/peta`` page.

Rendering a briefing opens headless Chromium and takes seconds, too long for a request on a slow
line: ``/peta`` records a :class:`MapJob` and returns at once; one worker thread per process
makes the files through the map use cases (:func:`geo.maps.service.map_files`, the same as
``pantau map``, and :func:`geo.maps.service.public_files`, the same as ``pantau map --share``)
and the page asks for the job's state with htmx until it is done.

A job is a folder under ``<data_dir>/konsol/peta/<id>/`` holding ``job.json`` and its files, so
every worker process of the app sees every job, and a file can be downloaded after a restart.
Jobs older than :data:`KEEP` are deleted when a new one is made.

Examples
--------
>>> store = JobStore(Path(getfixture("tmp_path")))
>>> job = store.create(owner="analis", kind="briefing", params={"lang": "id"}, ui_lang="id")
>>> store.get(job.id).state, store.get(job.id, owner="operator") is None
('queued', True)
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Final, Literal

from sqlalchemy import Engine

from geo.errors import N_, PantauError
from geo.i18n import translator
from geo.maps import service
from geo.maps.options import MapOptions, parse_period
from geo.settings import Settings

__all__ = ["FILES", "JobStore", "Kind", "MapJob", "Runner", "make_files"]

log = logging.getLogger(__name__)

Kind = Literal["briefing", "public"]
#: The files each kind of job makes, in the order they are offered.
FILES: Final[dict[str, tuple[str, ...]]] = {
    "briefing": ("peta.html", "briefing.pdf", "briefing.png"),
    "public": ("publik.html", "publik.geojson", "publik.pdf"),
}
#: How long a job's files are kept.
KEEP: Final = dt.timedelta(days=2)
#: A job still "running" after this long was cut off (the server stopped).
STALE: Final = dt.timedelta(minutes=30)
FAILED = N_("The map could not be made. Try again; if it fails again, tell the administrator.")
INTERRUPTED = N_("The work was interrupted (the server restarted). Make the map again.")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class MapJob:
    """One map or briefing being made: who asked, with which options, and how far it is."""

    id: str
    owner: str
    kind: Kind
    params: dict[str, Any]
    ui_lang: str
    created: str
    state: Literal["queued", "running", "done", "failed"] = "queued"
    finished: str | None = None
    error: str | None = None
    files: list[str] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        """Whether the job is still waiting or running."""
        return self.state in ("queued", "running")

    @property
    def created_at(self) -> dt.datetime:
        """When the job was asked for."""
        return dt.datetime.fromisoformat(self.created)

    def seconds(self) -> int:
        """Seconds from the request to the end (or to now)."""
        start = dt.datetime.fromisoformat(self.created)
        end = dt.datetime.fromisoformat(self.finished) if self.finished else _now()
        return max(0, int((end - start).total_seconds()))


class JobStore:
    """The jobs' folders under ``root``; every read and write goes through here."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, job_id: str) -> Path:
        """Return the folder of a job (its files and ``job.json``)."""
        return self.root / job_id

    def save(self, job: MapJob) -> MapJob:
        """Write ``job.json`` atomically (a reader never sees half of it)."""
        folder = self.folder(job.id)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f"job.json.{os.getpid()}.{threading.get_ident()}"
        tmp.write_text(json.dumps(asdict(job)), encoding="utf-8")
        tmp.replace(folder / "job.json")
        return job

    def create(self, *, owner: str, kind: Kind, params: dict[str, Any], ui_lang: str) -> MapJob:
        """Record a new job (queued) and delete jobs older than :data:`KEEP`."""
        self._prune()
        job = MapJob(
            id=secrets.token_hex(8),
            owner=owner,
            kind=kind,
            params=params,
            ui_lang=ui_lang,
            created=_now().isoformat(),
        )
        return self.save(job)

    def get(self, job_id: str, *, owner: str | None = None) -> MapJob | None:
        """Return a job (``None`` if unknown or, with ``owner``, someone else's)."""
        if not job_id.isalnum():
            return None
        try:
            data = json.loads((self.folder(job_id) / "job.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        job = MapJob(**data)
        if owner is not None and job.owner != owner:
            return None
        if job.busy and _now() - dt.datetime.fromisoformat(job.created) > STALE:
            t = translator(job.ui_lang)
            job = replace(job, state="failed", error=t.gettext(INTERRUPTED))
        return job

    def of(self, owner: str, *, limit: int = 10) -> list[MapJob]:
        """Return the newest jobs of ``owner``."""
        if not self.root.is_dir():
            return []
        jobs = [self.get(p.name, owner=owner) for p in self.root.iterdir() if p.is_dir()]
        found = [j for j in jobs if j is not None]
        return sorted(found, key=lambda j: j.created, reverse=True)[:limit]

    def _prune(self) -> None:
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            job = self.get(folder.name)
            if job is not None and _now() - dt.datetime.fromisoformat(job.created) > KEEP:
                shutil.rmtree(folder, ignore_errors=True)


def make_files(
    *,
    settings: Settings,
    engine: Engine,
    kind: Kind,
    params: dict[str, Any],
    folder: Path,
    rendered: bool = True,
) -> list[str]:
    """Make a job's files in ``folder`` through the map use cases; return their names.

    ``briefing``: the offline map, the PDF briefing and its PNG (:func:`service.map_files`, as
    ``pantau map --offline --pdf --png``). ``public``: the public view, aggregates only
    (:func:`service.public_files`, as ``pantau map --share``). ``rendered=False`` leaves out
    what headless Chromium renders (PDF, PNG).

    Examples
    --------
    >>> make_files(settings=settings, engine=engine, kind="public",
    ...            params={"period": "365d", "lang": "id"}, folder=Path(getfixture("tmp_path")),
    ...            rendered=False)
    ['publik.html', 'publik.geojson']
    """
    period = parse_period(params.get("period"))
    lang = str(params.get("lang", "id"))
    if kind == "public":
        options = MapOptions(period=period, lang=lang, share=True, offline=True)
        service.public_files(
            settings=settings,
            engine=engine,
            options=options,
            out=folder / "publik.html",
            geojson=folder / "publik.geojson",
            pdf=folder / "publik.pdf" if rendered else None,
        )
    else:
        options = MapOptions(
            period=period, lang=lang, layers=params.get("layers") or None, offline=True
        )
        service.map_files(
            settings=settings,
            engine=engine,
            options=options,
            out=folder / "peta.html",
            pdf=folder / "briefing.pdf" if rendered else None,
            png=folder / "briefing.png" if rendered else None,
            kabupaten=params.get("kabupaten") or None,
        )
    return [name for name in FILES[kind] if (folder / name).is_file()]


class Runner:
    """One worker thread that makes the jobs in turn (two cores: one briefing at a time)."""

    def __init__(self, store: JobStore, *, settings: Settings, engine: Engine) -> None:
        self.store = store
        self.settings = settings
        self.engine = engine
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pantau-peta")

    def submit(self, job: MapJob) -> None:
        """Make ``job`` in the background."""
        self.pool.submit(self._run, job)

    def _run(self, job: MapJob) -> None:
        job = self.store.save(replace(job, state="running"))
        try:
            files = make_files(
                settings=self.settings,
                engine=self.engine,
                kind=job.kind,
                params=job.params,
                folder=self.store.folder(job.id),
            )
        except PantauError as e:
            error = e.localized(translator(job.ui_lang))
            self.store.save(replace(job, state="failed", error=error, finished=_now().isoformat()))
        except Exception:  # a bug or a crash of Chromium: logged, the reader gets a plain message
            log.exception("map job %s failed", job.id)
            error = translator(job.ui_lang).gettext(FAILED)
            self.store.save(replace(job, state="failed", error=error, finished=_now().isoformat()))
        else:
            self.store.save(replace(job, state="done", files=files, finished=_now().isoformat()))

    def shutdown(self) -> None:
        """Stop taking jobs; the one running finishes."""
        self.pool.shutdown(wait=False, cancel_futures=True)
