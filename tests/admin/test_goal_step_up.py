"""The campaign form's "the goal steps up" choice: saved, shown again, refused without a goal."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from signon.settings import Settings
from tests.admin.conftest import Account, log_in, post
from tests.support import run_with_runtime

FORM = {
    "title": "Free them all",
    "statement_md": "We call for justice.",
    "kind": "petition",
    "name_display": "full",
    "language": "en",
    "action": "save",
}


def checkbox(page: str) -> str:
    """The step-up checkbox's tag, its attributes separated by single spaces."""
    match = re.search(r'<input type="checkbox" name="goal_step_up"[^>]*>', page)
    assert match, "the form has no step-up checkbox"
    return " ".join(match[0].split())


def stored_step_up(settings: Settings, slug: str) -> bool:
    async def read(runtime) -> bool:  # type: ignore[no-untyped-def]
        campaign = await runtime.campaigns.get(slug)
        return campaign.goal_step_up

    return run_with_runtime(settings, read)


def test_an_organizer_turns_the_stepping_goal_on_and_off(
    app_client: TestClient, settings: Settings, team: dict[str, Account]
) -> None:
    log_in(app_client, team["editor"].email)
    edit = "/admin/campaigns/alpha/edit"
    assert " checked" not in checkbox(app_client.get(edit).text)

    saved = post(app_client, edit, {**FORM, "goal": "250", "goal_step_up": "on"})
    assert saved.status_code == 303
    assert stored_step_up(settings, "alpha")
    assert " checked" in checkbox(app_client.get(edit).text)

    unticked = post(app_client, edit, {**FORM, "goal": "250"})  # a checkbox left out is off
    assert unticked.status_code == 303
    assert not stored_step_up(settings, "alpha")


def test_a_stepping_goal_without_a_goal_is_refused_beside_the_field(
    app_client: TestClient, settings: Settings, team: dict[str, Account]
) -> None:
    log_in(app_client, team["owner"].email)
    refused = post(
        app_client,
        "/admin/campaigns/new",
        {**FORM, "slug": "gamma", "title": "Kept <title>", "goal": "", "goal_step_up": "on"},
    )
    assert refused.status_code == 422
    field = refused.text.split('name="goal_step_up"', 1)[1].split("</div>", 1)[0]
    assert "Set a goal above to step up from" in field
    assert 'value="Kept &lt;title&gt;"' in refused.text, "the input is kept, escaped"
    assert checkbox(refused.text).endswith(
        ' checked aria-describedby="goal_step_up-error" aria-invalid="true">'
    )
    assert run_with_runtime(settings, lambda runtime: runtime.campaigns.get("gamma")) is None

    created = post(
        app_client,
        "/admin/campaigns/new",
        {**FORM, "slug": "gamma", "goal": "10", "goal_step_up": "on"},
    )
    assert created.status_code == 303
    assert stored_step_up(settings, "gamma")
