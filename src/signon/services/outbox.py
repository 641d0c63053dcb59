"""The outbox: mail is queued in the database with what caused it, and delivered by a worker.

Delivery never holds a database transaction open while talking to SMTP: a batch is claimed
(leased) in one short transaction, sent with no transaction open, and the outcome recorded in
another. A message leaves the table only once the server accepted it; a failure keeps it queued
with a growing delay, so nothing is lost while the SMTP server is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from signon.crypto import Keyring
from signon.db import Database
from signon.db.models import OutboxMessage, utcnow
from signon.mail import MailTransport, OutgoingMail, build_message
from signon.services.records import OUTBOX_PAYLOAD

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min, … capped at an hour."""
    return min(MAX_BACKOFF, timedelta(seconds=30 * 2 ** max(0, attempts - 1)))


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
    now = utcnow()
    payload = {
        "to": mail.to_address,
        "subject": mail.subject,
        "body": mail.body_text,
        "headers": [list(header) for header in mail.headers],
    }
    session.add(
        OutboxMessage(
            kind=kind,
            payload=keyring.encrypt_json(payload, OUTBOX_PAYLOAD),
            signature_id=signature_id,
            attempts=0,
            created_at=now,
            next_attempt_at=not_before or now,
        )
    )


def _opened(keyring: Keyring, sealed: str) -> OutgoingMail:
    payload = keyring.decrypt_json(sealed, OUTBOX_PAYLOAD)
    headers = tuple((name, value) for name, value in payload.get("headers", []))
    return OutgoingMail(payload["to"], payload["subject"], payload["body"], headers)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class _Claimed:
    id: int
    mail: OutgoingMail
    attempts: int


class OutboxWorker:
    def __init__(
        self,
        db: Database,
        keyring: Keyring,
        transport: MailTransport,
        mail_from: str,
        batch_size: int = 50,
    ) -> None:
        self.db = db
        self.keyring = keyring
        self.transport = transport
        self.mail_from = mail_from
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
            return [
                _Claimed(row.id, _opened(self.keyring, row.payload), row.attempts) for row in rows
            ]

    async def run_once(self, now: datetime | None = None) -> DeliveryReport:
        """Deliver one batch of messages due by `now`. Raises nothing for SMTP failures."""
        claimed = await self._claim(now or utcnow())
        if not claimed:
            return DeliveryReport()
        sent: list[int] = []
        failures: dict[int, str] = {}
        try:
            async with self.transport.connection() as send:
                for item in claimed:
                    try:
                        await send(build_message(item.mail, self.mail_from))
                        sent.append(item.id)
                    except Exception as error:
                        failures[item.id] = f"{type(error).__name__}: {error}"
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"
            failures.update({item.id: reason for item in claimed if item.id not in sent})
        await self._record(claimed, sent, failures)
        if failures:
            log.warning(
                "mail: %d sent, %d failed (%s)",
                len(sent),
                len(failures),
                next(iter(failures.values())),
            )
        return DeliveryReport(sent=len(sent), failed=len(failures))

    async def _record(
        self, claimed: list[_Claimed], sent: list[int], failures: dict[int, str]
    ) -> None:
        now = utcnow()
        attempts = {item.id: item.attempts for item in claimed}
        async with self.db.write() as session:
            if sent:
                await session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(sent)))
            for message_id, reason in failures.items():
                tries = attempts[message_id] + 1
                await session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == message_id)
                    .values(
                        attempts=tries,
                        last_error=reason[:1000],
                        locked_until=None,
                        next_attempt_at=now + backoff(tries),
                    )
                )

    async def drain(self, now: datetime | None = None) -> DeliveryReport:
        """Deliver batches until nothing is due (`signon worker --once`, tests)."""
        sent = failed = 0
        while True:
            report = await self.run_once(now)
            sent, failed = sent + report.sent, failed + report.failed
            if report.sent + report.failed < self.batch_size or report.failed:
                return DeliveryReport(sent=sent, failed=failed)

    async def run_forever(self, stop: asyncio.Event, poll_seconds: float = 1.0) -> None:
        log.info("mail worker started")
        while not stop.is_set():
            try:
                report = await self.run_once()
            except Exception:  # the database may be briefly unavailable: log and keep going
                log.exception("mail worker: delivery round failed")
                report = DeliveryReport()
            if report.sent + report.failed < self.batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
        log.info("mail worker stopped")
