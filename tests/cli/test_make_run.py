"""The README's promise: `make run` serves the demo campaign with the dev mailbox, a person signs,
finds the mail, confirms and is counted, and `signon export demo` prints the CSV. Real processes."""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNON_")}
    port = free_port()
    env.update(
        SIGNON_DATA_DIR=str(tmp_path / "data"),
        SIGNON_BASE_URL=f"http://127.0.0.1:{port}",
        SIGNON_CONFIG=str(tmp_path / "no-config.toml"),
        DEMO_PORT=str(port),
        DEMO_PARTNER_PORT=str(free_port()),
    )
    return env


@pytest.fixture
def demo_server(demo_env: dict[str, str]) -> Iterator[str]:
    base = demo_env["SIGNON_BASE_URL"]
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "run_demo.py"), "--port", demo_env["DEMO_PORT"]],
        env=demo_env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/c/demo", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read() if process.stdout else ""
                raise AssertionError(f"make run did not come up:\n{output}")
            time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_make_run_demo_end_to_end(demo_server: str, demo_env: dict[str, str]) -> None:
    with httpx.Client(base_url=demo_server, timeout=10) as web:
        page = web.get("/c/demo")
        assert "Drop the charges" in page.text and 'name="email"' in page.text
        token = re.search(r'name="form_token" value="([^"]+)"', page.text)
        assert token
        time.sleep(2.1)  # a person takes a moment to fill the form
        response = web.post(
            "/c/demo/sign",
            data={
                "signer_type": "individual",
                "name": "Demo Person",
                "email": "demo@example.org",
                "city": "Leeds",
                "display": "public",
                "form_token": token[1],
            },
        )
        assert response.status_code == 303

        deadline = time.monotonic() + 20  # the in-process worker delivers to the dev mailbox
        while "demo@example.org" not in (mailbox := web.get("/dev/mailbox").text):
            assert time.monotonic() < deadline, "no mail in the dev mailbox"
            time.sleep(0.2)
        message_path = re.search(r'href="(/dev/mailbox/[^"]+)"', mailbox)
        assert message_path
        link = re.search(r'href="https?://[^/"]+(/confirm/[^"]+)"', web.get(message_path[1]).text)
        assert link
        assert "Confirm" in web.get(link[1]).text
        assert "confirmed" in web.post(link[1]).text
        deadline = time.monotonic() + 5  # public counts may be a second old
        while web.get("/api/campaigns/demo").json()["counts"]["total"] != 1:
            assert time.monotonic() < deadline, "the count never moved"
            time.sleep(0.2)
        assert "Demo Person" in web.get("/c/demo").text

    exported = subprocess.run(
        [str(Path(sys.executable).parent / "signon"), "export", "demo"],
        env=dict(demo_env, SIGNON_DEV="1"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    [row] = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert (row["name"], row["email"], row["city"]) == ("Demo Person", "demo@example.org", "Leeds")
    secret = Path(demo_env["SIGNON_DATA_DIR"]) / "secret_key"
    assert secret.exists() and oct(secret.stat().st_mode & 0o777) == "0o600"


def test_make_run_serves_the_demo_in_every_language_and_on_a_partner_site(
    demo_server: str, demo_env: dict[str, str]
) -> None:
    """The issue's promise to a newcomer: the demo in Arabic (and each language it is written
    in), its form embedded on a page of another origin, the letter, the QR code."""
    for texts in sorted((ROOT / "config" / "demo").glob("*.toml")):
        title = tomllib.loads(texts.read_text(encoding="utf-8"))["title"]
        page = httpx.get(f"{demo_server}/c/demo?lang={texts.stem}", timeout=10).text
        assert f"<title>{title}</title>" in page, texts.stem
    assert 'dir="rtl"' in httpx.get(f"{demo_server}/c/demo?lang=ar", timeout=10).text

    partner = f"http://127.0.0.1:{demo_env['DEMO_PARTNER_PORT']}"
    deadline = time.monotonic() + 20
    while True:
        try:
            host_page = httpx.get(f"{partner}/", timeout=1).text
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the partner site never came up"
            time.sleep(0.2)
    assert f'src="{demo_server}/embed/demo/form"' in host_page
    embed = httpx.get(f"{demo_server}/embed/demo/form", headers={"Referer": f"{partner}/"})
    assert embed.status_code == 200
    assert partner in embed.headers["content-security-policy"].split("frame-ancestors", 1)[1]

    assert httpx.get(f"{demo_server}/c/demo/letter", timeout=10).status_code == 200
    qr = httpx.get(f"{demo_server}/c/demo/qr.svg", timeout=10)
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
