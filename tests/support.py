"""Test helpers that talk to real things: an SMTP sink, PostgreSQL housekeeping, mail delivery."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import TypeVar

import pytest
import uvicorn
from aiosmtpd.controller import Controller
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from signon.app import create_app
from signon.db.models import Base, Signature
from signon.runtime import Runtime
from signon.services.outbox import DeliveryReport
from signon.settings import Settings

T = TypeVar("T")
CONFIRM_LINK = re.compile(r"https?://\S+/confirm/[A-Za-z0-9_.\-]+(?:\?lang=[a-z]+)?")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Collector:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.refused: set[str] = set()
        self.hold: threading.Event | None = None  # when set, DATA waits until it is released
        self.receiving = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        if address.lower() in self.refused:  # as Postfix says it: quoting the address
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.receiving.set()
        if self.hold is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.hold.wait, 30)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives. Can go down.

    With `credentials`, it refuses mail until the client logs in with them.
    """

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        self.port = free_port()
        self.credentials = credentials
        self._collector = _Collector()
        self._controller: Controller | None = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = isinstance(auth_data, LoginPassword) and self.credentials == (
            auth_data.login.decode(),
            auth_data.password.decode(),
        )
        return AuthResult(success=ok, handled=False)

    def start(self) -> None:
        options: dict[str, object] = {}
        if self.credentials:
            options = {
                "authenticator": self._authenticate,
                "auth_required": True,
                "auth_require_tls": False,  # loopback only, in tests
            }
        self._controller = Controller(
            self._collector, hostname="127.0.0.1", port=self.port, **options
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def refuse(self, address: str) -> None:
        self._collector.refused.add(address.lower())

    def hold_deliveries(self) -> threading.Event:
        """Make DATA wait until the returned event is set; `receiving` tells when one is waiting."""
        self._collector.hold = threading.Event()
        return self._collector.hold

    @property
    def receiving(self) -> threading.Event:
        return self._collector.receiving

    @property
    def messages(self) -> list[EmailMessage]:
        with self._collector.lock:
            return list(self._collector.messages)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if str(m["To"]).lower() == address.lower()]


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def confirm_link(message: EmailMessage) -> str:
    match = CONFIRM_LINK.search(body_of(message))
    assert match, f"no confirmation link in: {body_of(message)!r}"
    return match[0]


def confirm_path(message: EmailMessage) -> str:
    return "/confirm/" + confirm_link(message).rsplit("/confirm/", 1)[1]


def in_own_thread(function: Callable[[], T]) -> T:
    """Run blocking code that starts its own event loop (asyncio.run) on a fresh thread.

    Playwright's sync API keeps an event loop running on the main thread, where asyncio.run
    is refused; a thread of its own works with or without a browser.
    """
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(function).result()


def run_async(work: Callable[[], Awaitable[T]]) -> T:
    return in_own_thread(lambda: asyncio.run(work()))  # type: ignore[arg-type]


def run_with_runtime(settings: Settings, work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Run service code in its own event loop with its own engine (the app's stays untouched)."""

    async def run() -> T:
        runtime = Runtime.start(settings)
        try:
            return await work(runtime)
        finally:
            await runtime.close()

    return run_async(run)


def deliver_mail(settings: Settings, now: datetime | None = None) -> DeliveryReport:
    return run_with_runtime(settings, lambda runtime: runtime.mail_worker.drain(now))


def _run_sql(url: str, statements: list[str]) -> None:
    async def run() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as connection:
                for statement in statements:
                    await connection.execute(text(statement))
        finally:
            await engine.dispose()

    run_async(run)


def reset_postgres_schema(url: str) -> None:
    _run_sql(url, ["DROP SCHEMA IF EXISTS public CASCADE", "CREATE SCHEMA public"])


def truncate_postgres_tables(url: str) -> None:
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    _run_sql(url, [f"TRUNCATE {tables} RESTART IDENTITY CASCADE"])


def make_campaign(settings: Settings, **overrides: object):  # type: ignore[no-untyped-def]
    spec = campaign_spec(**overrides)
    return run_with_runtime(settings, lambda runtime: runtime.campaigns.create(spec))


def campaign_spec(**overrides: object):  # type: ignore[no-untyped-def]
    """The tests' campaign ("free-them"), as created by make_campaign or edited."""
    from signon.services.campaigns import CampaignSpec

    fields: dict[str, object] = {
        "slug": "free-them",
        "title": "Free them all",
        "statement_md": "We call for **justice**.",
        "ask_location": True,
        "ask_comment": True,
        "goal": 100,
        # Moderation has its own tests; elsewhere organizations are listed once confirmed.
        "moderate_organizations": False,
    }
    fields.update(overrides)
    return CampaignSpec(**fields)  # type: ignore[arg-type]


def form_token(slug: str = "free-them", seconds_ago: float = 30) -> str:
    """A token as the campaign page would have issued it `seconds_ago`."""
    from datetime import timedelta

    from signon.abuse.formtoken import FormTokens
    from signon.db.models import utcnow

    secret = "test-secret-key-that-is-long-enough-for-production"  # conftest.TEST_SECRET
    return FormTokens(secret).issue(slug, utcnow() - timedelta(seconds=seconds_ago))


def individual_form(slug: str = "free-them", **overrides: str) -> dict[str, str]:
    form = {
        "form_token": form_token(slug),
        "signer_type": "individual",
        "name": "Ana Lima",
        "email": "ana@example.org",
        "city": "Porto",
        "country": "Portugal",
        "display": "public",
    }
    form.update(overrides)
    return form


def organization_form(slug: str = "free-them", **overrides: str) -> dict[str, str]:
    form = {
        "form_token": form_token(slug),
        "signer_type": "organization",
        "name": "Joan Contact",
        "email": "joan@riverfriends.example.org",
        "organization": "Friends of the River",
        "website": "riverfriends.example.org",
        "role": "Coordinator",
        "display": "public",
    }
    form.update(overrides)
    return form


class LiveServer:
    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(settings.with_changes(base_url=self.url)),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
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


# The PDF letter's fallback fonts .ci/run installs (Debian's fonts-droid-fallback: CJK, and
# Hangul in the second file; fonts-lohit-deva: Devanagari).
FALLBACK_FONTS = (
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf"),
    Path("/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf"),
)


def require_fallback_fonts() -> tuple[Path, ...]:
    """Skips the test where the fonts are not installed, except on CI, where it fails."""
    missing = [str(path) for path in FALLBACK_FONTS if not path.is_file()]
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must test the PDF fallback fonts: {', '.join(missing)} missing")
        pytest.skip(
            f"no {', '.join(missing)} (apt-get install fonts-droid-fallback fonts-lohit-deva)"
        )
    return FALLBACK_FONTS


def stored_signatures(settings: Settings) -> list[Signature]:
    """Every signature in the database, in id order."""

    async def read(runtime: Runtime) -> list[Signature]:
        async with runtime.db.read() as session:
            return list(await session.scalars(select(Signature).order_by(Signature.id)))

    return run_with_runtime(settings, read)


MANAGE_LINK = re.compile(r"https?://\S+(/manage/[A-Za-z0-9_.\-]+)")


def manage_path(message: EmailMessage) -> str:
    """The path of the manage link in a received mail."""
    match = MANAGE_LINK.search(body_of(message))
    assert match, body_of(message)
    return match[1]


async def signatures_of(runtime: Runtime, campaign_id: int) -> list[Signature]:
    """Every signature of a campaign, in id order."""
    async with runtime.db.read() as session:
        query = select(Signature).where(Signature.campaign_id == campaign_id)
        return list(await session.scalars(query.order_by(Signature.id)))


async def nonce_of(runtime: Runtime, email: str) -> str:
    """The link nonce of the signature made with this address."""
    key = runtime.keyring.email_key(email)
    async with runtime.db.read() as session:
        return str(
            await session.scalar(select(Signature.token_nonce).where(Signature.email_key == key))
        )
