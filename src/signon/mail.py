"""Mail as Signon sends it: a composed message, rendered to the bytes an SMTP server is handed
(the transports that deliver them are in mailtransport).

Rendering writes Signon's few headers directly and asks the email package only for the ones that
need encoding (non-ASCII): building an `EmailMessage` per message cost ~2 ms, rendering ~20 µs.
"""

from __future__ import annotations

import base64
import binascii
import email.policy
import functools
from dataclasses import dataclass
from email.utils import format_datetime, make_msgid, parseaddr

from signon.db.models import utcnow

MAX_LINE = 998  # RFC 5322: lines up to this go unencoded (78 is a display recommendation)


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    to_address: str
    subject: str
    body_text: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Envelope:
    """A rendered message (CRLF lines) with its SMTP sender and recipient."""

    sender: str
    recipient: str
    content: bytes
    smtputf8: bool = False  # an address is not ASCII: the server must offer SMTPUTF8


def _header(name: str, value: str, utf8: bool = False) -> str:
    """ASCII goes as it is (a URL split into encoded words would stop working), the rest is
    encoded and folded by the email package."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"the {name} header contains a line break")
    line = f"{name}: {value}\r\n"
    if not line.isascii():
        return _encoded(name, value, utf8)
    if len(line) > MAX_LINE + 2:
        raise ValueError(f"the {name} header is longer than SMTP allows")
    return line


@functools.lru_cache(maxsize=256)  # subjects and list headers repeat across a campaign's mail
def _encoded(name: str, value: str, utf8: bool) -> str:
    policy = email.policy.SMTPUTF8 if utf8 else email.policy.SMTP
    return policy.header_factory(name, value).fold(policy=policy)


def _body(text: str) -> tuple[str, bytes]:
    """UTF-8 text with CRLF lines: as it is when ASCII, else the shorter of quoted-printable
    and base64 (as the email package chooses)."""
    lines = text.encode().splitlines()
    data = b"\r\n".join(lines) + b"\r\n"
    if data.isascii() and max(map(len, lines), default=0) <= MAX_LINE:
        return "7bit", data
    quoted = binascii.b2a_qp(data, istext=True)
    if len(quoted) <= len(data) * 4 // 3:
        return "quoted-printable", quoted
    return "base64", base64.encodebytes(data).replace(b"\n", b"\r\n")


class Renderer:
    """Renders every message of one sender; the From header is worked out once."""

    def __init__(self, mail_from: str) -> None:
        self.sender = parseaddr(mail_from)[1]
        self._from = _header("From", mail_from, utf8=not self.sender.isascii())
        self._domain = self.sender.rpartition("@")[2] or "localhost"

    def render(self, mail: OutgoingMail) -> Envelope:
        utf8 = not (mail.to_address.isascii() and self.sender.isascii())
        encoding, body = _body(mail.body_text)
        head = [
            self._from,
            _header("To", mail.to_address, utf8),
            _header("Subject", mail.subject, utf8),
            f"Date: {format_datetime(utcnow())}\r\n",
            f"Message-ID: {make_msgid(domain=self._domain)}\r\n",
            "Auto-Submitted: auto-generated\r\n",
            *(_header(name, value, utf8) for name, value in mail.headers),
            "MIME-Version: 1.0\r\n",
            'Content-Type: text/plain; charset="utf-8"\r\n',
            f"Content-Transfer-Encoding: {encoding}\r\n\r\n",
        ]
        content = "".join(head).encode() + body
        return Envelope(self.sender, mail.to_address, content, utf8)
