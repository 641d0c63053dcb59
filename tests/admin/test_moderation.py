"""Moderation journeys over HTTP: organizations wait for approval; rejected ones never count;
hidden ones count without being listed; every action is recorded; owners can be told."""

from __future__ import annotations

from litestar.testing import TestClient

from signon.services.counts import recount
from signon.settings import Settings
from tests.admin.conftest import Account, log_in, post
from tests.support import (
    SmtpSink,
    confirm_path,
    deliver_mail,
    form_token,
    individual_form,
    manage_path,
    organization_form,
    run_with_runtime,
)


def public(client: TestClient) -> tuple[dict[str, int], set[str]]:
    counts = client.get("/api/campaigns/alpha").json()["counts"]
    names = {
        item["name"]
        for kind in ("organization", "individual")
        for item in client.get(f"/api/campaigns/alpha/endorsers?type={kind}").json()["items"]
    }
    return counts, names


def queue_ids(settings: Settings, view: str = "waiting") -> dict[str, int]:
    async def read(runtime) -> dict[str, int]:  # type: ignore[no-untyped-def]
        campaign = await runtime.campaigns.get("alpha")
        items = await runtime.moderation.queue(campaign.id, view)
        return {(i.personal.organization or i.personal.name): i.id for i in items if i.personal}

    return run_with_runtime(settings, read)


def sign_and_confirm(client: TestClient, settings: Settings, smtp: SmtpSink, form: dict) -> None:  # type: ignore[type-arg]
    client.post("/c/alpha/sign", data=form)
    deliver_mail(settings)
    client.post(confirm_path(smtp.to(form["email"])[-1]))


def test_organizations_wait_for_approval_and_actions_follow_the_rules(
    app_client: TestClient, settings: Settings, team: dict[str, Account], smtp_server: SmtpSink
) -> None:
    log_in(app_client, team["owner"].email)
    post(app_client, "/admin/campaigns/alpha/notifications", {"notify": "on"})
    orgs = {
        "Friends of the River": "joan@riverfriends.example.org",
        "Tenants Union": "sam@gmail.example",
        "Friends of the River Inc": "x@other.example",
    }
    for name, email in orgs.items():
        sign_and_confirm(
            app_client,
            settings,
            smtp_server,
            organization_form(slug="alpha", organization=name, email=email),
        )
    counts, names = public(app_client)
    assert counts["organizations"] == 0 and names == set(), "nothing listed before approval"

    # The owner who asked is told, three times.
    deliver_mail(settings)
    told = smtp_server.to("owner@example.org")
    assert len(told) == 3 and "waiting for your approval" in str(told[0]["Subject"])

    queue = app_client.get("/admin/campaigns/alpha/moderation")
    assert queue.status_code == 200
    assert "the contact's address is on this domain" in queue.text
    assert "the contact's address is not on this domain" in queue.text
    assert "Similar names already signed" in queue.text
    assert "joan@riverfriends.example.org" in queue.text, "organizers see what was submitted"

    ids = queue_ids(settings)
    base = "/admin/campaigns/alpha/signatures"
    assert (
        post(app_client, f"{base}/{ids['Friends of the River']}", {"action": "approve"}).status_code
        == 303
    )
    assert (
        post(app_client, f"{base}/{ids['Tenants Union']}", {"action": "reject"}).status_code == 303
    )
    post(app_client, f"{base}/{ids['Friends of the River Inc']}", {"action": "approve"})
    post(app_client, f"{base}/{ids['Friends of the River Inc']}", {"action": "hide"})

    counts, names = public(app_client)
    assert counts == {"individuals": 0, "organizations": 2, "total": 2}
    assert names == {"Friends of the River"}, "rejected never, hidden not listed"
    assert "Tenants Union" not in app_client.get("/c/alpha").text

    post(
        app_client,
        f"{base}/{ids['Friends of the River']}",
        {"action": "correct_name", "name": "Friends of The River"},
    )
    assert public(app_client)[1] == {"Friends of The River"}

    overview = app_client.get("/admin/campaigns/alpha").text
    for action in ("approved", "rejected", "hidden", "name corrected"):
        assert f"{action} on #" in overview
    [check] = run_with_runtime(settings, lambda runtime: recount(runtime.db, "alpha"))
    assert not check.changed


def test_suspicious_filter_shows_the_reason(
    app_client: TestClient, settings: Settings, team: dict[str, Account], smtp_server: SmtpSink
) -> None:
    form = individual_form(slug="alpha", email="fast@example.org")
    form["form_token"] = form_token("alpha", seconds_ago=0.2)
    sign_and_confirm(app_client, settings, smtp_server, form)
    log_in(app_client, team["editor"].email)
    page = app_client.get("/admin/campaigns/alpha/moderation?view=suspicious").text
    assert "Suspicious: sent 0." in page and "fast@example.org" in page
    assert public(app_client)[0]["total"] == 0
    [sid] = queue_ids(settings, "suspicious").values()
    post(app_client, f"/admin/campaigns/alpha/signatures/{sid}", {"action": "approve"})
    assert public(app_client) == ({"individuals": 1, "organizations": 0, "total": 1}, {"Ana Lima"})


def test_a_viewer_sees_counts_but_not_who_signed(
    app_client: TestClient, settings: Settings, team: dict[str, Account], smtp_server: SmtpSink
) -> None:
    form = organization_form(slug="alpha", name="Hidden Contactperson")
    sign_and_confirm(app_client, settings, smtp_server, form)
    log_in(app_client, team["viewer"].email)
    for view in ("waiting", "organizations", "individuals"):
        queue = app_client.get(f"/admin/campaigns/alpha/moderation?view={view}")
        assert queue.status_code == 403 and "Contactperson" not in queue.text
    campaign = app_client.get("/admin/campaigns/alpha").text
    dashboard = app_client.get("/admin").text
    assert "/moderation" not in campaign + dashboard
    assert "Waiting for review" in dashboard and "Contactperson" not in campaign + dashboard


def test_a_name_can_be_corrected_but_not_replaced(
    app_client: TestClient, settings: Settings, team: dict[str, Account], smtp_server: SmtpSink
) -> None:
    form = individual_form(slug="alpha", name="ana LIMA de Souza", email="ana@example.org")
    sign_and_confirm(app_client, settings, smtp_server, form)
    log_in(app_client, team["editor"].email)
    [sid] = queue_ids(settings, "individuals").values()
    path = f"/admin/campaigns/alpha/signatures/{sid}"

    def correct(name: str):  # type: ignore[no-untyped-def]
        return post(
            app_client, path, {"action": "correct_name", "name": name, "view": "individuals"}
        )

    # Another name under this confirmed signature would be a forged endorsement.
    refused = correct("Joe Bloggs")
    assert refused.status_code == 422
    assert f'id="name-{sid}-error"' in refused.text
    assert f'href="#name-{sid}-error"' in refused.text, "the summary links to it"
    assert "it cannot list another name" in refused.text
    assert 'value="Joe Bloggs"' in refused.text, "what was typed is kept"
    assert public(app_client)[1] == {"ana LIMA de Souza"}, "nothing changed"

    assert correct("Ana Lima de Souza").status_code == 303  # capitals
    assert public(app_client)[1] == {"Ana Lima de Souza"}
    assert correct("Ana Lima").status_code == 422, "words left out: hide or reject instead"
    assert correct("Ana Lima de Souza ✓").status_code == 422, "a symbol never written"
    assert correct("Ana‮ Lima de Souza").status_code == 422, "refused as the form does"
    # Measured from the name as given, so small steps cannot walk away from it.
    assert correct("Ana Lina de Sousa").status_code == 303  # two letters in fourteen
    assert correct("Ana Lina de Sousi").status_code == 422
    assert public(app_client)[1] == {"Ana Lina de Sousa"}
    queue = app_client.get("/admin/campaigns/alpha/moderation?view=individuals").text
    assert "The signer gave it as <bdi>ana LIMA de Souza</bdi>." in queue

    # The signer sees the correction, and what they wrote, on their own page.
    manage = manage_path(smtp_server.to("ana@example.org")[0])
    page = app_client.get(manage).text
    assert "Ana Lina de Sousa" in page
    assert "corrected by the organizers; you wrote <bdi>ana LIMA de Souza</bdi>" in page

    # Back to exactly what was given: no correction left to tell.
    assert correct("ana LIMA de Souza").status_code == 303
    assert "corrected by the organizers" not in app_client.get(manage).text
