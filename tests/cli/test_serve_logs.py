"""What `signon serve` logs, from the real server in its own process: no request at all by
default; with --access-log, requests without the client's address or any link token."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from signon.settings import Settings
from signon.web.redaction import redact_path
from tests.conftest import TEST_SECRET
from tests.support import free_port

SIGNON = Path(sys.executable).with_name("signon")


@pytest.fixture
def serve_env(settings: Settings, tmp_path: Path) -> dict[str, str]:
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("the server's logging is the same whatever the database")
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("SIGNON_")},
        "SIGNON_DATABASE_URL": settings.database_url,
        "SIGNON_SECRET_KEY": TEST_SECRET,
        "SIGNON_DATA_DIR": str(settings.data_dir),
        "SIGNON_SMTP_URL": settings.smtp_url or "",
        "SIGNON_BASE_URL": "http://127.0.0.1",
        "SIGNON_CONFIG": str(tmp_path / "no-config.toml"),
        "SIGNON_KEY_FILE": str(settings.data_key_file),
    }


@contextmanager
def serving(env: dict[str, str], *options: str) -> Iterator[tuple[httpx.Client, list[str]]]:
    """The server, a client for it, and (once it has stopped) every line it printed."""
    port = free_port()
    process = subprocess.Popen(
        [str(SIGNON), "serve", "--port", str(port), "--no-mail-worker", *options],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    client.get("/")
                    break
                except httpx.TransportError:
                    assert process.poll() is None and time.monotonic() < deadline, "no server"
                    time.sleep(0.1)
            yield client, lines
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)
        lines.extend(output.splitlines())


def visit(client: httpx.Client) -> None:
    for path in (
        "/confirm/SECRETCONFIRMTOKEN",
        "/manage/SECRETMANAGETOKEN?x=1",
        "/de/manage/SECRETDE",
    ):
        assert client.get(path).status_code < 500


def test_no_request_is_logged_by_default(serve_env: dict[str, str]) -> None:
    with serving(serve_env) as (client, lines):
        visit(client)
    assert lines, "the server said something"
    assert not [line for line in lines if "GET /" in line]
    assert not [line for line in lines if "SIGNON_REDIS_URL" in line]


def test_the_access_log_keeps_neither_addresses_nor_link_tokens(serve_env: dict[str, str]) -> None:
    with serving(serve_env, "--access-log") as (client, lines):
        visit(client)
    requests = [line for line in lines if '"GET /' in line]
    assert len(requests) >= 4, lines
    assert any('"GET /confirm/… HTTP/1.1"' in line for line in requests), requests
    assert any('"GET /manage/…?x=1 HTTP/1.1"' in line for line in requests), requests
    assert any('"GET /de/manage/… HTTP/1.1"' in line for line in requests), requests
    text = "\n".join(lines)
    assert "SECRET" not in text and "127.0.0.1:" not in text.replace("http://127.0.0.1:", "")


def test_several_processes_without_redis_are_warned_of(serve_env: dict[str, str]) -> None:
    with serving(serve_env, "--workers", "2") as (client, lines):
        assert client.get("/").status_code < 500
    assert any("SIGNON_REDIS_URL is not set" in line for line in lines), lines


def test_tokens_leave_logged_paths() -> None:
    assert redact_path("/confirm/abc.DEF-123") == "/confirm/…"
    assert redact_path("/confirm/abc/resend") == "/confirm/…/resend"
    assert redact_path("/es/manage/tok_en/withdraw") == "/es/manage/…/withdraw"
    assert redact_path("/c/free-them/sign") == "/c/free-them/sign"
    assert redact_path("/c/manage/endorsers") == "/c/manage/endorsers"
