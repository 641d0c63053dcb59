"""Form tokens: only a form we served, for this campaign, filled at a human pace, in time."""

from __future__ import annotations

import base64
import re
import string
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from itsdangerous import URLSafeSerializer

from signon.abuse.formtoken import (
    FORM_SALT,
    MAX_FORM_TOKEN_LENGTH,
    FormTokens,
    FormTokenState,
    token_id_for,
)
from signon.tokens import ConfirmTokens

SECRET = "unit-test-secret-key-that-is-long-enough"
ISSUED = datetime(2026, 3, 1, 12, 0, 0, 900_000, tzinfo=UTC)
FILLED = ISSUED + timedelta(seconds=30)
URLSAFE = set(string.ascii_letters + string.digits + "-_")


@pytest.fixture
def tokens() -> FormTokens:
    return FormTokens(SECRET)


def forged(payload: object, secret: str = SECRET, salt: str = FORM_SALT) -> str:
    """A token signed like ours, with any payload: to test what a leaked secret could not do."""
    return str(URLSafeSerializer(secret, salt=salt).dumps(payload))


def test_a_form_filled_at_a_human_pace_passes_and_names_its_challenge(tokens: FormTokens) -> None:
    check = tokens.check(tokens.issue("free-them", ISSUED), "free-them", FILLED)

    assert check.state is FormTokenState.OK
    assert check.ok
    assert check.challenge is not None
    assert set(check.challenge) <= URLSAFE
    assert len(base64.urlsafe_b64decode(check.challenge + "==")) >= 16
    assert re.fullmatch(r"[0-9a-f]{32}", check.token_id or "")
    assert check.issued_at == ISSUED


def test_every_issue_has_its_own_challenge_and_id(tokens: FormTokens) -> None:
    checks = [tokens.check(tokens.issue("c", ISSUED), "c", FILLED) for _ in range(50)]

    assert len({check.challenge for check in checks}) == 50
    assert len({check.token_id for check in checks}) == 50


def test_the_token_fits_a_hidden_field_and_the_checker(tokens: FormTokens) -> None:
    token = tokens.issue("x" * 80, ISSUED)  # the longest slug the database holds

    assert set(token) <= URLSAFE | {"."}
    assert len(token) <= MAX_FORM_TOKEN_LENGTH
    assert tokens.check(token, "x" * 80, FILLED).ok


@pytest.mark.parametrize("token", [None, "", "   ", "\n"])
def test_no_token_is_missing(tokens: FormTokens, token: str | None) -> None:
    check = tokens.check(token, "c", FILLED)

    assert check.state is FormTokenState.MISSING
    assert (check.challenge, check.token_id, check.issued_at) == (None, None, None)


def test_a_token_for_another_campaign_is_invalid(tokens: FormTokens) -> None:
    check = tokens.check(tokens.issue("campaign-a", ISSUED), "campaign-b", FILLED)

    assert check.state is FormTokenState.INVALID
    assert check.challenge is None


def test_a_token_signed_with_another_secret_is_invalid() -> None:
    token = FormTokens("another-secret-key-that-is-long-enough").issue("c", ISSUED)

    assert FormTokens(SECRET).check(token, "c", FILLED).state is FormTokenState.INVALID


def test_a_confirmation_token_is_not_a_form_token(tokens: FormTokens) -> None:
    confirm = ConfirmTokens(SECRET, timedelta(days=7)).issue("nonce-value-0123456789")

    assert tokens.check(confirm, "c", FILLED).state is FormTokenState.INVALID


def test_any_altered_character_makes_the_token_invalid(tokens: FormTokens) -> None:
    token = tokens.issue("c", ISSUED)
    # The last character carries bits that base64 ignores: it is checked by the next test.
    for index in range(len(token) - 1):
        replacement = "A" if token[index] != "A" else "B"
        altered = token[:index] + replacement + token[index + 1 :]
        assert tokens.check(altered, "c", FILLED).state is FormTokenState.INVALID, index


def test_every_spelling_of_one_token_has_one_id(tokens: FormTokens) -> None:
    token = tokens.issue("c", ISSUED)
    spellings = [token[:-1] + c for c in string.ascii_letters + string.digits + "-_"]
    accepted = [tokens.check(s, "c", FILLED) for s in spellings]
    accepted = [check for check in accepted if check.ok]

    assert len(accepted) > 1  # base64 malleability is real, hence an id from the payload
    assert {check.token_id for check in accepted} == {accepted[0].token_id}


@pytest.mark.parametrize(
    "payload",
    [
        ["c", 1_700_000_000_000],
        ["c", 1_700_000_000_000, "a" * 24, "extra"],
        {"slug": "c", "ms": 1_700_000_000_000, "challenge": "a" * 24},
        ["c", 1_700_000_000_000.5, "a" * 24],
        ["c", True, "a" * 24],
        ["c", "1700000000000", "a" * 24],
        ["c", -1, "a" * 24],
        ["c", 10**20, "a" * 24],
        ["c", 1_700_000_000_000, "short"],
        ["c", 1_700_000_000_000, "not/url+safe=" * 3],
        ["c", 1_700_000_000_000, None],
        [None, 1_700_000_000_000, "a" * 24],
        "just a string",
        None,
    ],
)
def test_a_signed_payload_of_another_shape_is_invalid(tokens: FormTokens, payload: object) -> None:
    assert tokens.check(forged(payload), "c", FILLED).state is FormTokenState.INVALID


def test_the_shape_check_accepts_what_issue_produces() -> None:
    # The counterpart of the test above: a well-formed forged payload does pass.
    payload = ["c", int(ISSUED.timestamp() * 1000), "a" * 24]

    assert FormTokens(SECRET).check(forged(payload), "c", FILLED).ok


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "a.b",
        "..",
        "W10.AAAA",
        "x" * (MAX_FORM_TOKEN_LENGTH + 1),
        "token with spaces",
        "ünïcode.tökén",
        "\ud800.\udfff",
        "\x00",
    ],
)
def test_garbage_is_invalid(tokens: FormTokens, token: str) -> None:
    assert tokens.check(token, "c", FILLED).state is FormTokenState.INVALID


def test_a_real_token_with_a_trailing_newline_is_invalid(tokens: FormTokens) -> None:
    assert tokens.check(tokens.issue("c", ISSUED) + "\n", "c", FILLED).state is (
        FormTokenState.INVALID
    )


def test_an_overlong_token_is_refused_before_any_work(tokens: FormTokens) -> None:
    padded = tokens.issue("c", ISSUED) + "A" * MAX_FORM_TOKEN_LENGTH

    assert tokens.check(padded, "c", FILLED).state is FormTokenState.INVALID


@pytest.mark.parametrize(
    ("elapsed", "state"),
    [
        (timedelta(seconds=0), FormTokenState.TOO_FAST),
        (timedelta(seconds=1.999), FormTokenState.TOO_FAST),
        (timedelta(seconds=2), FormTokenState.OK),
        (timedelta(seconds=2.001), FormTokenState.OK),
        (timedelta(hours=24), FormTokenState.OK),
        (timedelta(hours=24, milliseconds=1), FormTokenState.EXPIRED),
        (timedelta(days=400), FormTokenState.EXPIRED),
        (timedelta(seconds=-5), FormTokenState.TOO_FAST),  # issued "in the future": clock skew
    ],
)
def test_time_to_fill_and_age_limits(
    tokens: FormTokens, elapsed: timedelta, state: FormTokenState
) -> None:
    check = tokens.check(tokens.issue("c", ISSUED), "c", ISSUED + elapsed)

    assert check.state is state
    # A refused but genuine token still names itself, so it can be marked used or logged.
    assert check.token_id is not None
    assert check.challenge is not None


def test_time_to_fill_is_measured_below_the_second(tokens: FormTokens) -> None:
    # 1.5 s between 12:00:00.900 and 12:00:02.400: whole-second timestamps would call it 2 s.
    issued = datetime(2026, 3, 1, 12, 0, 0, 900_000, tzinfo=UTC)
    token = tokens.issue("c", issued)

    assert tokens.check(token, "c", issued.replace(second=2, microsecond=400_000)).state is (
        FormTokenState.TOO_FAST
    )
    assert tokens.check(token, "c", issued.replace(second=3, microsecond=0)).ok


def test_limits_can_be_chosen_per_check(tokens: FormTokens) -> None:
    token = tokens.issue("c", ISSUED)

    assert tokens.check(token, "c", ISSUED, min_fill_seconds=0).ok
    assert (
        tokens.check(token, "c", ISSUED + timedelta(seconds=5), min_fill_seconds=10).state
        is FormTokenState.TOO_FAST
    )
    assert (
        tokens.check(token, "c", ISSUED + timedelta(hours=2), max_age=timedelta(hours=1)).state
        is FormTokenState.EXPIRED
    )


def test_naive_times_are_taken_as_utc(tokens: FormTokens) -> None:
    token = tokens.issue("c", ISSUED.replace(tzinfo=None))

    check = tokens.check(token, "c", FILLED)

    assert check.ok
    assert check.issued_at == ISSUED


def test_the_token_id_is_derived_from_the_challenge(tokens: FormTokens) -> None:
    check = tokens.check(tokens.issue("c", ISSUED), "c", FILLED)

    assert check.challenge is not None
    assert check.token_id == token_id_for(check.challenge)
    assert check.token_id != check.challenge


@given(slug=st.text(max_size=80))
def test_any_slug_round_trips(slug: str) -> None:
    tokens = FormTokens(SECRET)

    assert tokens.check(tokens.issue(slug, ISSUED), slug, FILLED).ok


@given(
    token=st.one_of(
        st.text(max_size=600),
        st.text(alphabet=string.ascii_letters + string.digits + "-_.", max_size=600),
        st.binary(max_size=100),
        st.integers(),
        st.lists(st.text(max_size=5), max_size=3),
        st.none(),
    )
)
def test_check_never_raises_on_any_input(token: object) -> None:
    check = FormTokens(SECRET).check(token, "c", FILLED)

    assert check.state in {FormTokenState.MISSING, FormTokenState.INVALID}


@given(data=st.data())
def test_check_never_raises_on_a_mangled_real_token(data: st.DataObject) -> None:
    tokens = FormTokens(SECRET)
    token = tokens.issue("c", ISSUED)
    start = data.draw(st.integers(0, len(token)))
    end = data.draw(st.integers(start, len(token)))
    insert = data.draw(st.text(max_size=20))

    check = tokens.check(token[:start] + insert + token[end:], "c", FILLED)

    assert isinstance(check.state, FormTokenState)


def test_a_form_token_issued_compressed_by_an_earlier_version_still_passes(
    tokens: FormTokens,
) -> None:
    """Issuing no longer tries compression (signon.signing); a page served just before an
    upgrade carries a token the stock serializer may have compressed: it must still work."""
    slug = "a" * 80  # repetitive enough for the stock serializer to compress
    challenge = "B" * 24
    old = forged([slug, int(ISSUED.timestamp() * 1000), challenge])
    assert old.startswith(".")
    check = tokens.check(old, slug, FILLED)
    assert check.state is FormTokenState.OK
    assert check.challenge == challenge
