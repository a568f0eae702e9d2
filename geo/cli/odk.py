"""``pantau odk ...``: the offline inspection form, the site list, and field submissions.

Thin over :mod:`geo.odk.service`; every line a person reads comes from the catalogue in the
reader's language (Indonesian by default).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from geo.cli._common import current
from geo.db import session_scope
from geo.errors import N_, ConfigurationError
from geo.i18n import Translator
from geo.odk import service
from geo.odk.service import ImportSummary

__all__ = ["app"]

app = typer.Typer(
    help="Offline field data through ODK: the inspection form, the site list, submissions.",
    no_args_is_help=True,
)

_ROW = N_("row {row}")
_STATUS = {
    "imported": N_("imported"),
    "already_imported": N_("already imported"),
    "refused": N_("refused"),
}


@app.command("form")
def form_command(
    out: Path = typer.Option(Path("inspeksi.xlsx"), "--out", help="XLSForm file to write."),
) -> None:
    """Write the inspection XLSForm for ODK Collect (labels in Indonesian and English)."""
    from geo.odk.form import write_form

    cli = current()
    path = write_form(out, entity_list=cli.settings.odk.entity_list)
    cli.console.print(cli.t.gettext("wrote {path}", path=escape(str(path))))


@app.command("entities")
def entities_command(
    out: Path | None = typer.Option(None, "--out", help="Entity List CSV to write."),
    push: bool = typer.Option(
        False, "--push", help="Push the list to the configured ODK Central server."
    ),
) -> None:
    """Publish the site list as an ODK Entity List: a CSV file, ODK Central, or both."""
    cli = current()
    t = cli.t
    if out is None and not push:
        out = Path(f"{cli.settings.odk.entity_list}.csv")
    with session_scope(cli.engine()) as session:
        if out is not None:
            path = service.write_entities(settings=cli.settings, session=session, path=out)
            cli.console.print(t.gettext("wrote {path}", path=escape(str(path))))
        if push:
            done = service.push_entities(settings=cli.settings, session=session)
            cli.console.print(
                t.gettext(
                    "Entity List {name} on ODK Central: {created} created, {updated} updated, "
                    "{deleted} deleted",
                    name=done.entity_list,
                    created=done.created,
                    updated=done.updated,
                    deleted=done.deleted,
                )
            )


def _print(t: Translator, summary: ImportSummary) -> None:
    console = current().console
    for o in summary.outcomes:
        where = t.gettext(_ROW, row=o.row) + " " if o.row is not None else ""
        head = escape(f"{where}{o.instance_id or '-'}")
        status = t.gettext(_STATUS[o.status])
        if o.status == "refused" and o.reason is not None:
            console.print(f"{head}: {status}: {escape(o.reason.localized(t))}")
        else:
            detail = t.gettext(
                "site {site}, inspection {id}, {n} photo(s)",
                site=o.site_code or "-",
                id=o.inspection_id or "-",
                n=o.photos,
            )
            console.print(f"{head}: {status} ({escape(detail)})")
        for p in o.photo_problems:
            console.print(
                "  "
                + t.gettext(
                    "photo {name} left out: {problem}",
                    name=escape(p.name),
                    problem=escape(p.problem.localized(t)),
                )
            )
    console.print(
        t.gettext(
            "{imported} imported, {already} already imported, {refused} refused",
            imported=summary.count("imported"),
            already=summary.count("already_imported"),
            refused=summary.count("refused"),
        )
    )


@app.command("import")
def import_command(
    export: Path = typer.Argument(..., help="ODK Central or KoboToolbox CSV-with-media zip."),
    actor: str | None = typer.Option(None, "--actor", help="Who imports (audit trail)."),
) -> None:
    """Turn the submissions of an export zip into inspections, once each."""
    cli = current()
    with session_scope(cli.engine()) as session:
        summary = service.import_export(
            settings=cli.settings, session=session, path=export, actor=actor
        )
    _print(cli.t, summary)


@app.command("pull")
def pull_command(
    actor: str | None = typer.Option(None, "--actor", help="Who imports (audit trail)."),
) -> None:
    """Pull submissions and photos from ODK Central and turn them into inspections."""
    cli = current()
    if not cli.settings.odk.configured:
        from geo.odk.central import NOT_CONFIGURED

        raise ConfigurationError.of(NOT_CONFIGURED, field="odk")
    with session_scope(cli.engine()) as session:
        summary = service.pull_from_central(settings=cli.settings, session=session, actor=actor)
    _print(cli.t, summary)
