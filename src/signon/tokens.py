"""Signed, time-limited tokens for the links Signon emails.

A confirmation token carries only the signature's random nonce (never an id or an address), is
signed with the application secret, and expires after the configured period. An expired token
whose signature is still valid can still name its signature, so the page can offer a new link.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from itsdangerous import BadSignature, SignatureExpired

from signon.signing import UncompressedTimedSerializer

CONFIRM_SALT = "signon.confirm.v1"
MAX_TOKEN_LENGTH = 200


class TokenState(Enum):
    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class TokenCheck:
    state: TokenState
    nonce: str | None = None


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class ConfirmTokens:
    def __init__(self, secret_key: str, max_age: timedelta) -> None:
        self._serializer = UncompressedTimedSerializer(secret_key, salt=CONFIRM_SALT)
        self.max_age = max_age

    def issue(self, nonce: str) -> str:
        return self._serializer.dumps(nonce)

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


def _checked(state: TokenState, nonce: object) -> TokenCheck:
    if not isinstance(nonce, str) or not nonce:
        return TokenCheck(TokenState.INVALID)
    return TokenCheck(state, nonce)


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
