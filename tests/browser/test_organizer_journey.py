"""The organizer's whole path in the browser: log in, create and publish a campaign, approve an
organization that signed, download the CSV, send an update."""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path

import httpx

from signon.settings import Settings
from tests.browser.conftest import shot
from tests.support import LiveServer, SmtpSink, confirm_link, run_with_runtime

PASSWORD = "a long organizer password"


def wait_for(smtp: SmtpSink, address: str, count: int = 1):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 20
    while len(smtp.to(address)) < count:
        assert time.monotonic() < deadline, f"no mail for {address}"
        time.sleep(0.05)
    return smtp.to(address)[-1]


def test_organizer_journey(
    page, live_server: LiveServer, live_settings: Settings, smtp_server: SmtpSink
) -> None:  # type: ignore[no-untyped-def]
    run_with_runtime(
        live_settings,
        lambda runtime: runtime.accounts.create_user("org@example.org", PASSWORD, is_admin=True),
    )
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Email address").fill("org@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("heading", name="Your campaigns").is_visible()

    page.get_by_role("link", name="New campaign").click()
    page.get_by_label("Address: /c/…").fill("river")
    page.get_by_role("textbox", name="Title").fill("Free the river defenders")
    page.get_by_label("Statement (Markdown)").fill("We demand **justice**.")
    page.get_by_role("button", name="Preview").click()
    assert page.locator(".preview strong").inner_text() == "justice"
    page.get_by_label("Goal (number of signatures)").fill("500")
    page.get_by_role("button", name="Save").click()
    shot(page, "1-created")
    page.get_by_role("button", name="Publish").click()
    assert "open" in page.locator("main").inner_text()

    # An organization signs on the public page and confirms by email.
    with httpx.Client(base_url=live_server.url) as public:
        form_page = public.get("/c/river").text
        token = re.search(r'name="form_token" value="([^"]+)"', form_page)
        assert token
        time.sleep(2.1)
        public.post("/c/river/sign", data={
            "form_token": token[1], "signer_type": "organization", "name": "Joan",
            "email": "joan@tenants.example.org", "organization": "Tenants Union",
            "website": "tenants.example.org", "display": "public", "updates": "on",
        })  # fmt: skip
        public.post(confirm_link(wait_for(smtp_server, "joan@tenants.example.org")))

    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="1").click()  # waiting for review
    assert page.get_by_text("the contact's address is on this domain").is_visible()
    shot(page, "2-queue")
    page.get_by_role("button", name="Approve").click()
    assert "Tenants Union" in httpx.get(f"{live_server.url}/c/river").text

    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="Free the river defenders").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert (row["organization"], row["email"]) == ("Tenants Union", "joan@tenants.example.org")
    shot(page, "3-campaign")

    page.get_by_role("link", name="Send an update").click()
    page.get_by_label("Subject").fill("Hearing on Monday")
    page.get_by_label("Message (Markdown; sent as plain text)").fill("Come to the court at 9.")
    page.get_by_role("button", name="Send to signers").click()
    assert page.get_by_text("Queued for 1 signer who asked for updates").is_visible()
    shot(page, "4-update")
    update = wait_for(smtp_server, "joan@tenants.example.org", count=2)
    assert str(update["Subject"]) == "Hearing on Monday"
