"""Confirmation tokens: only a token we signed, unaltered and in time, confirms a signature."""

from __future__ import annotations

import secrets
import string
import time
from datetime import timedelta
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from signon.tokens import (
    CONFIRM_SALT,
    MANAGE_SALT,
    MAX_TOKEN_LENGTH,
    ConfirmTokens,
    ManageTokens,
    TokenCheck,
    TokenState,
    new_nonce,
)

SECRET = "unit-test-secret-key-that-is-long-enough"
WEEK = timedelta(days=7)
URLSAFE = string.ascii_letters + string.digits + "-_"


def issued_days_ago(days: float, payload: object, secret: str = SECRET) -> str:
    """A token signed with Signon's secret and salt, dated `days` in the past."""

    class PastSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - days * 86400)

    return URLSafeTimedSerializer(secret, salt=CONFIRM_SALT, signer=PastSigner).dumps(payload)


def replace_char(token: str, index: int) -> str:
    replacement = "A" if token[index] != "A" else "B"
    return token[:index] + replacement + token[index + 1 :]


def test_a_fresh_token_is_valid_and_names_its_nonce() -> None:
    tokens = ConfirmTokens(SECRET, WEEK)
    nonce = new_nonce()

    check = tokens.check(tokens.issue(nonce))

    assert check.state is TokenState.VALID
    assert check.nonce == nonce


def test_a_token_is_url_safe_and_short_enough_to_be_checked() -> None:
    token = ConfirmTokens(SECRET, WEEK).issue(new_nonce())

    assert set(token) <= set(URLSAFE + ".")
    assert len(token) <= MAX_TOKEN_LENGTH


def test_a_token_does_not_reveal_anything_but_the_nonce() -> None:
    tokens = ConfirmTokens(SECRET, WEEK)
    token = tokens.issue("nonce-value")

    assert SECRET not in token
    assert tokens.check(token).nonce == "nonce-value"


def test_a_token_checked_by_a_new_instance_with_the_same_secret_is_valid() -> None:
    token = ConfirmTokens(SECRET, WEEK).issue("abc")

    assert ConfirmTokens(SECRET, WEEK).check(token).state is TokenState.VALID


@pytest.mark.parametrize("part", [0, 1, 2])
@pytest.mark.parametrize("where", ["first", "middle"])
def test_changing_one_character_in_any_part_makes_a_token_invalid(part: int, where: str) -> None:
    tokens = ConfirmTokens(SECRET, WEEK)
    token = tokens.issue(new_nonce())
    parts = token.split(".")
    assert len(parts) == 3
    start = sum(len(p) + 1 for p in parts[:part])
    index = start if where == "first" else start + len(parts[part]) // 2

    check = tokens.check(replace_char(token, index))

    assert check.state is TokenState.INVALID
    assert check.nonce is None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1],
        lambda t: t + "A",
        lambda t: t.replace(".", "", 1),
        lambda t: t.split(".")[0],
        lambda t: ".".join(t.split(".")[:2]),
        lambda t: t.upper(),
    ],
)
def test_a_truncated_or_mangled_token_is_invalid(mangle) -> None:  # type: ignore[no-untyped-def]
    tokens = ConfirmTokens(SECRET, WEEK)

    assert tokens.check(mangle(tokens.issue(new_nonce()))).state is TokenState.INVALID


def test_a_token_signed_with_another_secret_is_invalid() -> None:
    other = ConfirmTokens("another-secret-key-that-is-long-enough!", WEEK)

    check = ConfirmTokens(SECRET, WEEK).check(other.issue(new_nonce()))

    assert check.state is TokenState.INVALID
    assert check.nonce is None


def test_a_token_for_another_purpose_with_the_same_secret_is_invalid() -> None:
    token = URLSafeTimedSerializer(SECRET, salt="signon.unsubscribe.v1").dumps("abc")

    assert ConfirmTokens(SECRET, WEEK).check(token).state is TokenState.INVALID


def test_an_expired_token_still_names_its_nonce() -> None:
    tokens = ConfirmTokens(SECRET, timedelta(seconds=-1))
    nonce = new_nonce()

    check = tokens.check(tokens.issue(nonce))

    assert check.state is TokenState.EXPIRED
    assert check.nonce == nonce


def test_a_token_older_than_the_period_is_expired() -> None:
    token = issued_days_ago(8, "abc")

    check = ConfirmTokens(SECRET, WEEK).check(token)

    assert check.state is TokenState.EXPIRED
    assert check.nonce == "abc"


def test_a_token_younger_than_the_period_is_valid() -> None:
    token = issued_days_ago(6, "abc")

    assert ConfirmTokens(SECRET, WEEK).check(token).state is TokenState.VALID


def test_the_period_is_taken_from_the_configuration() -> None:
    token = issued_days_ago(8, "abc")

    assert ConfirmTokens(SECRET, timedelta(days=9)).check(token).state is TokenState.VALID


def test_a_tampered_expired_token_is_invalid_not_expired() -> None:
    token = issued_days_ago(8, "abc")

    check = ConfirmTokens(SECRET, WEEK).check(replace_char(token, 1))

    assert check.state is TokenState.INVALID
    assert check.nonce is None


def test_an_expired_token_signed_with_another_secret_is_invalid() -> None:
    token = issued_days_ago(8, "abc", secret="another-secret-key-that-is-long-enough!")

    assert ConfirmTokens(SECRET, WEEK).check(token).state is TokenState.INVALID


@pytest.mark.parametrize("token", ["", "a" * (MAX_TOKEN_LENGTH + 1), "." * 500])
def test_empty_and_over_long_tokens_are_invalid(token: str) -> None:
    assert ConfirmTokens(SECRET, WEEK).check(token).state is TokenState.INVALID


def test_a_validly_signed_but_over_long_token_is_invalid() -> None:
    tokens = ConfirmTokens(SECRET, WEEK)
    token = tokens.issue(secrets.token_urlsafe(200))  # random, so it does not compress
    assert len(token) > MAX_TOKEN_LENGTH

    assert tokens.check(token).state is TokenState.INVALID


@pytest.mark.parametrize("payload", [123, None, ["abc"], {"nonce": "abc"}, "", True, 1.5])
def test_a_signed_payload_that_is_not_a_nonce_is_invalid(payload: object) -> None:
    tokens = ConfirmTokens(SECRET, WEEK)
    token = URLSafeTimedSerializer(SECRET, salt=CONFIRM_SALT).dumps(payload)

    check = tokens.check(token)

    assert check.state is TokenState.INVALID
    assert check.nonce is None


@pytest.mark.parametrize("payload", [123, None, ""])
def test_an_expired_payload_that_is_not_a_nonce_is_invalid(payload: object) -> None:
    check = ConfirmTokens(SECRET, WEEK).check(issued_days_ago(8, payload))

    assert check.state is TokenState.INVALID
    assert check.nonce is None


def test_nonces_are_unique_url_safe_and_fit_their_column() -> None:
    nonces = {new_nonce() for _ in range(1000)}

    assert len(nonces) == 1000
    assert all(set(n) <= set(URLSAFE) and 16 <= len(n) <= 32 for n in nonces)


@settings(max_examples=200)
@given(st.text(max_size=250) | st.text(alphabet=URLSAFE + ".", max_size=120))
def test_arbitrary_text_is_invalid_and_never_raises(token: str) -> None:
    check = ConfirmTokens(SECRET, WEEK).check(token)

    assert check.state is TokenState.INVALID
    assert check.nonce is None


@settings(max_examples=100)
@given(st.text(min_size=1, max_size=60))
def test_any_nonce_comes_back_unchanged(nonce: str) -> None:
    tokens = ConfirmTokens(SECRET, WEEK)
    token = tokens.issue(nonce)

    check = tokens.check(token)

    if len(token) <= MAX_TOKEN_LENGTH:
        assert (check.state, check.nonce) == (TokenState.VALID, nonce)
    else:
        assert check.state is TokenState.INVALID


def test_tokens_are_those_itsdangerous_would_issue_and_old_ones_still_load():
    """Issuing skips itsdangerous' compression attempt (see signon.signing): for our payloads
    the tokens are the same, and tokens issued before, compressed ones included, still load."""
    stock = {
        salt: URLSafeTimedSerializer(SECRET, salt=salt) for salt in (CONFIRM_SALT, MANAGE_SALT)
    }
    confirm, manage = ConfirmTokens(SECRET, WEEK), ManageTokens(SECRET)
    nonce = new_nonce()
    with mock.patch("time.time", return_value=time.time()):  # both in the same second
        assert confirm.issue(nonce) == stock[CONFIRM_SALT].dumps(nonce)
        assert manage.issue(nonce) == stock[MANAGE_SALT].dumps(nonce)
    compressible = "a" * 60  # long and repetitive: the stock serializer compresses it
    old = stock[CONFIRM_SALT].dumps(compressible)
    assert old.startswith(".")
    assert confirm.check(old) == TokenCheck(TokenState.VALID, compressible)
    assert manage.check(stock[MANAGE_SALT].dumps(compressible)) == compressible


@given(st.text(alphabet=URLSAFE, min_size=1, max_size=30), st.lists(st.text(), max_size=11))
def test_a_link_carries_the_edition_of_its_details(nonce: str, details: list[str]) -> None:
    tokens = ConfirmTokens(SECRET, WEEK)
    edition = tokens.edition(details)
    assert tokens.check(tokens.issue(nonce, edition)) == TokenCheck(
        TokenState.VALID, nonce, edition
    )
    assert tokens.check(tokens.issue(nonce)) == TokenCheck(TokenState.VALID, nonce, None)


def test_editions_tell_details_apart_and_nothing_of_them() -> None:
    tokens = ConfirmTokens(SECRET, WEEK)
    details = ["individual", "private", False, "Ana Lima", "ana@example.org"]
    edition = tokens.edition(details)
    assert tokens.edition(list(details)) == edition and len(edition) == 12
    assert tokens.edition([*details[:1], "public", *details[2:]]) != edition
    assert ConfirmTokens(SECRET + "x", WEEK).edition(details) != edition, "keyed by the secret"
    assert "Ana" not in edition


def test_a_link_with_an_empty_edition_is_refused() -> None:
    tokens = ConfirmTokens(SECRET, WEEK)
    assert tokens.check(tokens.issue("n0nce", "")).state is TokenState.INVALID
    assert tokens.check(tokens.issue("", "edition")).state is TokenState.INVALID
    serializer = tokens._serializer
    for payload in (["n0nce"], ["n0nce", "e", "x"], ["n0nce", 3], [None, "e"]):
        assert tokens.check(serializer.dumps(payload)).state is TokenState.INVALID
