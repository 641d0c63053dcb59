"""The dev mailbox: in dev mode without SMTP, sent mail is kept as files and shown here."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from pathlib import Path

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template
from markupsafe import Markup, escape

from signon.runtime import Runtime
from signon.web.errors import NO_CSRF

_MESSAGE_NAME = re.compile(r"^[0-9T]{21}-[0-9a-f]{8}\.eml$")
_URL = re.compile(r"https?://[^\s<>\"]+")


@dataclass(frozen=True, slots=True)
class MailboxEntry:
    name: str
    to: str
    subject: str
    date: str


def _read(path: Path) -> email.message.EmailMessage:
    with path.open("rb") as handle:
        return email.message_from_binary_file(handle, policy=email.policy.default)  # type: ignore[return-value]


def linkify(text: str) -> Markup:
    """Escape a plain-text body, then make its links clickable."""
    escaped = str(escape(text))
    return Markup(_URL.sub(lambda m: f'<a href="{m[0]}">{m[0]}</a>', escaped))


class DevMailboxController(Controller):
    opt = NO_CSRF
    path = "/dev/mailbox"

    @get("/", name="dev_mailbox")
    async def mailbox(self, runtime: NamedDependency[Runtime]) -> Template:
        directory = runtime.settings.mailbox_dir
        paths = sorted(directory.glob("*.eml"), reverse=True)[:200] if directory.exists() else []
        entries = []
        for path in paths:
            message = _read(path)
            entries.append(
                MailboxEntry(
                    path.name, str(message["To"]), str(message["Subject"]), str(message["Date"])
                )
            )
        return Template("dev_mailbox.html", context={"entries": entries})

    @get("/{file:str}", name="dev_message")
    async def message(self, file: FromPath[str], runtime: NamedDependency[Runtime]) -> Template:
        path = runtime.settings.mailbox_dir / file
        if not _MESSAGE_NAME.match(file) or not path.exists():
            raise NotFoundException()
        message = _read(path)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        return Template(
            "dev_message.html",
            context={
                "to": message["To"],
                "subject": message["Subject"],
                "date": message["Date"],
                "body": linkify(text),
            },
        )
