"""Signed, time-limited tokens for the links Signon emails.

A confirmation token carries only the signature's random nonce (never an id or an address) and
the edition of the details it was sent for, is signed with the application secret, and expires
after the configured period. An expired token whose signature is still valid can still name its
signature, so the page can offer a new link.

The edition is a keyed hash of what was submitted through the form (ConfirmTokens.edition),
stored with the signature (`link_edition`). Signing again before confirming replaces a pending
signature's details and its edition; a link sent for the details before confirms nothing once
they changed, even if someone who knows the address changed them (asking for the name to be
listed, say), while the manage link in the same email goes on working, and the signer's own
changes through it leave the edition, and so the link, as they were.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from itsdangerous import BadSignature, SignatureExpired

from signon.signing import UncompressedTimedSerializer

CONFIRM_SALT = "signon.confirm.v1"
EDITION_SALT = b"signon.confirm-edition.v1"
MAX_TOKEN_LENGTH = 200


class TokenState(Enum):
    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class TokenCheck:
    state: TokenState
    nonce: str | None = None
    edition: str | None = None  # None: a link from before editions, good for any details


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class ConfirmTokens:
    def __init__(self, secret_key: str, max_age: timedelta) -> None:
        self._serializer = UncompressedTimedSerializer(secret_key, salt=CONFIRM_SALT)
        self._edition_key = hmac.digest(secret_key.encode(), EDITION_SALT, "sha256")
        self.max_age = max_age

    def issue(self, nonce: str, edition: str | None = None) -> str:
        return self._serializer.dumps(nonce if edition is None else [nonce, edition])

    def edition(self, details: Sequence[object]) -> str:
        """A short keyed hash of a submission's details (its signer type, display, update wish
        and personal data, in a fixed order): equal for equal details, and, without the
        secret, telling nothing of them."""
        text = json.dumps(list(details), ensure_ascii=False, separators=(",", ":"))
        digest = hmac.digest(self._edition_key, text.encode(), "sha256")
        return base64.urlsafe_b64encode(digest[:9]).decode()

    def check(self, token: str) -> TokenCheck:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return TokenCheck(TokenState.INVALID)
        try:
            nonce = self._serializer.loads(token, max_age=self.max_age.total_seconds())
        except SignatureExpired as expired:
            try:
                nonce = self._serializer.load_payload(expired.payload)
            except BadSignature:
                return TokenCheck(TokenState.INVALID)
            return _checked(TokenState.EXPIRED, nonce)
        except BadSignature:
            return TokenCheck(TokenState.INVALID)
        return _checked(TokenState.VALID, nonce)


def _checked(state: TokenState, payload: object) -> TokenCheck:
    """A payload is the nonce, or [nonce, edition] (a link sent since editions exist)."""
    nonce, edition = payload if isinstance(payload, list) and len(payload) == 2 else (payload, "")
    if not isinstance(nonce, str) or not nonce or not isinstance(edition, str):
        return TokenCheck(TokenState.INVALID)
    if isinstance(payload, list) and not edition:
        return TokenCheck(TokenState.INVALID)
    return TokenCheck(state, nonce, edition or None)


MANAGE_SALT = "signon.manage.v1"


class ManageTokens:
    """Links to a signer's own manage page. They do not expire: a signer may withdraw years later;
    withdrawing erases the data, so an old link then shows only that it was withdrawn."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = UncompressedTimedSerializer(secret_key, salt=MANAGE_SALT)

    def issue(self, nonce: str) -> str:
        return self._serializer.dumps(nonce)

    def check(self, token: str) -> str | None:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        try:
            nonce = self._serializer.loads(token)
        except BadSignature:
            return None
        return nonce if isinstance(nonce, str) and nonce else None
