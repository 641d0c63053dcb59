"""Dev mode without SMTP keeps mail in a local mailbox page a person can click through."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from signon.app import create_app
from signon.settings import Settings
from tests.support import deliver_mail, individual_form, make_campaign


def test_dev_mailbox_shows_the_confirmation_link(settings: Settings) -> None:
    dev = settings.with_changes(dev=True, smtp_url=None)
    make_campaign(dev)
    with TestClient(app=create_app(dev), base_url="http://testserver.local") as client:
        assert "No mail yet" in client.get("/dev/mailbox").text
        client.post("/c/free-them/sign", data=individual_form(name="<i>Dev</i> Person"))
        assert deliver_mail(dev).sent == 1
        mailbox = client.get("/dev/mailbox")
        assert mailbox.status_code == 200 and "ana@example.org" in mailbox.text
        message_url = re.search(r'href="(/dev/mailbox/[^"]+)"', mailbox.text)
        assert message_url
        message = client.get(message_url[1])
        link = re.search(r'<a href="http://testserver\.local(/confirm/[^"]+)"', message.text)
        assert link, message.text
        assert client.post(link[1]).status_code == 200
        assert client.get("/api/campaigns/free-them").json()["counts"]["total"] == 1
        assert client.get("/dev/mailbox/../../secret_key").status_code == 404
        assert client.get("/dev/mailbox/nothing.eml").status_code == 404


def test_no_dev_mailbox_in_production(client: TestClient) -> None:
    assert client.get("/dev/mailbox").status_code == 404


def test_pages_load_nothing_from_other_origins(client: TestClient, settings: Settings) -> None:
    make_campaign(
        settings,
        statement_md="See [our site](https://example.org) ![x](https://tracker.example/p.gif)",
    )
    for url in (
        "/c/free-them",
        "/c/free-them/endorsers?type=individual",
        "/c/free-them/check-email",
        "/confirm/bad-token",
        "/c/missing",
    ):
        page = client.get(url).text
        assert not re.search(r'<(script|img|link|iframe)[^>]+(src|href)="(https?:)?//', page), url
        # Scripts only from our own /static/, never inline.
        assert not re.search(r'<script(?![^>]*\ssrc="/static/[a-z]+\.js")', page), url
    assert client.get("/static/signon.css").status_code == 200
