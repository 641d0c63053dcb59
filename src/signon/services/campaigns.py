"""Campaigns: creating, listing, closing, and the read-only view the public pages use."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from signon.db import Database
from signon.db.models import Campaign, utcnow
from signon.embeds import OriginError, parse_origin
from signon.forms import FormOptions
from signon.markdown import render_markdown
from signon.services.pagecache import PageCache

KINDS = ("petition", "letter")
STATUSES = ("draft", "open", "closed")
NAME_DISPLAYS = ("full", "initial")
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")


class CampaignError(ValueError):
    """A campaign cannot be created or changed as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class CampaignSpec:
    slug: str
    title: str
    statement_md: str
    kind: str = "petition"
    status: str = "open"
    goal: int | None = None
    deadline: datetime | None = None
    ask_location: bool = False
    ask_comment: bool = False
    allow_organizations: bool = True
    name_display: str = "full"
    moderate_organizations: bool = True
    moderate_individuals: bool = False
    embed_origins: tuple[str, ...] = ()  # the sites that may frame the embeds (origins)
    embed_anywhere: bool = False

    def problems(self) -> list[str]:
        found = []
        if not SLUG_PATTERN.match(self.slug):
            found.append("the slug must be 1-80 lower-case letters, digits and dashes")
        if not self.title.strip() or len(self.title) > 200:
            found.append("the title must be 1-200 characters")
        if not self.statement_md.strip():
            found.append("the statement must not be empty")
        if self.kind not in KINDS:
            found.append(f"the kind must be one of {', '.join(KINDS)}")
        if self.status not in STATUSES:
            found.append(f"the status must be one of {', '.join(STATUSES)}")
        if self.goal is not None and self.goal < 1:
            found.append("the goal must be a positive number")
        if self.name_display not in NAME_DISPLAYS:
            found.append(f"the name display must be one of {', '.join(NAME_DISPLAYS)}")
        if self.deadline is not None and self.deadline.tzinfo is None:
            found.append("the deadline must carry a time zone")
        for origin in self.embed_origins:
            try:
                if parse_origin(origin) != origin:
                    raise OriginError
            except OriginError:
                found.append(f"{origin!r} is not a bare origin such as https://partner.example")
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
    name_display: str = "full"
    moderate_organizations: bool = True
    moderate_individuals: bool = False
    embed_origins: tuple[str, ...] = ()
    embed_anywhere: bool = False

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
    def progress_percent(self) -> int | None:
        if not self.goal:
            return None
        return min(100, self.total * 100 // self.goal)

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
            embed_origins=tuple((campaign.embed_origins or "").split()),
            embed_anywhere=campaign.embed_anywhere,
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
            deadline=self.deadline,
            ask_location=self.form_options.ask_location,
            ask_comment=self.form_options.ask_comment,
            allow_organizations=self.form_options.allow_organizations,
            name_display=self.name_display,
            moderate_organizations=self.moderate_organizations,
            moderate_individuals=self.moderate_individuals,
            embed_origins=self.embed_origins,
            embed_anywhere=self.embed_anywhere,
        )


def _editable_columns(spec: CampaignSpec) -> dict[str, object]:
    """Every column an organizer edits (the slug and the status have their own rules)."""
    return {
        "title": spec.title.strip(),
        "statement_md": spec.statement_md,
        "statement_html": render_markdown(spec.statement_md),
        "kind": spec.kind,
        "goal": spec.goal,
        "deadline": spec.deadline,
        "ask_location": spec.ask_location,
        "ask_comment": spec.ask_comment,
        "allow_organizations": spec.allow_organizations,
        "name_display": spec.name_display,
        "moderate_organizations": spec.moderate_organizations,
        "moderate_individuals": spec.moderate_individuals,
        "embed_origins": "\n".join(spec.embed_origins) or None,
        "embed_anywhere": spec.embed_anywhere,
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
            raise CampaignError(f"a campaign with the slug {spec.slug!r} already exists") from error
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
                raise CampaignError(f"there is no campaign with the slug {slug!r}")
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
            raise CampaignError(f"the status must be one of {', '.join(STATUSES)}")
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
                raise CampaignError(f"there is no campaign with the slug {slug!r}")
            return CampaignView.of(campaign)
