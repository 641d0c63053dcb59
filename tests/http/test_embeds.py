"""The embeds over HTTP: who may frame them, no cookies, the same sign path as the campaign page,
errors and the neutral answer inside the embed, where a signature came from, closed campaigns."""

from __future__ import annotations

import re

import httpx
from litestar.testing import TestClient
from sqlalchemy import select

from signon.db.models import Signature
from signon.settings import Settings
from tests.support import (
    SmtpSink,
    confirm_path,
    deliver_mail,
    individual_form,
    make_campaign,
    run_with_runtime,
)

PARTNER = "https://partner.example"
LOCAL_PARTNER = "http://127.0.0.1:8123"
EMBEDS = ("/embed/{slug}/form", "/embed/{slug}/counter", "/embed/{slug}/check-email")


def frame_ancestors(response: httpx.Response) -> list[str]:
    policy = response.headers["content-security-policy"]
    [directive] = [d.split()[1:] for d in policy.split(";") if d.split()[0] == "frame-ancestors"]
    return directive


def embed_origin(html: str) -> str:
    match = re.search(r'name="embed_origin" value="([^"]*)"', html)
    assert match, "the embedded form carries the host page's origin"
    return match[1]


def sources(settings: Settings) -> dict[str, str | None]:
    """Each signature's source, by the address's key (what the organizers' export shows)."""

    async def read(runtime) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
        async with runtime.db.read() as session:
            rows = await session.execute(select(Signature.email_key, Signature.source))
            return {key: source for key, source in rows}

    return run_with_runtime(settings, read)


def source_of(settings: Settings, email: str) -> str | None:
    async def key(runtime) -> str:  # type: ignore[no-untyped-def]
        return runtime.keyring.email_key(email)  # type: ignore[no-any-return]

    return sources(settings)[run_with_runtime(settings, key)]


def test_only_the_listed_sites_and_the_site_itself_may_frame_the_embeds(
    client: TestClient, settings: Settings
) -> None:
    make_campaign(settings, slug="listed", embed_origins=(PARTNER, LOCAL_PARTNER))
    make_campaign(settings, slug="anywhere", embed_anywhere=True)
    make_campaign(settings, slug="unlisted")
    expected = {
        "listed": ["'self'", PARTNER, LOCAL_PARTNER],
        "anywhere": ["*"],
        "unlisted": ["'self'"],
    }
    for slug, framers in expected.items():
        for path in EMBEDS:
            response = client.get(path.format(slug=slug))
            assert response.status_code == 200, path
            assert frame_ancestors(response) == framers, (slug, path)
            assert "x-frame-options" not in response.headers, (slug, path)
            assert "set-cookie" not in response.headers
    # Every other page still refuses to be framed at all.
    for path in ("/c/listed", "/c/listed/check-email", "/api/campaigns/listed", "/nowhere"):
        response = client.get(path)
        assert frame_ancestors(response) == ["'none'"], path
        assert response.headers["x-frame-options"] == "DENY", path


def test_a_draft_has_no_embed_and_a_closed_campaign_shows_a_notice(
    client: TestClient, settings: Settings
) -> None:
    make_campaign(settings, slug="draft", status="draft", embed_anywhere=True)
    for path in EMBEDS:
        response = client.get(path.format(slug="draft"))
        assert response.status_code == 404, path
        assert frame_ancestors(response) == ["'none'"]
    make_campaign(settings, slug="closed", status="closed", embed_anywhere=True)
    form = client.get("/embed/closed/form")
    assert form.status_code == 200
    assert "This campaign is closed" in form.text and "<form" not in form.text
    assert 'data-live-count="/api/campaigns/closed"' in form.text, "the count is still shown"
    refused = client.post(
        "/embed/closed/sign", data=individual_form("closed"), follow_redirects=False
    )
    assert refused.status_code == 422
    assert "it no longer takes signatures" in refused.text
    assert frame_ancestors(refused) == ["*"]


def test_signing_through_the_embed_records_the_partner_site(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings, embed_origins=(PARTNER,))
    framed = client.get("/embed/free-them/form", headers={"referer": f"{PARTNER}/news?id=7"})
    assert framed.status_code == 200
    assert embed_origin(framed.text) == PARTNER, "only the origin of the host page is kept"
    assert 'action="/embed/free-them/sign"' in framed.text
    signed = client.post(
        "/embed/free-them/sign",
        data=individual_form(embed_origin=PARTNER),
        follow_redirects=False,
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == "/embed/free-them/check-email"
    assert "set-cookie" not in signed.headers
    check = client.get(signed.headers["location"])
    assert "Check your email" in check.text and 'class="embed"' in check.text
    assert source_of(settings, "ana@example.org") == f"embed:{PARTNER}"

    # The same mail and confirmation as from the campaign page.
    assert deliver_mail(settings).sent == 1
    assert client.post(confirm_path(smtp_server.to("ana@example.org")[0])).status_code == 200
    assert client.get("/api/campaigns/free-them").json()["counts"]["total"] == 1

    client.post("/c/free-them/sign", data=individual_form(email="page@example.org"))
    assert source_of(settings, "page@example.org") is None, "the campaign page records nothing"


def test_an_origin_the_campaign_does_not_list_is_not_recorded(
    client: TestClient, settings: Settings
) -> None:
    make_campaign(settings, embed_origins=(PARTNER,))
    make_campaign(settings, slug="open-to-all", embed_anywhere=True)
    unlisted = client.get("/embed/free-them/form", headers={"referer": "https://other.example/"})
    assert embed_origin(unlisted.text) == "https://other.example"
    for email, origin in (
        ("other@example.org", "https://other.example"),
        ("forged@example.org", 'https://partner.example/"><script>'),
        ("none@example.org", ""),
    ):
        client.post("/embed/free-them/sign", data=individual_form(email=email, embed_origin=origin))
        assert source_of(settings, email) == "embed", origin
    assert embed_origin(client.get("/embed/free-them/form").text) == "", "no Referer, no origin"
    client.post(
        "/embed/open-to-all/sign",
        data=individual_form(
            "open-to-all", email="any@example.org", embed_origin="HTTPS://Any.Example:443"
        ),
    )
    assert source_of(settings, "any@example.org") == "embed:https://any.example"


def test_errors_show_inside_the_embed_with_the_input_kept(
    client: TestClient, settings: Settings
) -> None:
    make_campaign(settings, embed_origins=(PARTNER,))
    response = client.post(
        "/embed/free-them/sign",
        data=individual_form(email="ana@", name="Ana <b>Lima</b>", embed_origin=PARTNER),
    )
    assert response.status_code == 422
    assert frame_ancestors(response) == ["'self'", PARTNER]
    assert "set-cookie" not in response.headers
    html = response.text
    assert 'class="embed"' in html and 'class="languages"' not in html, "the compact page"
    assert 'id="email-error"' in html and 'aria-invalid="true"' in html
    assert 'value="Ana &lt;b&gt;Lima&lt;/b&gt;"' in html, "input kept, escaped"
    assert 'value="ana@"' in html
    assert embed_origin(html) == PARTNER, "the host page's origin survives the retry"
    assert 'action="/embed/free-them/sign"' in html
    assert sources(settings) == {}


def test_a_new_address_and_a_known_one_get_identical_answers_in_the_embed(
    client: TestClient, settings: Settings
) -> None:
    make_campaign(settings, embed_anywhere=True)
    client.post("/embed/free-them/sign", data=individual_form(email="known@example.org"))
    known, new = (
        client.post(
            "/embed/free-them/sign",
            data=individual_form(email=email, embed_origin=PARTNER),
            follow_redirects=False,
        )
        for email in ("known@example.org", "new@example.org")
    )
    assert known.status_code == new.status_code == 303
    assert known.text == new.text and known.headers["location"] == new.headers["location"]
    assert sorted(known.headers.keys()) == sorted(new.headers.keys())
    assert "set-cookie" not in known.headers


def test_the_embeds_speak_the_readers_language(client: TestClient, settings: Settings) -> None:
    make_campaign(settings)
    chosen = client.get("/embed/free-them/form?lang=fr")
    assert 'lang="fr"' in chosen.text
    assert 'action="/embed/free-them/sign?lang=fr"' in chosen.text
    browser = client.get("/embed/free-them/counter", headers={"accept-language": "de, en;q=0.5"})
    assert 'lang="de"' in browser.text
    signed = client.post(
        "/embed/free-them/sign?lang=fr", data=individual_form(), follow_redirects=False
    )
    assert signed.headers["location"] == "/embed/free-them/check-email?lang=fr"


def test_the_counter_shows_the_count_and_goal_without_javascript(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings, goal=40, embed_anywhere=True)
    client.post("/embed/free-them/sign", data=individual_form())
    deliver_mail(settings)
    client.post(confirm_path(smtp_server.to("ana@example.org")[0]))
    counter = client.get("/embed/free-them/counter")
    assert "<strong>1</strong> signature" in counter.text
    assert '<progress id="progress" max="40" value="1">' in counter.text
    assert "<form" not in counter.text and "ana@example.org" not in counter.text
    assert '<script src="/static/live.js" defer></script>' in counter.text
