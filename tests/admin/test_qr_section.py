"""The organizer's campaign page shows the QR code and its downloads, once it has a public page."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from signon.settings import Settings
from tests.admin.conftest import Account, log_in
from tests.support import make_campaign


def qr_section(page: str) -> str:
    match = re.search(r'<section class="qr".*?</section>', page, re.S)
    assert match, "no QR code section"
    return match[0]


def test_an_organizer_sees_the_code_and_downloads_that_work(
    app_client: TestClient, team: dict[str, Account]
) -> None:
    log_in(app_client, team["viewer"].email)
    section = qr_section(app_client.get("/admin/campaigns/alpha").text)
    assert (
        '<img class="qr-code" src="/c/alpha/qr.svg" alt="QR code opening http://testserver.local/c/alpha">'
        in section
    )
    links = dict(
        re.findall(r'<a href="([^"]+)" download="([^"]+)">', section.replace("&amp;", "&"))
    )
    assert links["/c/alpha/qr.svg"] == "alpha-qr.svg"
    assert links["/c/alpha/qr.png?scale=20"] == "alpha-qr.png"
    assert links["/c/alpha/qr.png?scale=20&lang=fr"] == "alpha-fr-qr.png"
    assert links["/c/alpha/qr.svg?lang=ar"] == "alpha-ar-qr.svg"
    assert len(links) == 2 + 2 * 6, "both formats, and both in each of the six languages"
    for href in links:
        image = app_client.get(href)
        assert image.status_code == 200 and image.headers["content-type"].startswith("image/")


def test_a_draft_says_when_its_code_will_appear(
    app_client: TestClient, settings: Settings, team: dict[str, Account]
) -> None:
    make_campaign(settings, slug="gamma", status="draft")
    log_in(app_client, team["admin"].email)
    section = qr_section(app_client.get("/admin/campaigns/gamma").text)
    assert "appears here once the campaign is published" in section
    assert "<img" not in section and "/qr." not in section
