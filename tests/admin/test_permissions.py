"""Every role against every admin action: allowed ones work, forbidden ones answer 403 (or the
login page) and change nothing. Nobody reaches another campaign by guessing its address."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from signon.settings import Settings
from tests.admin.conftest import Account, log_in, post
from tests.support import confirm_path, deliver_mail, make_campaign, organization_form

ROLES = ("admin", "owner", "editor", "viewer", "outsider", "anonymous")
# action -> (method, path, form, roles allowed)
ACTIONS = {
    "view": ("GET", "/admin/campaigns/alpha", None, {"admin", "owner", "editor", "viewer"}),
    "queue": ("GET", "/admin/campaigns/alpha/moderation", None, {"admin", "owner", "editor"}),
    "edit page": ("GET", "/admin/campaigns/alpha/edit", None, {"admin", "owner", "editor"}),
    "edit": (
        "POST",
        "/admin/campaigns/alpha/edit",
        {"title": "Changed title", "statement_md": "Changed", "kind": "petition", "name_display": "full", "language": "en"},
        {"admin", "owner", "editor"},
    ),
    "moderate": ("POST", "/admin/campaigns/alpha/signatures/{sid}", {"action": "approve"}, {"admin", "owner", "editor"}),
    "export": ("GET", "/admin/campaigns/alpha/export.csv", None, {"admin", "owner"}),
    "delivery": ("GET", "/admin/campaigns/alpha/delivery.csv", None, {"admin", "owner"}),
    "members": ("POST", "/admin/campaigns/alpha/members", {"email": "outsider@example.org", "role": "viewer"}, {"admin", "owner"}),
    "updates page": ("GET", "/admin/campaigns/alpha/updates", None, {"admin", "owner"}),
    "update": ("POST", "/admin/campaigns/alpha/updates", {"subject": "S", "body_md": "B", "action": "send"}, {"admin", "owner"}),
    "notify": ("POST", "/admin/campaigns/alpha/notifications", {"notify": "on"}, {"admin", "owner"}),
    "accounts": ("GET", "/admin/users", None, {"admin"}),
    "create account": ("POST", "/admin/users", {"email": "new@example.org", "action": "create"}, {"admin"}),
    "translation page": ("GET", "/admin/campaigns/alpha/texts/new", None, {"admin", "owner", "editor"}),
    "translate": ("POST", "/admin/campaigns/alpha/texts/new", {"language": "fr", "title": "Libérez-les", "statement_md": "Justice."}, {"admin", "owner", "editor"}),
    "edit translation": ("POST", "/admin/campaigns/alpha/texts/fr", {"title": "Libérez-les tous", "statement_md": "Justice !"}, {"admin", "owner", "editor"}),
    "remove translation": ("POST", "/admin/campaigns/alpha/texts/fr/remove", None, {"admin", "owner", "editor"}),
    "close": ("POST", "/admin/campaigns/alpha/status", {"action": "close"}, {"admin", "owner", "editor"}),
}  # fmt: skip


def state(client: TestClient, settings: Settings) -> tuple:  # type: ignore[type-arg]
    """What a forbidden request must not change."""
    from tests.support import run_with_runtime

    async def read(runtime) -> tuple:  # type: ignore[no-untyped-def, type-arg]
        campaign = await runtime.campaigns.get("alpha")
        members = await runtime.access.members(campaign.id)
        users = await runtime.accounts.list_users()
        exports = await runtime.exports.log(campaign.id)
        updates = await runtime.updates.history(campaign.id)
        queue = await runtime.moderation.queue(campaign.id, "waiting")
        return (
            campaign, [(m.email, m.role, m.notify_organizations) for m in members], users,
            len(exports), len(updates), [i.moderation for i in queue],
        )  # fmt: skip

    return run_with_runtime(settings, read)


@pytest.fixture
def held_organization(settings: Settings, team: dict[str, Account], smtp_server) -> int:  # type: ignore[no-untyped-def]
    """An organization that signed alpha, confirmed, and waits for approval: its id."""
    from signon.app import create_app
    from tests.support import run_with_runtime

    with TestClient(app=create_app(settings), base_url="http://testserver.local") as public:
        public.post("/c/alpha/sign", data=organization_form(slug="alpha"))
        deliver_mail(settings)
        public.post(confirm_path(smtp_server.messages[-1]))

    async def waiting(runtime) -> int:  # type: ignore[no-untyped-def]
        campaign = await runtime.campaigns.get("alpha")
        [item] = await runtime.moderation.queue(campaign.id, "waiting")
        return item.id

    return run_with_runtime(settings, waiting)


@pytest.mark.parametrize("role", ROLES)
def test_role_against_every_action(
    app_client: TestClient,
    settings: Settings,
    team: dict[str, Account],
    held_organization: int,
    role: str,
) -> None:
    if role != "anonymous":
        assert log_in(app_client, team[role].email).status_code == 303
    for action, (method, path, form, allowed) in ACTIONS.items():  # "close" comes last
        path = path.format(sid=held_organization)
        before = state(app_client, settings)
        if method == "GET":
            response = app_client.get(path, follow_redirects=False)
        else:
            response = post(app_client, path, form)
        if role == "anonymous":
            assert response.status_code == 303, action
            assert response.headers["location"] == "/admin/login"
            assert state(app_client, settings) == before
        elif role in allowed:
            assert response.status_code in {200, 303}, (role, action, response.text[:300])
        else:
            assert response.status_code == 403, (role, action, response.status_code)
            assert state(app_client, settings) == before, f"refused {action} changed something"


@pytest.mark.parametrize("path", [
    "/admin/campaigns/beta", "/admin/campaigns/beta/edit", "/admin/campaigns/beta/moderation",
    "/admin/campaigns/beta/texts/new",
    "/admin/campaigns/beta/export.csv", "/admin/campaigns/no-such-campaign",
    "/admin/campaigns/no-such-campaign/export.csv",
])  # fmt: skip
def test_an_owner_of_alpha_cannot_reach_beta_or_probe_for_campaigns(
    app_client: TestClient, settings: Settings, team: dict[str, Account], path: str
) -> None:
    log_in(app_client, team["owner"].email)
    response = app_client.get(path, follow_redirects=False)
    assert response.status_code == 403
    assert "Free them all" not in response.text


def test_the_dashboard_lists_only_ones_own_campaigns(
    app_client: TestClient, settings: Settings, team: dict[str, Account]
) -> None:
    make_campaign(settings, slug="gamma", title="Gamma campaign")
    log_in(app_client, team["viewer"].email)
    page = app_client.get("/admin/").text
    assert "/admin/campaigns/alpha" in page and "/admin/campaigns/beta" not in page
    assert "/admin/campaigns/gamma" not in page
