"""The outbox: mail is queued in the database with what caused it, and delivered by a worker.

Delivery never holds a database transaction open while talking to SMTP: a batch is claimed
(leased) in one short transaction, sent with no transaction open, and the outcomes recorded in
another (one DELETE for the sent, one UPDATE for the failed). A message leaves the table only once
the server accepted it; a failure keeps it queued with a growing delay, so nothing is lost while
the SMTP server is down. Several workers (processes) share the table: a claimed message is theirs
alone until its lease ends, and a worker starts no message once half the lease is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from signon.crypto import Keyring
from signon.db import Database
from signon.db.models import OutboxMessage, utcnow
from signon.mail import Envelope, OutgoingMail, Renderer
from signon.mailtransport import MailTransport, describe
from signon.services.records import OUTBOX_PAYLOAD

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
# No message is started after this much of the lease: one still in flight then has time to
# finish (each SMTP step times out after 30 s) before another worker may claim it again.
SEND_WINDOW = LEASE / 2
MAX_BACKOFF = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min, … capped at an hour."""
    return min(MAX_BACKOFF, timedelta(seconds=30 * 2 ** max(0, attempts - 1)))


def sealed_payload(keyring: Keyring, mail: OutgoingMail) -> str:
    """A message's recipient, subject, body and headers, sealed together."""
    payload = {
        "to": mail.to_address,
        "subject": mail.subject,
        "body": mail.body_text,
        "headers": [list(header) for header in mail.headers],
    }
    return keyring.encrypt_json(payload, OUTBOX_PAYLOAD)


def outbox_row(
    keyring: Keyring,
    mail: OutgoingMail,
    *,
    kind: str,
    signature_id: int | None,
    now: datetime,
    not_before: datetime | None = None,
) -> dict[str, Any]:
    """The values of one queued message."""
    return {
        "kind": kind,
        "payload": sealed_payload(keyring, mail),
        "signature_id": signature_id,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": not_before or now,
    }


def enqueue(
    session: AsyncSession,
    keyring: Keyring,
    mail: OutgoingMail,
    *,
    kind: str,
    signature_id: int | None = None,
    not_before: datetime | None = None,
) -> None:
    """Queue a message inside the caller's transaction: it exists exactly if that commits."""
    row = outbox_row(
        keyring, mail, kind=kind, signature_id=signature_id, now=utcnow(), not_before=not_before
    )
    session.add(OutboxMessage(**row))


def _opened(keyring: Keyring, sealed: str) -> OutgoingMail:
    payload = keyring.decrypt_json(sealed, OUTBOX_PAYLOAD)
    headers = tuple((name, value) for name, value in payload.get("headers", []))
    return OutgoingMail(payload["to"], payload["subject"], payload["body"], headers)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    postponed: int = 0  # claimed but not started (shutdown, or the lease running out): free again

    @property
    def claimed(self) -> int:
        return self.sent + self.failed + self.postponed


@dataclass(frozen=True, slots=True)
class _Claimed:
    id: int
    payload: str
    attempts: int


class OutboxWorker:
    def __init__(
        self,
        db: Database,
        keyring: Keyring,
        transport: MailTransport,
        mail_from: str,
        batch_size: int = 500,
    ) -> None:
        self.db = db
        self.keyring = keyring
        self.transport = transport
        self.renderer = Renderer(mail_from)
        self.batch_size = batch_size

    async def _claim(self, now: datetime) -> list[_Claimed]:
        async with self.db.write() as session:
            due = (
                select(OutboxMessage.id)
                .where(OutboxMessage.next_attempt_at <= now)
                .where(or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(self.batch_size)
            )
            if not self.db.is_sqlite:  # SQLite's BEGIN IMMEDIATE already serialises claimers
                due = due.with_for_update(skip_locked=True)
            ids = list(await session.scalars(due))
            if not ids:
                return []
            rows = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(locked_until=now + LEASE)
                .returning(OutboxMessage.id, OutboxMessage.payload, OutboxMessage.attempts)
            )
            return [_Claimed(row.id, row.payload, row.attempts) for row in rows]

    def _render(self, claimed: list[_Claimed]) -> tuple[list[int], list[Envelope], dict[int, str]]:
        """Open and render each message; one that cannot be (lost key, bad header) fails alone."""
        ids: list[int] = []
        envelopes: list[Envelope] = []
        failures: dict[int, str] = {}
        for item in claimed:
            try:
                envelopes.append(self.renderer.render(_opened(self.keyring, item.payload)))
                ids.append(item.id)
            except Exception as error:
                failures[item.id] = describe(error)
        return ids, envelopes, failures

    async def run_once(
        self, now: datetime | None = None, stop: asyncio.Event | None = None
    ) -> DeliveryReport:
        """Deliver one batch of messages due by `now`. Raises nothing for SMTP failures.

        Once `stop` is set, no further message is started; the rest are released at once.
        """
        now = now or utcnow()
        claimed = await self._claim(now)
        if not claimed:
            return DeliveryReport()
        # Off the event loop: a batch takes tens of ms to render, too long to stall `signon serve`.
        ids, envelopes, failures = await asyncio.to_thread(self._render, claimed)
        window_ends = time.monotonic() + SEND_WINDOW.total_seconds()

        def keep_going() -> bool:
            return time.monotonic() < window_ends and not (stop and stop.is_set())

        try:
            outcomes = await self.transport.deliver(envelopes, keep_going)
            sent = [ids[index] for index in outcomes.sent]
            failures.update((ids[index], reason) for index, reason in outcomes.failed.items())
        except Exception as error:  # transports report per message; this is a bug's last resort
            sent, reason = [], describe(error)
            failures.update((message_id, reason) for message_id in ids)
        finished = {*sent, *failures}
        postponed = [item.id for item in claimed if item.id not in finished]
        await self._record(now, claimed, sent, failures, postponed)
        if failures:
            log.warning(
                "mail: %d sent, %d failed (%s)",
                len(sent),
                len(failures),
                next(iter(failures.values())),
            )
        return DeliveryReport(sent=len(sent), failed=len(failures), postponed=len(postponed))

    async def _record(
        self,
        now: datetime,
        claimed: list[_Claimed],
        sent: list[int],
        failures: dict[int, str],
        postponed: list[int],
    ) -> None:
        """Retries count from the round's `now`, so one drain never retries what it just failed."""
        attempts = {item.id: item.attempts + 1 for item in claimed}
        async with self.db.write() as session:
            if sent:
                await session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(sent)))
            if postponed:
                await session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(postponed))
                    .values(locked_until=None)
                )
            if failures:
                await session.execute(
                    update(OutboxMessage),
                    [
                        {
                            "id": message_id,
                            "attempts": attempts[message_id],
                            "last_error": reason[:1000],
                            "locked_until": None,
                            "next_attempt_at": max(now, utcnow()) + backoff(attempts[message_id]),
                        }
                        for message_id, reason in failures.items()
                    ],
                )

    async def drain(self, now: datetime | None = None) -> DeliveryReport:
        """Deliver batches until nothing is due, or a batch sends nothing (`signon worker --once`,
        tests)."""
        sent = failed = 0
        while True:
            report = await self.run_once(now)
            sent, failed = sent + report.sent, failed + report.failed
            if report.claimed < self.batch_size or not report.sent:
                return DeliveryReport(sent=sent, failed=failed)

    async def run_forever(self, stop: asyncio.Event, poll_seconds: float = 1.0) -> None:
        log.info("mail worker started")
        while not stop.is_set():
            try:
                report = await self.run_once(stop=stop)
            except Exception:  # the database may be briefly unavailable: log and keep going
                log.exception("mail worker: delivery round failed")
                report = DeliveryReport()
            if report.claimed < self.batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
        log.info("mail worker stopped")
