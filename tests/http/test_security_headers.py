"""Security headers on every response: a strict CSP, no framing, no caching of pages that may
show personal data, and HSTS only when the request really came over HTTPS."""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from litestar import Litestar, get
from litestar.datastructures import CacheControlHeader
from litestar.testing import TestClient

from signon.app import create_app
from signon.settings import Settings
from signon.web.security import SecurityHeaders, parse_trusted_proxies
from tests.support import (
    SmtpSink,
    body_of,
    confirm_path,
    deliver_mail,
    free_port,
    individual_form,
    make_campaign,
)

BASE_URL = "http://testserver.local"
CSP = {
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-src": ["'self'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
}
FIXED = {
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "cross-origin-opener-policy": "same-origin",
    "x-frame-options": "DENY",
}
HSTS = "max-age=63072000; includeSubDomains"
# A statement linking out and trying to embed a tracker: the link stays, the image must not load.
STATEMENT = "See [our site](https://example.org) ![x](https://tracker.example/p.gif)"
REMOTE_RESOURCE = re.compile(
    r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?\s*(?:[a-z]+:)?//", re.I
)
NEEDS_UNSAFE_INLINE = re.compile(
    r'<script\b(?![^>]*\ssrc="/static/[a-z]+\.js"[^>]*></script>)'
    r"|<style\b|<[a-z][^>]*\s(?:style|on[a-z]+)\s*=|javascript:",
    re.I,
)


def secured_app(settings: Settings, trusted_proxies: str = "") -> Litestar:
    """The app as create_app builds it, with SIGNON_TRUSTED_PROXIES set to `trusted_proxies`."""
    trusted = tuple(str(network) for network in parse_trusted_proxies(trusted_proxies))
    return create_app(settings.with_changes(trusted_proxies=trusted))


@contextlib.contextmanager
def secured_client(
    settings: Settings, trusted_proxies: str = "", base_url: str = BASE_URL
) -> Iterator[TestClient]:
    with TestClient(app=secured_app(settings, trusted_proxies), base_url=base_url) as client:
        yield client


@contextlib.contextmanager
def served(app: Litestar) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 with uvicorn as `signon serve` does (proxy_headers=False)."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", proxy_headers=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def visit_every_page(settings: Settings, smtp_server: SmtpSink) -> dict[str, httpx.Response]:
    """One response of each kind the app sends, by name, each checked for its status."""
    make_campaign(settings, statement_md=STATEMENT)
    sign = "/c/free-them/sign"
    pages: dict[str, httpx.Response] = {}
    with secured_client(settings) as client:
        pages["campaign"] = client.get("/c/free-them")
        pages["sign"] = client.post(sign, data=individual_form(), follow_redirects=False)
        pages["sign refused"] = client.post(sign, data=individual_form(email="ana@", name="Ana L"))
        client.post(sign, data=individual_form(email="bo@example.org", name="Bo"))
        pages["check email"] = client.get("/c/free-them/check-email")
        deliver_mail(settings)
        link = confirm_path(smtp_server.to("ana@example.org")[0])
        pages["confirm page"] = client.get(link)
        pages["confirmed"] = client.post(link)
        pages["already confirmed"] = client.get(link)
        manage = re.search(
            r"/manage/[A-Za-z0-9_.\-]+", body_of(smtp_server.to("ana@example.org")[0])
        )
        assert manage
        pages["manage"] = client.get(manage[0])
        pages["manage changed"] = client.post(f"{manage[0]}/display", data={"display": "private"})
        pages["manage bad link"] = client.get("/manage/not-a-token")
        pages["bad link"] = client.get("/confirm/not-a-token")
        pages["organizations"] = client.get("/c/free-them/endorsers?type=organization")
        pages["individuals"] = client.get("/c/free-them/endorsers?type=individual")
        pages["bad list"] = client.get("/c/free-them/endorsers?type=everyone")
        pages["api counts"] = client.get("/api/campaigns/free-them")
        pages["api endorsers"] = client.get("/api/campaigns/free-them/endorsers?type=individual")
        pages["api not found"] = client.get("/api/campaigns/missing")
        pages["no campaign"] = client.get("/c/missing")
        pages["no route"] = client.get("/nowhere")
        pages["wrong method"] = client.get(sign)
        pages["too large"] = client.post(sign, data=individual_form(comment="x" * 100_000))
        pages["stylesheet"] = client.get("/static/signon.css")

    bo_link = confirm_path(smtp_server.to("bo@example.org")[0])
    expired = settings.with_changes(confirm_token_max_age=settings.confirm_token_max_age * -1)
    with secured_client(expired) as later:
        pages["expired link"] = later.get(bo_link)
        pages["resend"] = later.post(f"{bo_link}/resend", follow_redirects=False)

    dev = settings.with_changes(dev=True, smtp_url=None)
    with secured_client(dev) as client:
        client.post(sign, data=individual_form(email="cy@example.org", name="Cy"))
        deliver_mail(dev)
        pages["dev mailbox"] = client.get("/dev/mailbox")
        message = re.search(r'href="(/dev/mailbox/[^"]+)"', pages["dev mailbox"].text)
        assert message, pages["dev mailbox"].text
        pages["dev message"] = client.get(message[1])

    expected = {"sign": 303, "resend": 303, "sign refused": 422, "bad link": 400}
    expected |= {"manage bad link": 400}
    expected |= {"bad list": 400, "expired link": 410, "too large": 413, "wrong method": 405}
    expected |= {name: 404 for name in ("api not found", "no campaign", "no route")}
    for name, response in pages.items():
        assert response.status_code == expected.get(name, 200), (name, response.text[:300])
    assert "Ana L" in pages["sign refused"].text, "the refused form comes back with the input"
    assert "Ana Lima" in pages["confirm page"].text
    assert "cy@example.org" in pages["dev mailbox"].text
    return pages


def csp_directives(response: httpx.Response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


def test_every_response_carries_the_security_headers(
    settings: Settings, smtp_server: SmtpSink
) -> None:
    for name, response in visit_every_page(settings, smtp_server).items():
        assert csp_directives(response) == CSP, name
        assert "unsafe" not in response.headers["content-security-policy"], name
        assert len(response.headers.get_list("content-security-policy")) == 1, name
        for header, value in FIXED.items():
            assert response.headers.get_list(header) == [value], (name, header)
        assert "browsing-topics=()" in response.headers["permissions-policy"], name
        assert "strict-transport-security" not in response.headers, f"{name}: plain HTTP"
        assert "server" not in response.headers, name


def test_no_page_but_the_public_counts_is_stored_by_browsers_or_proxies(
    settings: Settings, smtp_server: SmtpSink
) -> None:
    pages = visit_every_page(settings, smtp_server)
    stylesheet = pages.pop("stylesheet")
    assert "no-store" not in stylesheet.headers.get("cache-control", ""), "static may be cached"
    # The public counts are the one page meant to be cached, briefly, for the watchers.
    assert pages.pop("api counts").headers["cache-control"] == "public, max-age=1"
    for name, response in pages.items():
        assert response.headers.get_list("cache-control") == ["no-store"], name
    # The ones that show what a signer typed, or their mail:
    for name in ("sign refused", "check email", "confirm page", "confirmed", "dev mailbox"):
        assert pages[name].headers["cache-control"] == "no-store", name


def test_pages_load_nothing_from_other_origins_and_need_no_inline_code(
    settings: Settings, smtp_server: SmtpSink
) -> None:
    pages = visit_every_page(settings, smtp_server)
    html = {
        name: response.text
        for name, response in pages.items()
        if response.headers.get("content-type", "").startswith("text/html")
    }
    not_html = {"sign", "resend", "stylesheet"} | {name for name in pages if name.startswith("api")}
    assert set(html) == set(pages) - not_html
    for name, text in html.items():
        assert not REMOTE_RESOURCE.search(text), (name, REMOTE_RESOURCE.search(text))
        assert not NEEDS_UNSAFE_INLINE.search(text), (name, NEEDS_UNSAFE_INLINE.search(text))
    assert 'href="https://example.org"' in html["campaign"], "links out are still allowed"
    assert "tracker.example" not in html["campaign"]
    css = pages["stylesheet"].text
    assert not re.search(r"@import|url\(\s*[\"']?\s*(?:[a-z]+:)?//", css, re.I), "CSS loads nothing"


def test_hsts_only_over_https(settings: Settings) -> None:
    make_campaign(settings)
    with secured_client(settings, base_url="https://testserver.local") as client:
        for url in ("/c/free-them", "/api/campaigns/free-them", "/nowhere"):
            assert client.get(url).headers.get_list("strict-transport-security") == [HSTS], url
    with secured_client(settings, trusted_proxies="127.0.0.1, 10.0.0.0/8") as client:
        assert "strict-transport-security" not in client.get("/c/free-them").headers
        # The TestClient's peer ("testclient") is no trusted proxy: its word does not count.
        spoofed = client.get("/c/free-them", headers={"X-Forwarded-Proto": "https"})
        assert "strict-transport-security" not in spoofed.headers


def test_hsts_when_a_trusted_proxy_says_https(settings: Settings) -> None:
    make_campaign(settings)
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
    with served(secured_app(settings, trusted_proxies="127.0.0.1")) as url:
        behind_proxy = httpx.get(f"{url}/c/free-them", headers=https)
        assert behind_proxy.status_code == 200
        assert behind_proxy.headers.get_list("strict-transport-security") == [HSTS]
        plain = httpx.get(f"{url}/c/free-them", headers={"X-Forwarded-Proto": "http"})
        assert "strict-transport-security" not in plain.headers
        assert "strict-transport-security" not in httpx.get(f"{url}/c/free-them").headers
    with served(secured_app(settings, trusted_proxies="10.0.0.0/8")) as url:
        untrusted = httpx.get(f"{url}/c/free-them", headers=https)
        assert untrusted.status_code == 200
        assert "strict-transport-security" not in untrusted.headers


@get("/plain", sync_to_thread=False)
def plain() -> str:
    return "plain"


@get(
    "/embed",
    opt={"frame_ancestors": "'self' https://coalition.example.org"},
    sync_to_thread=False,
)
def embed() -> str:
    return "embeddable"


@get("/embed-list", opt={"frame_ancestors": ["https://*.example.net:8443"]}, sync_to_thread=False)
def embed_list() -> str:
    return "embeddable"


@get("/bad-embed", opt={"frame_ancestors": "'self'; script-src *"}, sync_to_thread=False)
def bad_embed() -> str:
    return "not embeddable"


@get("/counts", cache_control=CacheControlHeader(max_age=5, public=True), sync_to_thread=False)
def cacheable() -> dict[str, int]:
    return {"total": 1}


@pytest.fixture
def handler_options_client() -> Iterator[TestClient]:
    app = Litestar(
        route_handlers=[plain, embed, embed_list, bad_embed, cacheable],
        before_send=[SecurityHeaders()],
        openapi_config=None,
    )
    with TestClient(app=app) as client:
        yield client


def test_routes_may_allow_listed_framers(handler_options_client: TestClient) -> None:
    embedded = handler_options_client.get("/embed")
    assert csp_directives(embedded)["frame-ancestors"] == [
        "'self'",
        "https://coalition.example.org",
    ]
    assert csp_directives(embedded)["script-src"] == ["'self'"]
    assert "x-frame-options" not in embedded.headers
    listed = handler_options_client.get("/embed-list")
    assert csp_directives(listed)["frame-ancestors"] == ["https://*.example.net:8443"]
    assert "x-frame-options" not in listed.headers
    for url in ("/plain", "/bad-embed"):
        response = handler_options_client.get(url)
        assert csp_directives(response) == CSP, url
        assert response.headers["x-frame-options"] == "DENY", url


def test_routes_may_allow_caching(handler_options_client: TestClient) -> None:
    counts = handler_options_client.get("/counts")
    assert counts.headers.get_list("cache-control") == ["max-age=5, public"]
    assert handler_options_client.get("/plain").headers["cache-control"] == "no-store"
