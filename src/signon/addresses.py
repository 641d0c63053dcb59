"""Email addresses: validation without DNS, normalisation, and the keyed duplicate-detection key."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

MAX_EMAIL_LENGTH = 254
# The common shape, which email-validator would accept and store with its domain in lower case:
# an ASCII dot-atom of at most 64 characters, and host names of letters, digits and inner
# hyphens under a top-level domain of letters. Checked by a regular expression it takes ~1 µs
# instead of ~29 (tests/unit/test_addresses.py holds the two to the same answers).
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_COMMON = re.compile(
    rf"(?P<local>(?=.{{1,64}}@){_ATEXT}(?:\.{_ATEXT})*)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)
_SPECIAL_USE = frozenset(SPECIAL_USE_DOMAIN_NAMES)


class InvalidEmail(ValueError):
    pass


def normalise_email(raw: str) -> str:
    """The address as Signon stores and sends it. Raises InvalidEmail with a readable reason.

    No DNS lookups: they block the request path and leak which addresses are being used.
    """
    if len(raw) > MAX_EMAIL_LENGTH:
        raise InvalidEmail(f"An email address has at most {MAX_EMAIL_LENGTH} characters.")
    common = _COMMON.fullmatch(raw)
    if common is not None:
        domain = common["domain"].lower()
        labels = domain.split(".")
        # Labels with "--" in third place (punycode and the like) and special-use domains
        # (.test, .localhost, ...) are email-validator's to judge.
        if _SPECIAL_USE.isdisjoint(labels) and not any(label[2:4] == "--" for label in labels):
            return f"{common['local']}@{domain}"
    try:
        checked = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidEmail(str(error)) from error
    return checked.normalized


def email_key(index_key: bytes | str, email: str) -> str:
    """One key per person: the lower-cased address under a keyed hash (HMAC-SHA256).

    email-validator lower-cases only the domain; nearly every mail system treats the local part
    case-insensitively too, so two spellings of one address count as one signer. A keyed hash,
    not a plain one, so that a copy of the database cannot be matched against a list of
    addresses; the key lives in the key file, outside the database.
    """
    return keyed_email_hash(email_hash_key(index_key), email)


def email_hash_key(index_key: bytes | str) -> bytes:
    """The HMAC key email_key uses, derived from the index key (derive once, hash many)."""
    secret = index_key.encode() if isinstance(index_key, str) else index_key
    return hmac.new(secret, b"signon.email-key.v1", hashlib.sha256).digest()


def keyed_email_hash(hash_key: bytes, email: str) -> str:
    return keyed_email_digest(hash_key, email).hex()


def keyed_email_digest(hash_key: bytes, email: str) -> bytes:
    """keyed_email_hash as bytes (one-shot HMAC: no hmac object per address)."""
    return hmac.digest(hash_key, email.lower().encode(), "sha256")


def keyed_email_digests(hash_key: bytes, emails: Iterable[str]) -> list[bytes]:
    """keyed_email_digest of many addresses (for seeding a million of them).

    The same HMAC-SHA256 (RFC 2104), with its two keyed SHA-256 states made once and copied per
    address: half the work of copying an hmac object, whose copy makes more than it uses.
    """
    block = hashlib.sha256().block_size
    key = (hashlib.sha256(hash_key).digest() if len(hash_key) > block else hash_key).ljust(
        block, b"\0"
    )
    inner_keyed = hashlib.sha256(bytes(byte ^ 0x36 for byte in key))
    outer_keyed = hashlib.sha256(bytes(byte ^ 0x5C for byte in key))
    digests = []
    for email in emails:
        inner = inner_keyed.copy()
        inner.update(email.lower().encode())
        outer = outer_keyed.copy()
        outer.update(inner.digest())
        digests.append(outer.digest())
    return digests
