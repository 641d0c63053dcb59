"""Campaigns: creating, listing, closing, and the read-only view the public pages use."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from signon.db import Database
from signon.db.models import Campaign, utcnow
from signon.forms import FormOptions
from signon.goals import shown_goal
from signon.i18n import gettext
from signon.markdown import render_markdown
from signon.services.pagecache import PageCache

KINDS = ("petition", "letter")
STATUSES = ("draft", "open", "closed")
NAME_DISPLAYS = ("full", "initial")
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")


class CampaignError(ValueError):
    """A campaign cannot be created or changed as asked; the message says why."""


def _status_problem() -> str:
    return gettext("the status must be one of %(choices)s", choices=", ".join(STATUSES))


def _missing(slug: str) -> str:
    return gettext("there is no campaign with the slug %(slug)s", slug=repr(slug))


@dataclass(frozen=True, slots=True)
class CampaignSpec:
    slug: str
    title: str
    statement_md: str
    kind: str = "petition"
    status: str = "open"
    goal: int | None = None
    goal_step_up: bool = False  # once reached, the goal shown steps up (signon.goals)
    deadline: datetime | None = None
    ask_location: bool = False
    ask_comment: bool = False
    allow_organizations: bool = True
    name_display: str = "full"
    moderate_organizations: bool = True
    moderate_individuals: bool = False

    def problems(self) -> list[str]:
        found = []
        if not SLUG_PATTERN.match(self.slug):
            found.append(gettext("the slug must be 1-80 lower-case letters, digits and dashes"))
        if not self.title.strip() or len(self.title) > 200:
            found.append(gettext("the title must be 1-200 characters"))
        if not self.statement_md.strip():
            found.append(gettext("the statement must not be empty"))
        if self.kind not in KINDS:
            found.append(gettext("the kind must be one of %(choices)s", choices=", ".join(KINDS)))
        if self.status not in STATUSES:
            found.append(_status_problem())
        if self.goal is not None and self.goal < 1:
            found.append(gettext("the goal must be a positive number"))
        if self.goal_step_up and self.goal is None:
            found.append(gettext("a goal that steps up needs a goal to start from"))
        if self.name_display not in NAME_DISPLAYS:
            found.append(
                gettext(
                    "the name display must be one of %(choices)s", choices=", ".join(NAME_DISPLAYS)
                )
            )
        if self.deadline is not None and self.deadline.tzinfo is None:
            found.append(gettext("the deadline must carry a time zone"))
        return found


@dataclass(frozen=True, slots=True)
class CampaignView:
    """What the public pages and the API know of a campaign."""

    id: int
    slug: str
    title: str
    statement_html: str
    kind: str
    status: str
    goal: int | None
    deadline: datetime | None
    form_options: FormOptions
    individuals: int
    organizations: int
    statement_md: str = ""
    goal_step_up: bool = False
    name_display: str = "full"
    moderate_organizations: bool = True
    moderate_individuals: bool = False

    def needs_review(self, signer_type: str) -> bool:
        """Whether a new signature of this type waits for an organizer before it counts."""
        if signer_type == "organization":
            return self.moderate_organizations
        return self.moderate_individuals

    @property
    def total(self) -> int:
        return self.individuals + self.organizations

    def effective_status(self, now: datetime) -> str:
        """A campaign past its deadline is closed, whatever its stored status says."""
        if self.status == "open" and self.deadline is not None and now >= self.deadline:
            return "closed"
        return self.status

    def accepts_signatures(self, now: datetime) -> bool:
        return self.effective_status(now) == "open"

    @property
    def shown_goal(self) -> int | None:
        """The goal the public sees: the organizer's, or the milestone it stepped up to."""
        return shown_goal(self.goal, self.total, self.goal_step_up)

    @property
    def progress_percent(self) -> int | None:
        goal = self.shown_goal
        if not goal:
            return None
        return min(100, self.total * 100 // goal)

    @classmethod
    def of(cls, campaign: Campaign) -> CampaignView:
        return cls(
            id=campaign.id,
            slug=campaign.slug,
            title=campaign.title,
            statement_html=campaign.statement_html,
            kind=campaign.kind,
            status=campaign.status,
            goal=campaign.goal,
            goal_step_up=campaign.goal_step_up,
            deadline=campaign.deadline,
            form_options=FormOptions(
                ask_location=campaign.ask_location,
                ask_comment=campaign.ask_comment,
                allow_organizations=campaign.allow_organizations,
            ),
            individuals=campaign.individuals_count,
            organizations=campaign.organizations_count,
            statement_md=campaign.statement_md,
            name_display=campaign.name_display,
            moderate_organizations=campaign.moderate_organizations,
            moderate_individuals=campaign.moderate_individuals,
        )

    def spec(self) -> CampaignSpec:
        """The editable fields, as the edit form starts from them."""
        return CampaignSpec(
            slug=self.slug,
            title=self.title,
            statement_md=self.statement_md,
            kind=self.kind,
            status=self.status,
            goal=self.goal,
            goal_step_up=self.goal_step_up,
            deadline=self.deadline,
            ask_location=self.form_options.ask_location,
            ask_comment=self.form_options.ask_comment,
            allow_organizations=self.form_options.allow_organizations,
            name_display=self.name_display,
            moderate_organizations=self.moderate_organizations,
            moderate_individuals=self.moderate_individuals,
        )


def _editable_columns(spec: CampaignSpec) -> dict[str, object]:
    """Every column an organizer edits (the slug and the status have their own rules)."""
    return {
        "title": spec.title.strip(),
        "statement_md": spec.statement_md,
        "statement_html": render_markdown(spec.statement_md),
        "kind": spec.kind,
        "goal": spec.goal,
        "goal_step_up": spec.goal_step_up,
        "deadline": spec.deadline,
        "ask_location": spec.ask_location,
        "ask_comment": spec.ask_comment,
        "allow_organizations": spec.allow_organizations,
        "name_display": spec.name_display,
        "moderate_organizations": spec.moderate_organizations,
        "moderate_individuals": spec.moderate_individuals,
    }


class CampaignService:
    def __init__(self, db: Database, cache: PageCache | None = None) -> None:
        self.db = db
        self.cache = cache or PageCache(0)

    async def create(self, spec: CampaignSpec) -> CampaignView:
        if problems := spec.problems():
            raise CampaignError("; ".join(problems))
        campaign = Campaign(
            slug=spec.slug,
            status=spec.status,
            closed_at=utcnow() if spec.status == "closed" else None,
            individuals_count=0,
            organizations_count=0,
            **_editable_columns(spec),
        )
        try:
            async with self.db.write() as session:
                session.add(campaign)
        except IntegrityError as error:
            raise CampaignError(
                gettext("a campaign with the slug %(slug)s already exists", slug=repr(spec.slug))
            ) from error
        return CampaignView.of(campaign)

    async def update(self, slug: str, spec: CampaignSpec) -> CampaignView:
        """Change every editable field; the slug (the public address) and status stay."""
        if problems := spec.problems():
            raise CampaignError("; ".join(problems))
        async with self.db.write() as session:
            campaign = await session.scalar(
                update(Campaign)
                .where(Campaign.slug == slug)
                .values(updated_at=utcnow(), **_editable_columns(spec))
                .returning(Campaign)
            )
            if campaign is None:
                raise CampaignError(_missing(slug))
            return CampaignView.of(campaign)

    async def get(self, slug: str) -> CampaignView | None:
        async with self.db.read() as session:
            campaign = await session.scalar(select(Campaign).where(Campaign.slug == slug))
            return CampaignView.of(campaign) if campaign else None

    async def get_published(self, slug: str) -> CampaignView | None:
        """A campaign the public may see: anything but a draft (held briefly in memory)."""
        if len(slug) > 80:
            return None
        campaign = await self.cache.get(("campaign", slug), lambda: self.get(slug))
        return campaign if campaign and campaign.status != "draft" else None

    async def list_all(self) -> list[CampaignView]:
        async with self.db.read() as session:
            rows = await session.scalars(
                select(Campaign).order_by(Campaign.created_at, Campaign.id)
            )
            return [CampaignView.of(row) for row in rows]

    async def set_status(self, slug: str, status: str) -> CampaignView:
        if status not in STATUSES:
            raise CampaignError(_status_problem())
        async with self.db.write() as session:
            campaign = await session.scalar(
                update(Campaign)
                .where(Campaign.slug == slug)
                .values(
                    status=status,
                    updated_at=utcnow(),
                    # Closing twice keeps the first date: retention counts from it.
                    closed_at=func.coalesce(Campaign.closed_at, utcnow())
                    if status == "closed"
                    else None,
                )
                .returning(Campaign)
            )
            if campaign is None:
                raise CampaignError(_missing(slug))
            return CampaignView.of(campaign)
