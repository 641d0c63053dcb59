"""Organizers reach the delivery letter from the campaign page, in both paper sizes."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from signon.settings import Settings
from tests.admin.conftest import Account, add_member, create_account, log_in
from tests.support import make_campaign


def test_every_member_finds_the_letter_and_its_pdfs(
    app_client: TestClient, team: dict[str, Account]
) -> None:
    log_in(app_client, "viewer@example.org")
    page = app_client.get("/admin/campaigns/alpha").text
    links = set(re.findall(r'href="(/c/alpha/letter[^"]*)"', page))
    assert links == {
        "/c/alpha/letter",
        "/c/alpha/letter?paper=letter",
        "/c/alpha/letter.pdf?paper=a4",
        "/c/alpha/letter.pdf?paper=letter",
    }
    for link in links:
        response = app_client.get(link)
        assert response.status_code == 200, link
        expected = "application/pdf" if ".pdf" in link else "text/html"
        assert response.headers["content-type"].startswith(expected), link


def test_a_draft_says_the_letter_comes_once_published(
    app_client: TestClient, settings: Settings
) -> None:
    make_campaign(settings, slug="draft-one", status="draft")
    owner = create_account(settings, "drafter@example.org")
    add_member(settings, "draft-one", owner, "owner")
    log_in(app_client, owner.email)
    page = app_client.get("/admin/campaigns/draft-one").text
    assert "The letter can be printed once the campaign is published." in page
    assert "/c/draft-one/letter" not in page
