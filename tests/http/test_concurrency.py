"""Many people at once against a real server: the counters stay equal to a recount."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from signon.services.counts import recount
from signon.settings import Settings
from tests.support import (
    LiveServer,
    SmtpSink,
    confirm_path,
    individual_form,
    make_campaign,
    run_with_runtime,
)


def test_concurrent_signing_and_confirming_over_http(
    live_server: LiveServer, live_settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(live_settings)
    people = [f"crowd{n}@example.org" for n in range(40)]

    def sign(email: str) -> int:
        with httpx.Client(base_url=live_server.url) as web:
            form = individual_form(
                email=email,
                name=email.split("@")[0],
                display="private" if email.endswith("7@example.org") else "public",
            )
            return web.post("/c/free-them/sign", data=form).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert set(pool.map(sign, people)) == {303}

    deadline = time.monotonic() + 30
    while len(smtp_server.messages) < len(people):
        assert time.monotonic() < deadline, f"only {len(smtp_server.messages)} mails arrived"
        time.sleep(0.05)
    links = [confirm_path(message) for message in smtp_server.messages]

    def confirm(path: str) -> int:
        with httpx.Client(base_url=live_server.url) as web:
            return web.post(path).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert set(pool.map(confirm, links * 3)) == {200}

    counts = httpx.get(f"{live_server.url}/api/campaigns/free-them").json()["counts"]
    assert counts == {"individuals": 40, "organizations": 0, "total": 40}
    [check] = run_with_runtime(live_settings, lambda runtime: recount(runtime.db, "free-them"))
    assert not check.changed and check.individuals == 40
    listed = httpx.get(f"{live_server.url}/api/campaigns/free-them/endorsers").json()["items"]
    assert len(listed) == 40 - 4  # crowd7, 17, 27, 37 chose not to be named
