"""signon.signing issues, for less work, exactly the tokens itsdangerous' own serializers issue
when they do not compress, and loads what those issue."""

from __future__ import annotations

import json
from unittest import mock

from hypothesis import assume, given
from hypothesis import strategies as st
from itsdangerous import Signer, TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode

from signon.signing import UncompressedSerializer, UncompressedTimedSerializer

SECRET = "unit-test-secret-key-that-is-long-enough"
SALTS = st.sampled_from(["signon.confirm.v1", "signon.manage.v1", "signon.form.v1"])
PAYLOADS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=8,
)


def _reference(signer: Signer, payload: object) -> str:
    """What itsdangerous issues for `payload` without compressing it."""
    compact = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return signer.sign(base64_encode(compact)).decode()


@given(payload=PAYLOADS, salt=SALTS, now=st.integers(0, 4_102_444_800))
def test_timed_tokens_are_itsdangerous_own_and_load_both_ways(
    payload: object, salt: str, now: int
) -> None:
    ours = UncompressedTimedSerializer(SECRET, salt=salt)
    stock = URLSafeTimedSerializer(SECRET, salt=salt)
    with mock.patch("time.time", return_value=now + 0.5):
        token = ours.dumps(payload)
        assert token == ours.dumps(payload), "the same token again: nothing kept but the key"
        assert token == _reference(TimestampSigner(SECRET, salt=salt), payload)
        stock_token = stock.dumps(payload)
        assert ours.loads(stock_token) == stock.loads(token) == payload
    if not stock_token.startswith("."):  # stock did not compress it: the very same token
        assert token == stock_token


@given(payload=PAYLOADS, salt=SALTS)
def test_untimed_tokens_are_itsdangerous_own_and_load_both_ways(payload: object, salt: str) -> None:
    ours, stock = UncompressedSerializer(SECRET, salt=salt), URLSafeSerializer(SECRET, salt=salt)
    token = ours.dumps(payload)
    assert token == _reference(Signer(SECRET, salt=salt), payload)
    assert ours.loads(stock.dumps(payload)) == stock.loads(token) == payload


@given(nonce=st.text(min_size=1), other_salt=SALTS)
def test_a_token_signed_for_another_salt_or_secret_does_not_load(
    nonce: str, other_salt: str
) -> None:
    ours = UncompressedTimedSerializer(SECRET, salt="signon.confirm.v1")
    assume(other_salt != "signon.confirm.v1")
    for token in (
        ours.dumps(nonce, salt=other_salt),  # another salt, through the same serializer
        UncompressedTimedSerializer(SECRET + "!", salt="signon.confirm.v1").dumps(nonce),
    ):
        assert not ours.loads_unsafe(token)[0]
    assert ours.loads(ours.dumps(nonce)) == nonce


def test_rotated_secrets_sign_with_the_newest_and_load_tokens_of_either() -> None:
    old = UncompressedTimedSerializer("old-" + SECRET, salt="s")
    rotated = UncompressedTimedSerializer(["old-" + SECRET, SECRET], salt="s")
    with mock.patch("time.time", return_value=1_700_000_000.0):
        assert rotated.dumps("n") == UncompressedTimedSerializer(SECRET, salt="s").dumps("n")
        assert rotated.loads(old.dumps("n")) == "n"
