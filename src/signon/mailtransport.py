"""The transports that deliver a batch of rendered mail: SMTP (several connections, each
reused), or the dev mailbox folder; and why a message failed, as text that names no address
(describe)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import re
import smtplib
import socket
import ssl
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

from signon.db.models import utcnow
from signon.mail import Envelope

MAX_CONNECTIONS = 32


@dataclass(slots=True)
class Outcomes:
    """What became of a batch, by position in it. A message in neither was not attempted."""

    sent: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # position -> reason


KeepGoing = Callable[[], bool]  # asked before each message; False leaves the rest unattempted


class MailTransport(Protocol):
    async def deliver(self, envelopes: Sequence[Envelope], keep_going: KeepGoing) -> Outcomes:
        """Hand each message to the server; raise nothing for a message or server failure."""
        ...


# Anything shaped like an address: a mailbox, "@", a domain (no spaces, brackets or quotes).
_ADDRESS_LIKE = re.compile(r"""[^\s<>()\[\]{}'",;:]+@[^\s<>()\[\]{}'",;:]+""")


def describe(error: BaseException, *recipients: str) -> str:
    """Why a message was not sent, as text to store with it and to log, with no address in it.

    A refusal usually quotes the recipient ("550 5.1.1 <ana@example.org>: Recipient address
    rejected"), and smtplib's refusals carry the addresses they were for; the outbox row that
    keeps the reason is plain text, and a log line outlives the message. So SMTP replies are
    reduced to their code and text, and whatever looks like an address becomes "<address>",
    as do the `recipients` and their mailbox names wherever they appear ("ana.lima... User
    unknown").
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        text = "; ".join(_reply(code, reply) for code, reply in error.recipients.values())
    elif isinstance(error, smtplib.SMTPResponseException):
        text = _reply(error.smtp_code, error.smtp_error)
    else:
        text = str(error)
    for recipient in recipients:
        mailbox = recipient.rpartition("@")[0]
        for known in (recipient, mailbox) if len(mailbox) >= 3 else (recipient,):
            text = re.sub(rf"(?<!\w){re.escape(known)}(?!\w)", "\0", text, flags=re.IGNORECASE)
    text = _ADDRESS_LIKE.sub("\0", text).replace("\0", "<address>")
    return f"{type(error).__name__}: {text}"


def _reply(code: int, reply: bytes | str) -> str:
    return f"{code} {reply.decode('utf-8', 'replace') if isinstance(reply, bytes) else reply}"


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool
    connections: int = 4

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        parts = urlsplit(url)
        options = dict(parse_qsl(parts.query))
        connections = options.pop("connections", "4")
        if (
            parts.scheme not in {"smtp", "smtps"}
            or not parts.hostname
            or options
            or not connections.isdigit()
            or not 1 <= int(connections) <= MAX_CONNECTIONS
        ):
            raise ValueError(
                "SIGNON_SMTP_URL must look like smtp://user:pass@host:587 or smtps://…, "
                f"optionally with ?connections=N (1 to {MAX_CONNECTIONS})"
            )
        implicit_tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit_tls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            implicit_tls=implicit_tls,
            connections=int(connections),
        )


# The server said no to this one message (smtplib has reset the envelope): the connection goes on.
_MESSAGE_REFUSED = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPResponseException,
    smtplib.SMTPNotSupportedError,
)


class SmtpTransport:
    """Several SMTP connections at once (`?connections=`, default 4), STARTTLS whenever offered.

    Each connection is the standard library's blocking smtplib in a thread of its own: against
    a local aiosmtpd, aiosmtplib spent ~500 µs of CPU a message on event-loop machinery, smtplib
    ~200 µs, and the blocking calls leave the event loop free. Connections take the next message
    from one shared queue, so a connection that breaks reconnects, and one that cannot leaves its
    share to the others; only when none can connect do the rest fail.
    """

    def __init__(
        self, url: str, timeout: float = 30.0, tls_context: ssl.SSLContext | None = None
    ) -> None:
        self.config = SmtpConfig.from_url(url)
        self.timeout = timeout
        self._tls = tls_context  # default: the system's trusted CAs, made on first use (~30 ms)

    async def deliver(self, envelopes: Sequence[Envelope], keep_going: KeepGoing) -> Outcomes:
        outcomes = Outcomes()
        if not envelopes:
            return outcomes
        queue = deque(enumerate(envelopes))
        if self._tls is None:
            self._tls = ssl.create_default_context()
        loop = asyncio.get_running_loop()
        lanes = min(self.config.connections, len(envelopes))
        threads = ThreadPoolExecutor(lanes, "smtp")
        try:
            errors = await asyncio.gather(
                *(
                    loop.run_in_executor(threads, self._send_queued, queue, outcomes, keep_going)
                    for _ in range(lanes)
                )
            )
        finally:
            threads.shutdown(wait=False)
        reason = next((error for error in errors if error), None)
        if queue and reason and keep_going():  # left over because no connection could be made
            outcomes.failed.update((index, reason) for index, _ in queue)
        return outcomes

    def _send_queued(
        self, queue: deque[tuple[int, Envelope]], outcomes: Outcomes, keep_going: KeepGoing
    ) -> str | None:
        """One connection's work, in its thread. Returns why it could not connect, if so."""
        client: smtplib.SMTP | None = None
        try:
            while queue and keep_going():
                try:
                    index, envelope = queue.popleft()
                except IndexError:  # another connection took the last one
                    break
                if client is None or client.sock is None:  # smtplib closes a broken connection
                    try:
                        client = self._connect()
                    except Exception as error:
                        queue.appendleft((index, envelope))
                        return describe(error)
                try:
                    _send(client, envelope)
                    outcomes.sent.append(index)
                except _MESSAGE_REFUSED as error:
                    outcomes.failed[index] = describe(error, envelope.recipient)
                except Exception as error:  # state unknown: the next message gets a new connection
                    outcomes.failed[index] = describe(error, envelope.recipient)
                    client.close()
        finally:
            if client is not None and client.sock is not None:
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    client.quit()
                client.close()
        return None

    def _connect(self) -> smtplib.SMTP:
        config, host = self.config, _local_hostname()
        if config.implicit_tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host, config.port, host, timeout=self.timeout, context=self._tls
            )
        else:
            client = smtplib.SMTP(config.host, config.port, host, timeout=self.timeout)
        try:
            client.ehlo()
            if not config.implicit_tls and client.has_extn("starttls"):
                client.starttls(context=self._tls)
                client.ehlo()
            if config.username:
                client.login(config.username, config.password or "")
        except BaseException:
            client.close()
            raise
        return client


def _send(client: smtplib.SMTP, envelope: Envelope) -> None:
    options = ("SMTPUTF8", "BODY=8BITMIME") if envelope.smtputf8 else ()
    client.sendmail(envelope.sender, [envelope.recipient], envelope.content, options)


@functools.cache
def _local_hostname() -> str:
    """The EHLO name; looked up once, as getfqdn can wait on DNS."""
    return socket.getfqdn()


class MailboxTransport:
    """Dev mode without SMTP: each message becomes a .eml file shown on the dev mailbox page."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def deliver(self, envelopes: Sequence[Envelope], keep_going: KeepGoing) -> Outcomes:
        return await asyncio.to_thread(self._write, envelopes, keep_going)

    def _write(self, envelopes: Sequence[Envelope], keep_going: KeepGoing) -> Outcomes:
        outcomes = Outcomes()
        self.directory.mkdir(parents=True, exist_ok=True)
        for index, envelope in enumerate(envelopes):
            if not keep_going():
                break
            stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
            name = f"{stamp}-{os.urandom(4).hex()}.eml"
            temporary = self.directory / f".{name}.tmp"
            try:
                temporary.write_bytes(envelope.content)
                temporary.replace(self.directory / name)
                outcomes.sent.append(index)
            except OSError as error:
                outcomes.failed[index] = describe(error)
        return outcomes


def transport_for(smtp_url: str | None, mailbox_dir: Path) -> MailTransport:
    return SmtpTransport(smtp_url) if smtp_url else MailboxTransport(mailbox_dir)
