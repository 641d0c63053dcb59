"""Email addresses: validation without DNS, normalisation, and the duplicate-detection key."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signon.addresses import (
    MAX_EMAIL_LENGTH,
    InvalidEmail,
    email_key,
    keyed_email_digest,
    keyed_email_digests,
    normalise_email,
)

SECRET = "unit-test-secret-key-that-is-long-enough"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ada@example.org", "ada@example.org"),
        ("Ada.Lovelace@EXAMPLE.ORG", "Ada.Lovelace@example.org"),
        ("ada+petitions@mail.example.co.uk", "ada+petitions@mail.example.co.uk"),
        ("USER@BÜCHER.DE", "USER@bücher.de"),
        ("user@xn--bcher-kva.de", "user@bücher.de"),
        ("jose\u0301@example.org", "jos\u00e9@example.org"),
    ],
)
def test_a_valid_address_is_normalised(typed: str, stored: str) -> None:
    assert normalise_email(typed) == stored


def test_the_local_part_keeps_its_case() -> None:
    assert normalise_email("MiXeD@Example.Org") == "MiXeD@example.org"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "ada",
        "ada@",
        "@example.org",
        "ada@@example.org",
        "ada lovelace@example.org",
        "ada@localhost",
        "ada@example",
        "ada@exa mple.org",
        "ada@example.test",
        "ada@example.org\u202e",
        "ada@example..org",
        "ada@-example.org",
    ],
)
def test_an_invalid_address_is_refused_with_a_reason(typed: str) -> None:
    with pytest.raises(InvalidEmail) as error:
        normalise_email(typed)

    assert str(error.value)


def test_an_address_longer_than_the_limit_is_refused_before_validation() -> None:
    typed = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 58 + ".org"
    assert len(typed) == MAX_EMAIL_LENGTH + 1

    with pytest.raises(InvalidEmail, match="at most 254 characters"):
        normalise_email(typed)


def test_an_address_at_the_limit_is_accepted() -> None:
    typed = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".org"
    assert len(typed) == MAX_EMAIL_LENGTH

    assert normalise_email(typed) == typed


def test_a_huge_input_is_refused_quickly() -> None:
    with pytest.raises(InvalidEmail):
        normalise_email("a" * 1_000_000 + "@example.org")


@settings(max_examples=200)
@given(st.text(max_size=300) | st.emails().map(str))
def test_any_text_is_either_an_address_or_invalid_email(typed: str) -> None:
    try:
        stored = normalise_email(typed)
    except InvalidEmail:
        return
    assert "@" in stored
    assert len(stored) <= MAX_EMAIL_LENGTH
    assert normalise_email(stored) == stored


# --- email_key ------------------------------------------------------------------------------------


def test_the_key_is_stable() -> None:
    assert email_key(SECRET, "ada@example.org") == email_key(SECRET, "ada@example.org")


def test_the_key_is_64_hex_characters() -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", email_key(SECRET, "ada@example.org"))


@pytest.mark.parametrize("spelling", ["Ada@example.org", "ADA@example.org", "aDa@example.org"])
def test_the_key_ignores_case_in_the_local_part(spelling: str) -> None:
    assert email_key(SECRET, spelling) == email_key(SECRET, "ada@example.org")


def test_two_spellings_of_one_address_share_a_key_after_normalisation() -> None:
    first = normalise_email("Ada@EXAMPLE.org")
    second = normalise_email("ada@example.ORG")

    assert email_key(SECRET, first) == email_key(SECRET, second)


def test_different_addresses_have_different_keys() -> None:
    assert email_key(SECRET, "ada@example.org") != email_key(SECRET, "ada@example.com")
    assert email_key(SECRET, "ada@example.org") != email_key(SECRET, "grace@example.org")


def test_the_key_depends_on_the_secret() -> None:
    assert email_key(SECRET, "ada@example.org") != email_key(SECRET + "!", "ada@example.org")


def test_the_key_is_not_a_plain_hash_of_the_address() -> None:
    import hashlib

    address = "ada@example.org"
    key = email_key(SECRET, address)

    assert key != hashlib.sha256(address.encode()).hexdigest()
    assert key != hashlib.sha256(address.casefold().encode()).hexdigest()


@settings(max_examples=200)
@given(st.emails().map(str), st.text(min_size=1, max_size=60))
def test_the_key_never_contains_the_address(address: str, secret: str) -> None:
    key = email_key(secret, address)

    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert address not in key
    assert address.split("@")[1] not in key


@settings(max_examples=200)
@given(st.binary(max_size=200), st.lists(st.text(), max_size=5))
def test_the_batch_digests_are_the_one_address_digests(key: bytes, emails: list[str]) -> None:
    # Keys longer than SHA-256's 64-byte block are hashed first (RFC 2104): both sides covered.
    assert keyed_email_digests(key, emails) == [keyed_email_digest(key, e) for e in emails]


def _by_email_validator(raw: str) -> str | None:
    """What email-validator alone makes of an address (None: refused)."""
    from email_validator import EmailNotValidError, validate_email

    if len(raw) > MAX_EMAIL_LENGTH:
        return None
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def _ours(raw: str) -> str | None:
    try:
        return normalise_email(raw)
    except InvalidEmail:
        return None


_LOCAL_CHARS = "aZ09.!#$%&'*+/=?^_`{|}~-"
_LABEL_CHARS = "aZ09-"
_label = st.one_of(
    st.text(_LABEL_CHARS, min_size=0, max_size=5),
    st.sampled_from(["xn--bcher-kva", "ab--cd", "a" * 63, "b" * 64, "EXAMPLE", "0"]),
)
_tld = st.one_of(
    st.text("aZ09-", min_size=1, max_size=4),
    st.sampled_from(["org", "ORG", "test", "localhost", "local", "onion", "arpa", "invalid"]),
    st.sampled_from(["c" * 63, "d" * 64, "xn--p1ai", "museum"]),
)
_address = st.builds(
    lambda local, labels, tld, at: f"{local}{at}{'.'.join([*labels, tld])}",
    st.one_of(st.text(_LOCAL_CHARS, min_size=0, max_size=12), st.just("x" * 64)),
    st.lists(_label, min_size=0, max_size=4),
    _tld,
    st.sampled_from(["@", "@", "@", "@@", " @"]),
)


@settings(max_examples=3000, deadline=None)
@given(_address)
def test_the_common_shape_is_judged_as_email_validator_judges_it(raw: str) -> None:
    # normalise_email answers plain ASCII addresses without email-validator: the answers are
    # the same, accepted or refused, stored spelling included.
    assert _ours(raw) == _by_email_validator(raw)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_judged_as_email_validator_judges_it(raw: str) -> None:
    assert _ours(raw) == _by_email_validator(raw)
