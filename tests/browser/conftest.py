"""Browser journeys: Debian's Chromium driven by Playwright against a real uvicorn server."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from signon.app import create_app
from signon.settings import Settings
from tests.support import free_port

CHROMIUM = Path(os.environ.get("SIGNON_TEST_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


class LiveServer:
    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(settings.with_changes(base_url=self.url)),
            host="127.0.0.1", port=self.port, log_level="warning", lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture
def live_settings(settings: Settings) -> Settings:
    # The in-process mail worker runs, as under `signon serve`.
    return settings.with_changes(inline_worker=True, mail_poll_seconds=0.1)


@pytest.fixture
def live_server(live_settings: Settings) -> Iterator[LiveServer]:
    with LiveServer(live_settings) as server:
        yield server


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
