"""Shared fixtures: real databases (a SQLite file, and PostgreSQL when configured), a real SMTP
server (aiosmtpd) on 127.0.0.1, and the app built per test through its factory.

Every test that uses `database_url` runs once on SQLite and once on PostgreSQL. PostgreSQL comes
from SIGNON_TEST_POSTGRES_URL (set by .ci/run); without it those runs are skipped, except on CI
where a missing PostgreSQL is an error.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from litestar.testing import TestClient

from signon.abuse.screening import AbuseLimits
from signon.app import create_app
from signon.crypto import create_key_file
from signon.db.migrate import upgrade
from signon.settings import Settings, normalise_database_url
from tests.support import (
    LiveServer,
    SmtpSink,
    in_own_thread,
    reset_postgres_schema,
    truncate_postgres_tables,
)

POSTGRES_URL = os.environ.get("SIGNON_TEST_POSTGRES_URL")
ON_CI = os.environ.get("CI", "").lower() == "true"
TEST_SECRET = "test-secret-key-that-is-long-enough-for-production"

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-connection chatter


@dataclass(frozen=True)
class Backend:
    name: str
    url: str
    sqlite_template: Path | None = None


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    if request.param == "postgresql":
        if not POSTGRES_URL:
            if ON_CI:
                pytest.fail("CI must test PostgreSQL: SIGNON_TEST_POSTGRES_URL is not set")
            pytest.skip("PostgreSQL not configured (set SIGNON_TEST_POSTGRES_URL)")
        url = normalise_database_url(POSTGRES_URL)
        reset_postgres_schema(url)
        in_own_thread(lambda: upgrade(url))
        return Backend("postgresql", url)
    template = tmp_path_factory.mktemp("sqlite-template") / "signon.db"
    in_own_thread(lambda: upgrade(f"sqlite+aiosqlite:///{template}"))
    return Backend("sqlite", f"sqlite+aiosqlite:///{template}", template)


@pytest.fixture
def database_url(backend: Backend, tmp_path: Path) -> str:
    """A migrated, empty database for this test alone."""
    if backend.sqlite_template is not None:
        target = tmp_path / "signon.db"
        shutil.copyfile(backend.sqlite_template, target)
        return f"sqlite+aiosqlite:///{target}"
    truncate_postgres_tables(backend.url)
    return backend.url


@pytest.fixture
def smtp_server() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "keys.json"
    create_key_file(path)
    return path


@pytest.fixture
def settings(database_url: str, tmp_path: Path, smtp_server: SmtpSink, key_file: Path) -> Settings:
    return Settings(
        secret_key=TEST_SECRET,
        data_dir=tmp_path / "data",
        database_url=database_url,
        base_url="http://testserver.local",
        smtp_url=f"smtp://127.0.0.1:{smtp_server.port}",
        mail_from="Signon Test <signon@example.org>",
        dev=False,
        inline_worker=False,
        key_file=key_file,
        # Most tests sign many times from one client: the limits get their own tests.
        abuse=AbuseLimits(per_address=100_000, per_address_with_pow=100_000, mails_per_email=1000),
        page_cache_seconds=0,  # tests read what they just wrote; the cache has its own tests
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(app=create_app(settings), base_url="http://testserver.local") as test_client:
        yield test_client


@pytest.fixture
def live_settings(settings: Settings) -> Settings:
    # The in-process mail worker runs, as under `signon serve`.
    return settings.with_changes(inline_worker=True, mail_poll_seconds=0.1)


@pytest.fixture
def live_server(live_settings: Settings) -> Iterator[LiveServer]:
    with LiveServer(live_settings) as server:
        yield server
