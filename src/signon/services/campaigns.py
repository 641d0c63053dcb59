"""Campaigns: creating, listing, closing, and the read-only view the public pages use."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError

from signon.db import Database
from signon.db.models import Campaign, CampaignText, utcnow
from signon.embeds import OriginError, parse_origin
from signon.forms import FormOptions
from signon.goals import shown_goal
from signon.i18n import LANGUAGES, gettext, native_name
from signon.markdown import render_markdown
from signon.services.campaigntexts import (
    Texts,
    first_thank_you,
    text_problems,
    thank_you_columns,
)
from signon.services.namedisplay import shorten_listed_names
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


class LanguageTaken(CampaignError):
    """The campaign's language cannot become one it already has a translation into."""


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
    language: str = "en"
    thank_you_md: str = ""
    embed_origins: tuple[str, ...] = ()  # the sites that may frame the embeds (origins)
    embed_anywhere: bool = False

    def problems(self) -> list[str]:
        found = []
        if not SLUG_PATTERN.match(self.slug):
            found.append(gettext("the slug must be 1-80 lower-case letters, digits and dashes"))
        # The same limits as every translation's texts (one definition).
        found.extend(text_problems(self.title, self.statement_md, self.thank_you_md).values())
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
        if self.language not in LANGUAGES:
            found.append(
                gettext("the language must be one of %(choices)s", choices=", ".join(LANGUAGES))
            )
        for origin in self.embed_origins:
            try:
                if parse_origin(origin) != origin:
                    raise OriginError
            except OriginError:
                found.append(
                    gettext(
                        "%(origin)s is not a bare origin such as https://partner.example",
                        origin=repr(origin),
                    )
                )
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
    language: str = "en"
    thank_you_md: str | None = None
    thank_you_html: str | None = None
    # The texts in other languages, by language (loaded with the campaign, in one query).
    translations: tuple[Texts, ...] = ()

    @property
    def own_texts(self) -> Texts:
        return Texts(
            language=self.language,
            title=self.title,
            statement_md=self.statement_md,
            statement_html=self.statement_html,
            thank_you_md=self.thank_you_md,
            thank_you_html=self.thank_you_html,
        )

    def texts(self, language: str) -> Texts:
        """The texts a reader of `language` sees: its translation, else the campaign's own."""
        for texts in self.translations:
            if texts.language == language:
                return texts
        return self.own_texts

    def thank_you(self, language: str) -> tuple[str, str] | None:
        """(html, its language) shown after confirming."""
        texts = self.texts(language)
        return first_thank_you(
            (texts.thank_you_html, texts.language), (self.thank_you_html, self.language)
        )

    def free_languages(self) -> list[tuple[str, str]]:
        """(code, name) of each language a translation could still be added in."""
        used = {self.language} | {t.language for t in self.translations}
        return [(code, native_name(code)) for code in LANGUAGES if code not in used]

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
    def of(cls, campaign: Campaign, translations: Iterable[CampaignText] = ()) -> CampaignView:
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
            language=campaign.language,
            thank_you_md=campaign.thank_you_md,
            thank_you_html=campaign.thank_you_html,
            translations=tuple(
                Texts.of(row) for row in sorted(translations, key=lambda row: row.language)
            ),
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
            goal_step_up=self.goal_step_up,
            deadline=self.deadline,
            ask_location=self.form_options.ask_location,
            ask_comment=self.form_options.ask_comment,
            allow_organizations=self.form_options.allow_organizations,
            name_display=self.name_display,
            moderate_organizations=self.moderate_organizations,
            moderate_individuals=self.moderate_individuals,
            language=self.language,
            thank_you_md=self.thank_you_md or "",
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
        "goal_step_up": spec.goal_step_up,
        "deadline": spec.deadline,
        "ask_location": spec.ask_location,
        "ask_comment": spec.ask_comment,
        "allow_organizations": spec.allow_organizations,
        "name_display": spec.name_display,
        "moderate_organizations": spec.moderate_organizations,
        "moderate_individuals": spec.moderate_individuals,
        "language": spec.language,
        **thank_you_columns(spec.thank_you_md),
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
            raise CampaignError(
                gettext("a campaign with the slug %(slug)s already exists", slug=repr(spec.slug))
            ) from error
        return CampaignView.of(campaign)

    async def update(self, slug: str, spec: CampaignSpec) -> CampaignView:
        """Change every editable field; the slug (the public address) and status stay."""
        if problems := spec.problems():
            raise CampaignError("; ".join(problems))
        async with self.db.write() as session:
            before = (
                await session.execute(
                    select(Campaign.name_display, Campaign.status).where(Campaign.slug == slug)
                )
            ).first()
            now = utcnow()
            # An open campaign whose deadline moved past today takes signatures again: purge
            # it again when it is over.
            reopened = bool(before and before.status == "open") and (
                spec.deadline is None or spec.deadline > now
            )
            campaign = await session.scalar(
                update(Campaign)
                .where(Campaign.slug == slug)
                .values(
                    updated_at=now,
                    purged_at=None if reopened else Campaign.purged_at,
                    **_editable_columns(spec),
                )
                .returning(Campaign)
            )
            if campaign is None:
                raise CampaignError(_missing(slug))
            translations = list(await session.scalars(translations_of(campaign.id)))
            if any(row.language == spec.language for row in translations):
                # Raising rolls the whole edit back: nothing is half-saved.
                raise LanguageTaken(
                    gettext(
                        "There is a translation into %(language)s: remove it first, "
                        "or choose another language.",
                        language=native_name(spec.language),
                    )
                )
            view = CampaignView.of(campaign, translations)
        self.cache.forget(("campaign", slug))
        if view.name_display == "initial" and before and before.name_display != "initial":
            await shorten_listed_names(self.db, view.id)
        return view

    async def get(self, slug: str) -> CampaignView | None:
        """The campaign with its translations, in one query."""
        async with self.db.read() as session:
            rows = (
                await session.execute(
                    select(Campaign, CampaignText)
                    .outerjoin(CampaignText, CampaignText.campaign_id == Campaign.id)
                    .where(Campaign.slug == slug)
                )
            ).all()
        if not rows:
            return None
        return CampaignView.of(rows[0][0], [text for _, text in rows if text is not None])

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
                    # Reopened, it will collect personal data again: purge it again when over.
                    purged_at=Campaign.purged_at if status == "closed" else None,
                )
                .returning(Campaign)
            )
            if campaign is None:
                raise CampaignError(_missing(slug))
            view = CampaignView.of(campaign)
        self.cache.forget(("campaign", slug))
        return view


def translations_of(campaign_id: int) -> Select[tuple[CampaignText]]:
    """The query for a campaign's translations."""
    return select(CampaignText).where(CampaignText.campaign_id == campaign_id)
