"""Delivery in batches over several SMTP connections at once: every message is sent once, a refusal
or a dropped connection holds back only the message it hit, and nothing claimed is lost."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from signon.db.models import OutboxMessage, utcnow
from signon.mail import OutgoingMail
from signon.runtime import Runtime
from signon.services.outbox import enqueue
from signon.settings import Settings
from tests.support import free_port

pytestmark = pytest.mark.anyio


class Recorder:
    """An aiosmtpd handler that notes which connection delivered what, refuses some recipients,
    and can drop the connection instead of accepting every n-th message."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted: list[tuple[object, str]] = []  # (client address and port, recipient)
        self.refused: set[str] = set()
        self.drop_every = 0
        self.dropped: list[str] = []
        self.data_commands = 0

    async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        if address in self.refused:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        with self.lock:
            self.data_commands += 1
            if self.drop_every and self.data_commands % self.drop_every == 0:
                self.dropped.append(envelope.rcpt_tos[0])
                server.transport.close()  # gone before saying whether it took the message
                return "421 Going away"
            self.accepted.append((session.peer, envelope.rcpt_tos[0]))
        return "250 Message accepted for delivery"

    def received(self) -> Counter[str]:
        with self.lock:
            return Counter(recipient for _, recipient in self.accepted)


@pytest.fixture
def recorder() -> Iterator[tuple[Recorder, int]]:
    handler, port = Recorder(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def recorded_settings(settings: Settings, recorder: tuple[Recorder, int]) -> Settings:
    return settings.with_changes(smtp_url=f"smtp://127.0.0.1:{recorder[1]}?connections=4")


async def queue_mail(runtime: Runtime, addresses: list[str]) -> None:
    async with runtime.db.write() as session:
        for address in addresses:
            mail = OutgoingMail(address, "Please confirm", f"Hello {address}\n")
            enqueue(session, runtime.keyring, mail, kind="confirm")


async def queued(runtime: Runtime) -> list[OutboxMessage]:
    async with runtime.db.read() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_one_batch_over_several_connections_sends_each_message_once(
    recorded_settings: Settings, recorder: tuple[Recorder, int]
) -> None:
    server, _ = recorder
    runtime = Runtime.start(recorded_settings)
    try:
        addresses = [f"p{n}@example.org" for n in range(60)]
        await queue_mail(runtime, addresses)
        report = await runtime.mail_worker.run_once()
        assert (report.sent, report.failed, report.postponed) == (60, 0, 0)
        assert await queued(runtime) == []
    finally:
        await runtime.close()
    assert server.received() == Counter(addresses)
    assert len({peer for peer, _ in server.accepted}) > 1, "the batch was shared by connections"


async def test_refused_recipients_stay_queued_alone_and_the_rest_of_the_batch_goes(
    recorded_settings: Settings, recorder: tuple[Recorder, int]
) -> None:
    server, _ = recorder
    addresses = [f"p{n}@example.org" for n in range(40)]
    server.refused = {"p3@example.org", "p17@example.org", "p39@example.org"}
    runtime = Runtime.start(recorded_settings)
    try:
        await queue_mail(runtime, addresses)
        report = await runtime.mail_worker.drain()
        left = await queued(runtime)
    finally:
        await runtime.close()
    assert (report.sent, report.failed) == (37, 3)
    assert server.received() == Counter(a for a in addresses if a not in server.refused)
    assert len(left) == 3 and all(m.attempts == 1 and "550" in (m.last_error or "") for m in left)
    assert all(m.locked_until is None and m.next_attempt_at > utcnow() for m in left)


async def test_a_dropped_connection_loses_nothing_and_sends_nothing_twice(
    recorded_settings: Settings, recorder: tuple[Recorder, int]
) -> None:
    server, _ = recorder
    server.drop_every = 7
    addresses = [f"p{n}@example.org" for n in range(50)]
    runtime = Runtime.start(recorded_settings)
    try:
        await queue_mail(runtime, addresses)
        first = await runtime.mail_worker.drain()
        left = await queued(runtime)
        server.drop_every = 0
        later = await runtime.mail_worker.drain(now=utcnow() + timedelta(hours=2))
        assert await queued(runtime) == []
    finally:
        await runtime.close()
    assert (first.sent, first.failed) == (43, 7), "each connection reconnected and went on"
    assert all("SMTPServerDisconnected" in (m.last_error or "") for m in left)
    assert (later.sent, later.failed) == (7, 0)
    assert server.received() == Counter(addresses), "every message exactly once"


async def test_a_worker_told_to_stop_releases_the_messages_it_had_not_started(
    recorded_settings: Settings, recorder: tuple[Recorder, int]
) -> None:
    server, _ = recorder
    runtime = Runtime.start(recorded_settings)
    try:
        await queue_mail(runtime, [f"p{n}@example.org" for n in range(5)])
        stop = asyncio.Event()
        stop.set()
        report = await runtime.mail_worker.run_once(stop=stop)
        assert (report.sent, report.failed, report.postponed) == (0, 0, 5)
        left = await queued(runtime)
        assert all(m.locked_until is None and m.attempts == 0 for m in left), "free at once"
        assert (await runtime.mail_worker.run_once()).sent == 5
    finally:
        await runtime.close()
    assert sum(server.received().values()) == 5


async def test_a_message_that_cannot_be_opened_fails_alone(
    recorded_settings: Settings, recorder: tuple[Recorder, int]
) -> None:
    server, _ = recorder
    runtime = Runtime.start(recorded_settings)
    try:
        await queue_mail(runtime, ["one@example.org"])
        async with runtime.db.write() as session:  # sealed with a key this keyring lacks
            session.add(OutboxMessage(kind="confirm", payload="0badc0de:AAAA", attempts=0))
        await queue_mail(runtime, ["two@example.org"])
        report = await runtime.mail_worker.drain()
        [left] = await queued(runtime)
    finally:
        await runtime.close()
    assert (report.sent, report.failed) == (2, 1)
    assert server.received() == Counter(["one@example.org", "two@example.org"])
    assert "DecryptionError" in (left.last_error or "") and left.attempts == 1
