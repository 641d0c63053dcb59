"""Signed form tokens: which campaign's form was served, when, and with which PoW challenge.

The sign form carries one as a hidden field. A script that posts to the sign URL without loading
the page has none; one that fills the form faster than a person can is caught by the time-to-fill
check; a token posted twice is recognised by its `token_id`. The token says nothing about the
visitor (no IP, no cookie, no session): only the campaign slug, the issue time and a random
challenge, so serving it to a crowd of 100k watchers needs no storage at all.

The payload is signed with itsdangerous under its own salt, so a form token can never be passed
off as a confirmation token or the other way round. The issue time is embedded in milliseconds
rather than taken from itsdangerous' timestamp, which counts whole seconds: with a 2-second
minimum fill time, whole seconds would be off by up to half the threshold.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from itsdangerous import BadData

from signon.signing import UncompressedSerializer

FORM_SALT = "signon.form.v1"
MAX_FORM_TOKEN_LENGTH = 512  # a real token for an 80-character slug is about 200
CHALLENGE_BYTES = 18  # 144 random bits; 24 URL-safe characters without padding
DEFAULT_MIN_FILL_SECONDS = 2.0
DEFAULT_MAX_AGE = timedelta(hours=24)

_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_.\-]+")
_CHALLENGE = re.compile(r"[A-Za-z0-9_\-]{22,64}")
_MAX_EPOCH_MS = 253402300799999  # 9999-12-31T23:59:59.999Z, the last instant datetime can hold


class FormTokenState(Enum):
    OK = "ok"
    MISSING = "missing"  # no token at all: the form was not loaded from our page
    INVALID = "invalid"  # not ours, altered, garbage, or issued for another campaign
    TOO_FAST = "too_fast"  # submitted sooner after issue than a person can fill the form
    EXPIRED = "expired"  # issued longer ago than the allowed age


@dataclass(frozen=True, slots=True)
class FormTokenCheck:
    """The verdict on a submitted token.

    `challenge`, `token_id` and `issued_at` are set whenever the signature is good (OK, TOO_FAST,
    EXPIRED), so a caller can still mark or log a token it refuses; they are None otherwise.
    """

    state: FormTokenState
    challenge: str | None = None
    token_id: str | None = None
    issued_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.state is FormTokenState.OK


def token_id_for(challenge: str) -> str:
    """A fixed-length id for replay detection, derived from the signed payload.

    Not from the token text: the trailing bits of the base64 signature are ignored when decoding,
    so one token can be re-spelled in a few ways that all verify. The challenge is random per
    issue and covered by the signature, so it names the token whatever its spelling.
    """
    return hashlib.sha256(b"signon.form-id.v1:" + challenge.encode()).hexdigest()[:32]


class FormTokens:
    def __init__(self, secret_key: str) -> None:
        self._serializer = UncompressedSerializer(secret_key, salt=FORM_SALT)

    def issue(self, campaign_slug: str, now: datetime) -> str:
        """A fresh token for one rendering of `campaign_slug`'s form; issue one per page view."""
        return self.issue_with_challenge(campaign_slug, now)[0]

    def issue_with_challenge(self, campaign_slug: str, now: datetime) -> tuple[str, str]:
        """The token and the proof-of-work challenge it carries, without reading it back."""
        challenge = secrets.token_urlsafe(CHALLENGE_BYTES)
        token = str(self._serializer.dumps([campaign_slug, _epoch_ms(now), challenge]))
        return token, challenge

    def check(
        self,
        token: object,
        campaign_slug: str,
        now: datetime,
        min_fill_seconds: float = DEFAULT_MIN_FILL_SECONDS,
        max_age: timedelta = DEFAULT_MAX_AGE,
    ) -> FormTokenCheck:
        """Judge a submitted token. Never raises, whatever `token` is."""
        if token is None or (isinstance(token, str) and not token.strip()):
            return FormTokenCheck(FormTokenState.MISSING)
        payload = self._load(token)
        if payload is None or payload[0] != campaign_slug:
            return FormTokenCheck(FormTokenState.INVALID)
        _, issued_ms, challenge = payload
        found = {
            "challenge": challenge,
            "token_id": token_id_for(challenge),
            "issued_at": datetime.fromtimestamp(issued_ms / 1000, UTC),
        }
        age_ms = _epoch_ms(now) - issued_ms
        if age_ms > max_age.total_seconds() * 1000:
            return FormTokenCheck(FormTokenState.EXPIRED, **found)
        if age_ms < min_fill_seconds * 1000:  # also a token dated in the future (clock skew)
            return FormTokenCheck(FormTokenState.TOO_FAST, **found)
        return FormTokenCheck(FormTokenState.OK, **found)

    def _load(self, token: object) -> tuple[str, int, str] | None:
        """The signed payload, or None for anything we did not sign in this exact shape."""
        if (
            not isinstance(token, str)
            or len(token) > MAX_FORM_TOKEN_LENGTH
            or not _TOKEN_CHARS.fullmatch(token)
        ):
            return None
        try:
            payload = self._serializer.loads(token)
        except BadData:
            return None
        if not isinstance(payload, list) or len(payload) != 3:
            return None
        slug, issued_ms, challenge = payload
        if (
            not isinstance(slug, str)
            or type(issued_ms) is not int  # bool is an int subclass; floats are not ours
            or not 0 <= issued_ms <= _MAX_EPOCH_MS
            or not isinstance(challenge, str)
            or not _CHALLENGE.fullmatch(challenge)
        ):
            return None
        return slug, issued_ms, challenge


def _epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch; a naive datetime is taken as UTC, as Signon stores times."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)
