"""`signon dev`: tools for development and benchmarks."""

from __future__ import annotations

import secrets
import sys
import time

import click

from signon.cli.common import open_keyring, read_settings, run_with_db
from signon.db import Database
from signon.services.campaigns import CampaignService


@click.group()
def dev() -> None:
    """Tools for development and benchmarks."""


@dev.command("seed")
@click.argument("slug")
@click.option("--count", default=10_000, show_default=True, type=click.IntRange(min=1))
def dev_seed(slug: str, count: int) -> None:
    """Add COUNT realistic confirmed signatures to a campaign (fast; for demos and benchmarks)."""
    from signon.seed import SeedPlan, seed

    settings = read_settings()
    keyring = open_keyring(settings)

    async def run(db: Database) -> float:
        campaign = await CampaignService(db).get(slug)
        if campaign is None:
            raise click.ClickException(f"there is no campaign with the slug {slug!r}")
        plan = SeedPlan(campaign.id, campaign.name_display, count, secrets.token_hex(3))
        started = time.perf_counter()
        with click.progressbar(length=count, label=f"seeding {slug}", file=sys.stderr) as bar:
            await seed(db, keyring, plan, bar.update)
        return time.perf_counter() - started

    elapsed = run_with_db(settings, run)
    click.echo(f"added {count} signatures in {elapsed:.1f} s ({count / elapsed:,.0f} rows/s)")
