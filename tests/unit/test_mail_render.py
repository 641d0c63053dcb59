"""Messages are rendered to bytes without the email package's object model: whatever the text,
a mail client (here the email package's parser) reads back what was composed."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signon.mail import MAX_LINE, OutgoingMail, Renderer
from signon.mailtransport import SmtpConfig

printable = st.characters(exclude_categories=("Cc", "Cs"))
subjects = st.text(printable, max_size=300).map(lambda text: " ".join(text.split()))
bodies = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))
paths = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=400)


def parsed(content: bytes) -> EmailMessage:
    return email.message_from_bytes(content, policy=email.policy.default)  # type: ignore[return-value]


def lines_of(text: str) -> list[str]:
    return [line.decode() for line in text.encode().splitlines()]


@given(subject=subjects, body=bodies, path=paths)
def test_any_subject_and_body_read_back_as_composed(subject: str, body: str, path: str) -> None:
    unsubscribe = f"<https://sign.example.org/manage/{path}/unsubscribe>"
    mail = OutgoingMail("ana@example.org", subject, body, (("List-Unsubscribe", unsubscribe),))
    envelope = Renderer("Campagne Éco <eco@example.org>").render(mail)

    assert envelope.content.isascii() and not envelope.smtputf8
    assert all(len(line) <= MAX_LINE for line in envelope.content.split(b"\r\n"))
    message = parsed(envelope.content)
    assert str(message["From"]) == "Campagne Éco <eco@example.org>"
    assert str(message["To"]) == "ana@example.org"
    assert str(message["Subject"]) == subject
    # A link split into encoded words would not work in the unsubscribe button.
    assert str(message["List-Unsubscribe"]) == unsubscribe
    text = message.get_body(preferencelist=("plain",))
    assert text is not None and lines_of(text.get_content()) == (lines_of(body) or [""])


def test_an_address_that_is_not_ascii_needs_smtputf8() -> None:
    mail = OutgoingMail("josé@exämple.org", "Merci, José", "Bonjour José\n")
    envelope = Renderer("Signon <signon@example.org>").render(mail)
    assert envelope.smtputf8 and envelope.recipient == "josé@exämple.org"
    message = parsed(envelope.content)
    assert str(message["To"]) == "josé@exämple.org"
    assert str(message["Subject"]) == "Merci, José"


def test_plain_ascii_links_are_never_wrapped() -> None:
    link = "https://sign.example.org/confirm/" + "x" * 120
    envelope = Renderer("s@example.org").render(OutgoingMail("a@example.org", "S", link))
    assert f"\r\n{link}\r\n".encode() in envelope.content


@pytest.mark.parametrize("value", ["two\nlines", "two\rlines", "x" * 1000])
def test_a_header_smtp_cannot_carry_is_refused(value: str) -> None:
    mail = OutgoingMail("a@example.org", "S", "B", (("X-Campaign", value),))
    with pytest.raises(ValueError):
        Renderer("s@example.org").render(mail)


def test_the_smtp_url_sets_the_number_of_connections() -> None:
    assert SmtpConfig.from_url("smtp://relay.example.org").connections == 4
    config = SmtpConfig.from_url("smtps://u:p%40ss@relay.example.org?connections=2")
    assert (config.connections, config.password, config.port) == (2, "p@ss", 465)


@pytest.mark.parametrize(
    "url",
    [
        "smtp://relay.example.org?connections=0",
        "smtp://relay.example.org?connections=lots",
        "smtp://relay.example.org?conections=2",
        "http://relay.example.org",
    ],
)
def test_a_wrong_smtp_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="SIGNON_SMTP_URL"):
        SmtpConfig.from_url(url)
