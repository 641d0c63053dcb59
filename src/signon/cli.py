"""The `signon` command."""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeVar

import click

from signon.crypto import KeyFileError, Keyring, create_key_file
from signon.db import Database
from signon.i18n import DEFAULT, LANGUAGES
from signon.services.campaigns import KINDS, CampaignError, CampaignService, CampaignSpec
from signon.settings import Settings, SettingsError, load_settings

# What only some commands need is imported by them: every command pays for what is imported
# here (the web app, Alembic and the PDF fonts would add half a second to `signon export`).
if TYPE_CHECKING:
    from signon.runtime import Runtime
    from signon.services.retention import PurgeReport

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from error


def _with_db(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    async def run() -> T:
        db = Database(settings.database_url, pool_size=2)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


def _keyring(settings: Settings) -> Keyring:
    try:
        return Keyring(settings.data_key_file)
    except KeyFileError as error:
        raise click.ClickException(str(error)) from error


def _runtime(settings: Settings) -> Runtime:
    from signon.runtime import Runtime

    _keyring(settings)  # a clear message rather than a traceback when the key file is missing
    return Runtime.start(settings)


def _require_current_schema(settings: Settings) -> None:
    from signon.db.migrate import schema_problem

    problem = schema_problem(settings.database_url)
    if problem:
        raise click.ClickException(problem)


def _require_mail(settings: Settings) -> None:
    if settings.smtp_url is None and not settings.dev:
        raise click.ClickException(
            "SIGNON_SMTP_URL is not set: production needs an SMTP relay to send confirmation "
            "links (the dev mailbox exists only with SIGNON_DEV=1)."
        )


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
def main(verbose: bool) -> None:
    """Signon: petitions and sign-on letters, self-hosted."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="Web processes.")
@click.option(
    "--no-mail-worker", is_flag=True, help="Do not deliver mail in-process (run `signon worker`)."
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    help="Log each request (without client addresses or link tokens).",
)
def serve(host: str, port: int, workers: int, no_mail_worker: bool, access_log: bool) -> None:
    """Serve the web app (and, by default, deliver mail in the same process)."""
    import os

    import uvicorn

    settings = _settings()
    _require_current_schema(settings)
    _require_mail(settings)
    _keyring(settings)
    if no_mail_worker:
        os.environ["SIGNON_INLINE_WORKER"] = "0"
    if workers > 1 and not settings.redis_url:
        click.echo(
            f"warning: SIGNON_REDIS_URL is not set, so each of the {workers} processes keeps its "
            "own rate limits and single-use form tokens: every limit is that many times looser, "
            "and a sent form is accepted once by each process (see docs/DEPLOY.md)",
            err=True,
        )
    click.echo(
        f"Signon on http://{host}:{port}/ (database: {settings.database_url.split('://')[0]})"
    )
    uvicorn.run(
        "signon.asgi:create",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        proxy_headers=False,
        server_header=False,
        log_level="info",
    )


@main.command()
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
def worker(once: bool) -> None:
    """Deliver queued mail (for production with several app processes)."""
    from signon.worker import run_worker

    settings = _settings()
    _require_current_schema(settings)
    _require_mail(settings)

    async def run() -> None:
        runtime = _runtime(settings)
        try:
            if once:
                report = await runtime.mail_worker.drain()
                click.echo(f"sent {report.sent}, failed {report.failed}")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            await run_worker(runtime, stop)
        finally:
            await runtime.close()

    asyncio.run(run())


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the latest revision."""
    from signon.db.migrate import upgrade

    settings = _settings()
    if settings.database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    click.echo("database schema is up to date")


@main.group()
def campaign() -> None:
    """Create, list and close campaigns."""


def _parse_deadline(_ctx: object, _param: object, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter("use ISO 8601, for example 2026-12-31T23:59+01:00") from error
    if parsed.tzinfo is None:
        raise click.BadParameter("give a time zone, for example 2026-12-31T23:59+01:00 or …Z")
    return parsed


@campaign.command("create")
@click.option("--slug", required=True, help="The address: /c/SLUG.")
@click.option("--title", required=True)
@click.option(
    "--statement-file",
    required=True,
    type=click.File("r", encoding="utf-8"),
    help="Markdown file with the statement ('-' reads standard input).",
)
@click.option("--kind", type=click.Choice(KINDS), default="petition", show_default=True)
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    default=DEFAULT,
    show_default=True,
    help="The language the title and statement are written in.",
)
@click.option("--goal", type=click.IntRange(min=1))
@click.option(
    "--goal-step-up", is_flag=True, help="Once reached, the goal steps up (200, 500, 1000, ...)."
)
@click.option("--deadline", callback=_parse_deadline, help="ISO 8601 with a time zone.")
@click.option("--ask-location", is_flag=True, help="Ask signers for city and country.")
@click.option("--ask-comment", is_flag=True, help="Ask signers for a comment.")
@click.option("--individuals-only", is_flag=True, help="Organizations may not sign.")
@click.option("--draft", is_flag=True, help="Create it unpublished.")
@click.option(
    "--no-organization-review", is_flag=True, help="List organizations without an approval."
)
@click.option("--review-individuals", is_flag=True, help="Individuals wait for approval too.")
def campaign_create(
    slug: str,
    title: str,
    statement_file: IO[str],
    kind: str,
    language: str,
    goal: int | None,
    goal_step_up: bool,
    deadline: datetime | None,
    ask_location: bool,
    ask_comment: bool,
    individuals_only: bool,
    draft: bool,
    no_organization_review: bool,
    review_individuals: bool,
) -> None:
    """Create a campaign."""
    spec = CampaignSpec(
        slug=slug,
        title=title,
        statement_md=statement_file.read(),
        kind=kind,
        language=language,
        status="draft" if draft else "open",
        goal=goal,
        goal_step_up=goal_step_up,
        deadline=deadline,
        ask_location=ask_location,
        ask_comment=ask_comment,
        allow_organizations=not individuals_only,
        moderate_organizations=not no_organization_review,
        moderate_individuals=review_individuals,
    )
    settings = _settings()
    try:
        created = _with_db(settings, lambda db: CampaignService(db).create(spec))
    except CampaignError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"created {created.slug} ({created.status}): {settings.base_url}/c/{created.slug}")


@campaign.command("list")
def campaign_list() -> None:
    """List campaigns with their counts."""
    campaigns = _with_db(_settings(), lambda db: CampaignService(db).list_all())
    for item in campaigns:
        click.echo(
            f"{item.slug}\t{item.status}\t{item.kind}\t{item.individuals} individuals\t"
            f"{item.organizations} organizations\t{item.title}"
        )


@campaign.command("close")
@click.argument("slug")
def campaign_close(slug: str) -> None:
    """Close a campaign: it stops taking signatures, its page and lists stay."""
    try:
        closed = _with_db(_settings(), lambda db: CampaignService(db).set_status(slug, "closed"))
    except CampaignError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"closed {closed.slug}")


@main.command()
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

    settings = _settings()
    keyring = _keyring(settings)
    # Forked before this process opens a connection (see exportworkers).
    with ExportWorkers(settings.database_url, keyring) as workers:
        _with_db(settings, run)
    where = f" to {output}" if output else ""
    click.echo(f"wrote {exported[0]:,} signatures{where}", err=True)


@main.command("recount")
@click.argument("slug", required=False)
def recount_command(slug: str | None) -> None:
    """Repair the signature counters of every campaign (or one) from the signatures."""
    from signon.services.counts import recount

    results = _with_db(_settings(), lambda db: recount(db, slug))
    if slug and not results:
        raise click.ClickException(f"there is no campaign with the slug {slug!r}")
    for result in results:
        state = "repaired" if result.changed else "correct"
        click.echo(
            f"{result.slug}: {result.individuals} individuals, "
            f"{result.organizations} organizations ({state})"
        )


@main.command()
def purge() -> None:
    """Apply retention now: drop stale unconfirmed signatures, erase long-closed campaigns' data."""
    from signon.services.retention import Retention

    settings = _settings()

    async def run(db: Database) -> PurgeReport:
        return await Retention(db, settings.pending_retention, settings.closed_retention).purge()

    report = _with_db(settings, run)
    click.echo(f"deleted {report.pending_deleted} unconfirmed signatures")
    for slug in report.campaigns_purged:
        click.echo(f"erased personal data of {slug}")
    click.echo(f"erased the personal data of {report.signatures_erased} signatures")


@main.group()
def keys() -> None:
    """The key file that encrypts personal data (keep it out of database backups)."""


@keys.command("init")
def keys_init() -> None:
    """Create the key file (never overwrites one)."""
    settings = _settings()
    try:
        create_key_file(settings.data_key_file)
    except KeyFileError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"created {settings.data_key_file} (mode 0600): back it up separately")


@keys.command("rotate")
@click.option(
    "--grace",
    default=5.0,
    show_default=True,
    type=float,
    help="Seconds to let running processes pick up the new key before re-encrypting.",
)
def keys_rotate(grace: float) -> None:
    """Re-encrypt all personal data under a new key, and redo every address lookup hash under
    a new index key, while Signon keeps running."""
    from signon.services.indexkeys import rotate_index_key
    from signon.services.keys import rotate_keys

    settings = _settings()
    _keyring(settings)
    key_file = settings.data_key_file
    try:
        lookups = _with_db(settings, lambda db: rotate_index_key(db, key_file, grace))
        report = _with_db(settings, lambda db: rotate_keys(db, key_file, grace))
    except (KeyFileError, RuntimeError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"new index key; redid {lookups.rehashed} address lookup hashes")
    for detached, kept in lookups.detached:
        click.echo(
            f"signature {detached} has the address of signature {kept} in the same campaign "
            "(signed twice as the rotation began): if both are confirmed, reject one"
        )
    click.echo(
        f"new key {report.new_key_id}; re-encrypted {report.reencrypted} values; "
        f"retired {', '.join(report.retired_key_ids)}"
    )


@main.group()
def user() -> None:
    """Organizer accounts."""


@user.command("create")
@click.option("--email", required=True)
@click.option("--admin", is_flag=True, help="A site admin: sees everything, manages accounts.")
def user_create(email: str, admin: bool) -> None:
    """Create an organizer account. Asks for a password on a terminal, or generates one."""
    from signon.services.accounts import AccountError, AccountService, generate_password

    settings = _settings()
    keyring = _keyring(settings)
    generated = not sys.stdin.isatty()
    if generated:
        password = generate_password()
    else:
        password = click.prompt(
            "Password (empty: generate one)",
            default="",
            hide_input=True,
            confirmation_prompt=True,
            show_default=False,
        )
        generated = not password
        password = password or generate_password()

    async def run(db: Database) -> int:
        accounts = AccountService(db, keyring, settings.session_idle, settings.session_lifetime)
        return await accounts.create_user(email, password, is_admin=admin)

    try:
        _with_db(settings, run)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"created {'site admin' if admin else 'organizer'} {email}")
    if generated:
        click.echo(f"password: {password}")
    click.echo(f"log in at {settings.base_url}/admin/login")


@main.group()
def dev() -> None:
    """Tools for development and benchmarks."""


@dev.command("seed")
@click.argument("slug")
@click.option("--count", default=10_000, show_default=True, type=click.IntRange(min=1))
def dev_seed(slug: str, count: int) -> None:
    """Add COUNT realistic confirmed signatures to a campaign (fast; for demos and benchmarks)."""
    from signon.seed import SeedPlan, seed

    settings = _settings()
    keyring = _keyring(settings)

    async def run(db: Database) -> float:
        campaign = await CampaignService(db).get(slug)
        if campaign is None:
            raise click.ClickException(f"there is no campaign with the slug {slug!r}")
        plan = SeedPlan(campaign.id, campaign.name_display, count, secrets.token_hex(3))
        started = time.perf_counter()
        with click.progressbar(length=count, label=f"seeding {slug}", file=sys.stderr) as bar:
            await seed(db, keyring, plan, bar.update)
        return time.perf_counter() - started

    elapsed = _with_db(settings, run)
    click.echo(f"added {count} signatures in {elapsed:.1f} s ({count / elapsed:,.0f} rows/s)")
