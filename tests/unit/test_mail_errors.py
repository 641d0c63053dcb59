"""Why a message was not sent is stored and logged without the address it was for."""

from __future__ import annotations

import re
import smtplib

from hypothesis import given
from hypothesis import strategies as st

from signon.mailtransport import describe


@given(st.emails())
def test_a_refusal_keeps_its_code_and_reason_and_loses_the_address(address: str) -> None:
    refused = smtplib.SMTPRecipientsRefused(
        {address: (550, f"5.1.1 <{address}>: Recipient address rejected".encode())}
    )
    text = describe(refused, address)
    assert text.startswith("SMTPRecipientsRefused: 550 5.1.1 <<address>>: ")
    assert address.lower() not in text.lower()


@given(st.emails())
def test_an_address_or_its_mailbox_anywhere_in_the_reply_is_removed(address: str) -> None:
    mailbox = address.rpartition("@")[0]
    for error in (
        smtplib.SMTPDataError(554, f"message for {address.upper()} refused".encode()),
        smtplib.SMTPResponseException(550, f"{mailbox}... User unknown"),
        smtplib.SMTPServerDisconnected(f"gone while sending to {address}"),
    ):
        reason = describe(error, address).partition(": ")[2]
        assert address.lower() not in reason.lower()
        if len(mailbox) >= 3:  # as a word: "ser" may well be in "User"
            assert not re.search(rf"(?<!\w){re.escape(mailbox)}(?!\w)", reason, re.IGNORECASE)


def test_a_mailbox_name_is_removed_as_a_word_only() -> None:
    refused = smtplib.SMTPRecipientsRefused(
        {"ress@example.org": (550, b"5.1.1 <ress@example.org>: Recipient address rejected")}
    )
    assert describe(refused, "ress@example.org") == (
        "SMTPRecipientsRefused: 550 5.1.1 <<address>>: Recipient address rejected"
    )
    unknown = smtplib.SMTPResponseException(550, b"ress... User unknown")
    assert describe(unknown, "ress@example.org") == (
        "SMTPResponseException: 550 <address>... User unknown"
    )


def test_addresses_it_was_not_told_of_are_removed_too() -> None:
    error = smtplib.SMTPSenderRefused(553, b"5.7.1 <campaign@example.org> not allowed", "x@y.org")
    assert describe(error) == "SMTPSenderRefused: 553 5.7.1 <<address>> not allowed"
    assert describe(ConnectionRefusedError(111, "Connection refused")) == (
        "ConnectionRefusedError: [Errno 111] Connection refused"
    )
