"""The campaign form of the admin pages: lenient text in, a CampaignSpec or errors out."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime

from signon.i18n import format_number, gettext
from signon.services.campaigns import KINDS, NAME_DISPLAYS, SLUG_PATTERN, CampaignSpec, CampaignView


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
        )

    @classmethod
    def blank(cls) -> CampaignForm:
        return cls(allow_organizations="on", moderate_organizations="on")

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
    if not form.title.strip() or len(form.title) > 200:
        errors["title"] = gettext("A title of 1 to 200 characters.")
    if not form.statement_md.strip():
        errors["statement_md"] = gettext("The statement cannot be empty.")
    elif len(form.statement_md) > 50_000:
        errors["statement_md"] = gettext(
            "The statement is limited to %(limit)s characters.", limit=format_number(50_000)
        )
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
    )
    if not errors and (problems := spec.problems()):
        if not SLUG_PATTERN.match(spec.slug):
            errors["slug"] = gettext(
                "1 to 80 lower-case letters, digits and dashes; it is the address."
            )
        else:
            errors["form"] = "; ".join(problems)
    return (None if errors else spec), errors
