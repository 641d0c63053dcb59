"""What a campaign's signatures go through: `signon export`, `recount` and `purge`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from signon.cli.common import open_keyring, read_settings, run_with_db
from signon.db import Database
from signon.services.campaigns import CampaignService

if TYPE_CHECKING:
    from signon.services.retention import PurgeReport


@click.command()
@click.argument("slug")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
def export(slug: str, output: Path | None) -> None:
    """Export every confirmed signature of a campaign as CSV (contains personal data)."""
    from signon.exports import ExportService
    from signon.exportworkers import ExportWorkers

    exported = [0]

    async def run(db: Database) -> None:
        found = await CampaignService(db).get(slug)
        if found is None:
            raise click.ClickException(f"there is no campaign with the slug {slug!r}")
        sys.stdout.flush()
        target = output.open("wb") if output else sys.stdout.buffer

        def count(rows: int) -> None:
            exported[0] += rows

        service = ExportService(db, keyring)
        try:
            async for chunk in service.full_csv_by(workers, found.id, None, progress=count):
                target.write(chunk)
        finally:
            if output:
                target.close()
            else:
                target.flush()

    settings = read_settings()
    keyring = open_keyring(settings)
    # Forked before this process opens a connection (see exportworkers).
    with ExportWorkers(settings.database_url, keyring) as workers:
        run_with_db(settings, run)
    where = f" to {output}" if output else ""
    click.echo(f"wrote {exported[0]:,} signatures{where}", err=True)


@click.command("recount")
@click.argument("slug", required=False)
def recount_command(slug: str | None) -> None:
    """Repair the signature counters of every campaign (or one) from the signatures."""
    from signon.services.counts import recount

    results = run_with_db(read_settings(), lambda db: recount(db, slug))
    if slug and not results:
        raise click.ClickException(f"there is no campaign with the slug {slug!r}")
    for result in results:
        state = "repaired" if result.changed else "correct"
        click.echo(
            f"{result.slug}: {result.individuals} individuals, "
            f"{result.organizations} organizations ({state})"
        )


@click.command()
def purge() -> None:
    """Apply retention now: drop stale unconfirmed signatures, erase long-closed campaigns' data."""
    from signon.services.retention import Retention

    settings = read_settings()

    async def run(db: Database) -> PurgeReport:
        return await Retention(db, settings.pending_retention, settings.closed_retention).purge()

    report = run_with_db(settings, run)
    click.echo(f"deleted {report.pending_deleted} unconfirmed signatures")
    for slug in report.campaigns_purged:
        click.echo(f"erased personal data of {slug}")
    click.echo(f"erased the personal data of {report.signatures_erased} signatures")
