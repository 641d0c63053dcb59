"""The campaign form of the admin pages: lenient text in, a CampaignSpec or errors out."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime

from signon.embeds import parse_origin_lines
from signon.i18n import DEFAULT, LANGUAGES, gettext
from signon.markdown import render_markdown
from signon.services.campaigns import KINDS, NAME_DISPLAYS, SLUG_PATTERN, CampaignSpec, CampaignView
from signon.services.campaigntexts import text_problems


@dataclass
class CampaignForm:
    slug: str = ""
    title: str = ""
    statement_md: str = ""
    kind: str = "petition"
    goal: str = ""
    goal_step_up: str = ""
    deadline: str = ""
    ask_location: str = ""
    ask_comment: str = ""
    allow_organizations: str = ""
    moderate_organizations: str = ""
    moderate_individuals: str = ""
    name_display: str = "full"
    language: str = ""
    thank_you_md: str = ""
    embed_origins: str = ""  # one origin per line
    embed_anywhere: str = ""
    action: str = "save"  # or "preview"

    @classmethod
    def of(cls, campaign: CampaignView) -> CampaignForm:
        spec = campaign.spec()
        return cls(
            slug=spec.slug,
            title=spec.title,
            statement_md=spec.statement_md,
            kind=spec.kind,
            goal=str(spec.goal or ""),
            goal_step_up="on" if spec.goal_step_up else "",
            deadline=spec.deadline.strftime("%Y-%m-%dT%H:%M") if spec.deadline else "",
            ask_location="on" if spec.ask_location else "",
            ask_comment="on" if spec.ask_comment else "",
            allow_organizations="on" if spec.allow_organizations else "",
            moderate_organizations="on" if spec.moderate_organizations else "",
            moderate_individuals="on" if spec.moderate_individuals else "",
            name_display=spec.name_display,
            language=spec.language,
            thank_you_md=spec.thank_you_md,
            embed_origins="\n".join(spec.embed_origins),
            embed_anywhere="on" if spec.embed_anywhere else "",
        )

    @classmethod
    def blank(cls) -> CampaignForm:
        return cls(allow_organizations="on", moderate_organizations="on", language=DEFAULT)

    def values(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def parse_campaign_form(
    form: CampaignForm, status: str
) -> tuple[CampaignSpec | None, dict[str, str]]:
    errors: dict[str, str] = {}
    goal = None
    if form.goal.strip():
        try:
            goal = int(form.goal.strip())
            if goal < 1:
                raise ValueError
        except ValueError:
            errors["goal"] = gettext("The goal is a whole number above zero, or empty.")
    if form.goal_step_up and not form.goal.strip():
        errors["goal_step_up"] = gettext(
            "Set a goal above to step up from, or leave this unticked."
        )
    deadline = None
    if form.deadline.strip():
        try:
            deadline = datetime.fromisoformat(form.deadline.strip())
            if deadline.tzinfo is None:
                deadline = deadline.replace(tzinfo=UTC)  # the form's time is UTC, as labelled
        except ValueError:
            errors["deadline"] = gettext("Use a date and time such as 2026-12-31T23:59.")
    if form.kind not in KINDS:
        errors["kind"] = gettext("Choose petition or letter.")
    if form.name_display not in NAME_DISPLAYS:
        errors["name_display"] = gettext("Choose how names are shown.")
    if form.language not in LANGUAGES:
        errors["language"] = gettext("Choose the language the title and statement are written in.")
    errors.update(text_problems(form.title, form.statement_md, form.thank_you_md))
    embed = parse_origin_lines(form.embed_origins)
    if embed.error:
        errors["embed_origins"] = embed.error
    spec = CampaignSpec(
        slug=form.slug.strip().lower(),
        title=form.title.strip(),
        statement_md=form.statement_md,
        kind=form.kind,
        status=status,
        goal=goal,
        goal_step_up=bool(form.goal_step_up),
        deadline=deadline,
        ask_location=bool(form.ask_location),
        ask_comment=bool(form.ask_comment),
        allow_organizations=bool(form.allow_organizations),
        name_display=form.name_display,
        moderate_organizations=bool(form.moderate_organizations),
        moderate_individuals=bool(form.moderate_individuals),
        language=form.language,
        thank_you_md=form.thank_you_md,
        embed_origins=embed.origins,
        embed_anywhere=bool(form.embed_anywhere),
    )
    if not errors and (problems := spec.problems()):
        if not SLUG_PATTERN.match(spec.slug):
            errors["slug"] = gettext(
                "1 to 80 lower-case letters, digits and dashes; it is the address."
            )
        else:
            errors["form"] = "; ".join(problems)
    return (None if errors else spec), errors


def preview_texts(statement_md: str, thank_you_md: str) -> dict[str, str]:
    """The texts as the public will see them (rendered, not saved)."""
    shown = {"statement": render_markdown(statement_md)}
    if thank_you_md.strip():
        shown["thank_you"] = render_markdown(thank_you_md)
    return shown
