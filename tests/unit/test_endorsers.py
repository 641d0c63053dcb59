"""Public endorser lists: page cursors, and what the public may see of one signature."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signon.services.endorsers import (
    MAX_ID,
    BadCursor,
    Endorser,
    decode_cursor,
    encode_cursor,
)
from signon.services.records import PersonalData, first_name_and_initial, public_fields

ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
)
AFTER_1970 = {"min_value": datetime(1970, 1, 2), "max_value": datetime(5000, 1, 1)}


def test_a_cursor_round_trips() -> None:
    when = datetime(2026, 11, 21, 9, 30, 5, 123456, tzinfo=UTC)

    assert decode_cursor(encode_cursor(when, 42)) == (when, 42)


def test_a_cursor_is_plain_url_safe_text() -> None:
    cursor = encode_cursor(datetime(2026, 11, 21, tzinfo=UTC), 7)

    assert cursor == "1795219200000000-7"


def test_a_decoded_cursor_is_in_utc() -> None:
    when = datetime(2026, 11, 21, 14, 0, tzinfo=timezone(timedelta(hours=5)))

    decoded, _ = decode_cursor(encode_cursor(when, 1))

    assert decoded.utcoffset() == timedelta(0)
    assert decoded == when


def test_the_largest_id_is_accepted() -> None:
    assert decode_cursor(f"0-{MAX_ID}")[1] == 2**63 - 1


@settings(max_examples=200)
@given(
    st.datetimes(**AFTER_1970, timezones=ZONES),
    st.integers(min_value=0, max_value=MAX_ID),
)
def test_any_microsecond_datetime_and_id_round_trip(when: datetime, signature_id: int) -> None:
    decoded_when, decoded_id = decode_cursor(encode_cursor(when, signature_id))

    assert decoded_when == when
    assert decoded_when.microsecond == when.microsecond
    assert decoded_id == signature_id


@settings(max_examples=200)
@given(
    st.datetimes(**AFTER_1970, timezones=st.just(UTC)),
    st.datetimes(**AFTER_1970, timezones=st.just(UTC)),
)
def test_later_times_give_larger_cursor_numbers(first: datetime, second: datetime) -> None:
    a = int(encode_cursor(first, 1).split("-")[0])
    b = int(encode_cursor(second, 1).split("-")[0])

    assert (a < b) == (first < second)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "garbage",
        "1",
        "1-",
        "-1",
        "1-2-3",
        "1.5-2",
        "1--2",
        "-5-1",  # a time before 1970
        "5--1",  # a negative id
        "1 -2",
        " 1-2",
        "0x10-2",
        "1e5-2",
        "1-9223372036854775808",  # one past the largest id
        "1-9999999999999999999",
        "1-99999999999999999999",  # twenty digits
        "123456789012345678-1",  # eighteen digits of microseconds
        "9" * 400 + "-1",
        "1-" + "9" * 400,
    ],
)
def test_a_bad_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(BadCursor):
        decode_cursor(cursor)


def test_a_bad_cursor_is_a_value_error_for_generic_handlers() -> None:
    with pytest.raises(ValueError):
        decode_cursor("nope")


@settings(max_examples=200)
@given(st.text(max_size=60) | st.from_regex(r"\A-?[0-9]{1,25}-?-[0-9]{1,25}\Z"))
def test_any_text_decodes_to_a_time_and_a_storable_id_or_is_refused(cursor: str) -> None:
    try:
        when, signature_id = decode_cursor(cursor)
    except BadCursor:
        return
    assert when.tzinfo is not None
    assert when >= datetime(1970, 1, 1, tzinfo=UTC)
    assert 0 <= signature_id <= MAX_ID


# --- what the public sees of one signature -----------------------------------------------------

GRACE = PersonalData(
    name="Grace Hopper",
    email="grace@example.org",
    organization="Friends of the River",
    website="https://river.example.org",
    role="Chair",
    city="Lyon",
    country="France",
    comment="private words",
)


def test_an_organization_is_listed_by_its_name_never_its_contact_person() -> None:
    fields = public_fields("organization", GRACE, "full")

    assert fields == {
        "public_name": "Friends of the River",
        "public_place": "Lyon, France",
        "public_website": "https://river.example.org",
    }
    assert "Grace" not in repr(fields) and "Chair" not in repr(fields)


def test_an_individual_is_listed_by_name_without_a_website_or_organization() -> None:
    fields = public_fields("individual", GRACE, "full")

    assert fields == {
        "public_name": "Grace Hopper",
        "public_place": "Lyon, France",
        "public_website": None,
    }


def test_first_name_and_initial_mode() -> None:
    assert public_fields("individual", GRACE, "initial")["public_name"] == "Grace H."
    assert first_name_and_initial("Madonna") == "Madonna"
    assert first_name_and_initial("نور الهدى") == "نور ا."
    assert first_name_and_initial("Ana Maria da Silva") == "Ana S."


def test_nothing_public_without_personal_data() -> None:
    assert set(public_fields("individual", None, "full").values()) == {None}


def test_an_endorser_carries_no_email_or_private_field() -> None:
    assert set(Endorser.__slots__) == {"type", "name", "website", "place"}
