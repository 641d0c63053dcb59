"""A partner site embeds the campaign: its page, served from another origin, frames the form and
the counter. A person signs inside the frame, confirms from the mail, and the partner's counter
follows without reloading. A site the organizers did not list gets nothing shown."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from playwright.sync_api import expect
from sqlalchemy import select

from signon.db.models import Signature
from signon.settings import Settings
from tests.browser.conftest import shot
from tests.browser.test_sign_journey import wait_for_mail
from tests.support import (
    LiveServer,
    SmtpSink,
    confirm_link,
    individual_form,
    make_campaign,
    run_with_runtime,
)

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Partner site</title></head>
<body><h1>Partner site</h1>
<iframe id="counter" src="{app}/embed/free-them/counter" title="Free them all: signatures so far"
  width="320" height="170"></iframe>
<iframe id="form" src="{app}/embed/free-them/form" title="Free them all: sign"
  width="300" height="1500"></iframe>
</body></html>"""


@contextmanager
def partner_site(app_url: str) -> Iterator[str]:
    """Another site: a page with the embeds, served on its own port (so its own origin)."""
    body = HOST_PAGE.format(app=app_url).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def two_partner_sites(app_url: str) -> Iterator[tuple[str, str]]:
    with partner_site(app_url) as listed, partner_site(app_url) as unlisted:
        yield listed, unlisted


def sign_and_confirm(web: httpx.Client, smtp: SmtpSink, email: str) -> None:
    web.post("/c/free-them/sign", data=individual_form(name=email.split("@")[0], email=email))
    assert web.post(confirm_link(wait_for_mail(smtp, email))).status_code == 200


def source_of_every_signature(settings: Settings) -> set[str | None]:
    async def read(runtime) -> set[str | None]:  # type: ignore[no-untyped-def]
        async with runtime.db.read() as session:
            return set(await session.scalars(select(Signature.source)))

    return run_with_runtime(settings, read)


def test_a_person_signs_inside_a_partner_sites_frame_and_its_counter_follows(
    page, live_server: LiveServer, live_settings: Settings, smtp_server: SmtpSink
) -> None:  # type: ignore[no-untyped-def]
    with two_partner_sites(live_server.url) as (partner, stranger):
        make_campaign(live_settings, embed_origins=(partner,))
        with httpx.Client(base_url=live_server.url) as web:
            for n in range(2):  # from 2 to 3: the same wording ("signatures") around the number
                sign_and_confirm(web, smtp_server, f"early{n}@example.org")

        page.goto(partner)
        counter = page.frame_locator("#counter")
        form = page.frame_locator("#form")
        expect(counter.locator(".counts .total strong")).to_have_text("2")
        expect(form.get_by_role("heading", name="Sign this petition")).to_be_visible()
        shot(page, "1-partner-page")

        form.get_by_label("Your name").fill("Maya Okafor")
        form.get_by_label("Your email address").fill("maya@example.org")
        form.get_by_label("List my name (or my organization's name) publicly").check()
        page.wait_for_timeout(2100)  # a person takes longer than the form's minimum time-to-fill
        form.get_by_role("button", name="Sign").click()
        expect(form.get_by_role("heading", name="Check your email")).to_be_visible()
        assert page.url.rstrip("/") == partner, "the partner's page stays where it was"
        expect(counter.locator(".counts .total strong")).to_have_text("2")
        page.evaluate("window.scrollTo(0, 0)")  # pressing Sign scrolled the partner's page
        shot(page, "2-check-email-in-frame")

        link = confirm_link(wait_for_mail(smtp_server, "maya@example.org"))
        mailbox = page.context.new_page()
        mailbox.artifacts_dir = page.artifacts_dir  # its screenshots go with this test's
        mailbox.goto(link)
        mailbox.get_by_role("button", name="Confirm").click()
        expect(
            mailbox.get_by_role("heading", name="Thank you: your signature is confirmed")
        ).to_be_visible()
        shot(mailbox, "3-confirmed")
        mailbox.close()

        expect(counter.locator(".counts .total strong")).to_have_text("3", timeout=15_000)
        assert counter.locator("progress").get_attribute("value") in ("3", "3.0")
        page.evaluate("window.scrollTo(0, 0)")
        shot(page, "4-counter-followed-without-reload")
        assert source_of_every_signature(live_settings) == {None, f"embed:{partner}"}

        # A site the organizers did not list: the browser refuses to show the embeds in it.
        refusals: list[str] = []
        page.on("console", lambda message: refusals.append(message.text))
        page.goto(stranger)
        page.wait_for_load_state("load")
        page.wait_for_timeout(500)
        shot(page, "5-unlisted-site-refused")
        framed = [frame for frame in page.frames if frame != page.main_frame]
        assert framed and all(frame.url.startswith("chrome-error://") for frame in framed)
        assert page.frame_locator("#form").locator("form.sign-form").count() == 0
        assert any("frame-ancestors" in text for text in refusals), refusals


def test_the_embed_fits_a_narrow_frame(
    page, live_server: LiveServer, live_settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    """280 px wide (the narrowest a partner may give it): nothing wider than the frame."""
    make_campaign(live_settings, embed_anywhere=True)
    page.set_viewport_size({"width": 280, "height": 900})
    for path in ("/embed/free-them/form", "/embed/free-them/counter"):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 280, path
        shot(page, path.rsplit("/", 1)[1] + "-280px")
