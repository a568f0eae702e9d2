"""``pantau keys``: make a strong key and rotate reporter identities to a new one."""

from __future__ import annotations

import secrets

import typer

from geo.cli._common import console, current, engine_from_settings
from geo.reports.keys import rotate_identities

app = typer.Typer(help="Keys that protect reporter identity.", no_args_is_help=True)


@app.command()
def new() -> None:
    """Print a new strong key for PANTAU_SECRET_KEY (48 random bytes, URL-safe)."""
    typer.echo(secrets.token_urlsafe(48))


@app.command()
def rotate(
    batch: int = typer.Option(500, "--batch", min=1, help="Reports per transaction."),
    max_batches: int | None = typer.Option(
        None, "--max-batches", min=1, help="Stop after this many batches; run again to resume."
    ),
) -> None:
    """Re-encrypt every reporter identity with PANTAU_SECRET_KEY (resumable)."""
    run = current()
    settings, t = run.settings, run.t
    summary = rotate_identities(
        engine=engine_from_settings(), settings=settings, batch_size=batch, max_batches=max_batches
    )
    console.print(
        t.gettext(
            "Key {key}: {rows} report(s) re-encrypted in {batches} batch(es), "
            "continuing after report {after}.",
            key=summary.key_id,
            rows=t.number(summary.rows),
            batches=t.number(summary.batches),
            after=summary.resumed_after,
        ),
        highlight=False,
    )
    if summary.finished:
        console.print(
            t.gettext("Finished: previous keys may be removed after the next verified backup.")
        )
    else:
        console.print(t.gettext("Not finished: run the command again to continue."))
