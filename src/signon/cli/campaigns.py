"""`signon db` and `signon campaign`."""

from __future__ import annotations

from datetime import datetime
from typing import IO

import click

from signon.cli.common import read_settings, run_with_db
from signon.i18n import DEFAULT, LANGUAGES
from signon.services.campaigns import KINDS, CampaignError, CampaignService, CampaignSpec


@click.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the latest revision."""
    from signon.db.migrate import upgrade

    settings = read_settings()
    if settings.database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    click.echo("database schema is up to date")


@click.group()
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
    settings = read_settings()
    try:
        created = run_with_db(settings, lambda db: CampaignService(db).create(spec))
    except CampaignError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"created {created.slug} ({created.status}): {settings.base_url}/c/{created.slug}")


@campaign.command("list")
def campaign_list() -> None:
    """List campaigns with their counts."""
    campaigns = run_with_db(read_settings(), lambda db: CampaignService(db).list_all())
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
        closed = run_with_db(
            read_settings(), lambda db: CampaignService(db).set_status(slug, "closed")
        )
    except CampaignError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"closed {closed.slug}")
