"""Browser journeys: Debian's Chromium driven by Playwright against a real uvicorn server."""

from __future__ import annotations

import os
import time
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest

from tests.support import SmtpSink

CHROMIUM = Path(os.environ.get("SIGNON_TEST_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the browser tests: {CHROMIUM} is missing")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Playwright gives every launch a fresh, empty profile directory of its own.
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=True)
    page = context.new_page()
    page.artifacts_dir = ARTIFACTS / request.node.name.replace("/", "_")  # type: ignore[attr-defined]
    yield page
    context.close()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Keep a full-page screenshot of this step as a test artifact."""
    directory: Path = page.artifacts_dir
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / f"{name}.png"), full_page=True)


def wait_for_mail(smtp: SmtpSink, address: str, timeout: float = 15) -> EmailMessage:
    """The latest mail the real SMTP server received for `address` (the app's worker sends it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if messages := smtp.to(address):
            return messages[-1]
        time.sleep(0.05)
    raise AssertionError(f"no mail for {address}")


def in_language(url: str, language: str) -> str:
    """`url` asking for the page in `language` (its other query parameters kept)."""
    parts = urlsplit(url)
    query = [part for part in parts.query.split("&") if part and not part.startswith("lang=")]
    query.append(urlencode({"lang": language}))
    return urlunsplit(parts._replace(query="&".join(query)))
