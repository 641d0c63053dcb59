"""Building email messages and handing them to a transport: SMTP, or the dev mailbox folder."""

from __future__ import annotations

import os
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

from signon.db.models import utcnow

Send = Callable[[EmailMessage], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    to_address: str
    subject: str
    body_text: str
    headers: tuple[tuple[str, str], ...] = ()


class MailTransport(Protocol):
    def connection(self) -> AsyncIterator[Send]:
        """An async context manager yielding a function that sends one message."""
        ...


def build_message(mail: OutgoingMail, mail_from: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(utcnow())
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    for name, value in mail.headers:
        message[name] = value
    message.set_content(mail.body_text)
    return message


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError(
                "SIGNON_SMTP_URL must look like smtp://user:pass@host:587 or smtps://…"
            )
        implicit_tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit_tls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            implicit_tls=implicit_tls,
        )


class SmtpTransport:
    """One SMTP connection per batch of messages; STARTTLS whenever the server offers it."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.config = SmtpConfig.from_url(url)
        self.timeout = timeout

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Send]:
        config = self.config
        client = aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            use_tls=config.implicit_tls,
            start_tls=None,
            tls_context=ssl.create_default_context(),
            timeout=self.timeout,
        )
        await client.connect()
        try:
            if config.username:
                await client.login(config.username, config.password or "")

            async def send(message: EmailMessage) -> None:
                await client.send_message(message)

            yield send
        finally:
            try:
                await client.quit()
            except aiosmtplib.SMTPException:
                client.close()


class MailboxTransport:
    """Dev mode without SMTP: each message becomes a .eml file shown on the dev mailbox page."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Send]:
        self.directory.mkdir(parents=True, exist_ok=True)

        async def send(message: EmailMessage) -> None:
            stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
            name = f"{stamp}-{os.urandom(4).hex()}.eml"
            temporary = self.directory / f".{name}.tmp"
            temporary.write_bytes(bytes(message))
            temporary.replace(self.directory / name)

        yield send


def transport_for(smtp_url: str | None, mailbox_dir: Path) -> MailTransport:
    return SmtpTransport(smtp_url) if smtp_url else MailboxTransport(mailbox_dir)
