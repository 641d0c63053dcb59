"""The `signon` command.

What only some commands need is imported by them: every command pays for what the modules here
import at the top (the web app, Alembic and the PDF fonts would add half a second to `signon
export`).
"""

from __future__ import annotations

import logging

import click

from signon.cli.campaigns import campaign, db
from signon.cli.dev import dev
from signon.cli.keys import keys, user
from signon.cli.serving import serve, worker
from signon.cli.signatures import export, purge, recount_command


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
def main(verbose: bool) -> None:
    """Signon: petitions and sign-on letters, self-hosted."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


for command in (serve, worker, db, campaign, export, recount_command, purge, keys, user, dev):
    main.add_command(command)
