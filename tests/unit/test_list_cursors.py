"""The public lists' page cursors: they find the page, and tell nobody when anyone signed."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signon.services.listcursors import MAX_ID, BadCursor, ListCursors

CURSORS = ListCursors("a-secret-key-" + "x" * 40)
ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
)
AFTER_1970 = {"min_value": datetime(1970, 1, 2), "max_value": datetime(5000, 1, 1)}
WHEN = datetime(2026, 11, 21, 9, 30, 5, 123456, tzinfo=UTC)
LIST = (7, "individual")  # campaign and type of signer


@settings(max_examples=300)
@given(st.datetimes(**AFTER_1970, timezones=ZONES), st.integers(min_value=0, max_value=MAX_ID))
def test_any_microsecond_datetime_and_id_round_trip(when: datetime, signature_id: int) -> None:
    decoded_when, decoded_id = CURSORS.decode(*LIST, CURSORS.encode(*LIST, when, signature_id))

    assert decoded_when == when and decoded_when.microsecond == when.microsecond
    assert decoded_when.utcoffset() == timedelta(0)
    assert decoded_id == signature_id


def test_a_cursor_shows_neither_the_time_nor_the_id() -> None:
    cursor = CURSORS.encode(*LIST, WHEN, 4711)

    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", cursor), "URL-safe as it is"
    assert "4711" not in cursor and "1795" not in cursor
    # A microsecond later, or the next id, and nothing of it is alike.
    for other in (CURSORS.encode(*LIST, WHEN + timedelta(microseconds=1), 4711),
                  CURSORS.encode(*LIST, WHEN, 4712)):  # fmt: skip
        assert sum(a == b for a, b in zip(cursor, other, strict=True)) < 8


def test_the_same_page_keeps_its_cursor_and_another_key_cannot_read_it() -> None:
    cursor = CURSORS.encode(*LIST, WHEN, 7)

    assert CURSORS.encode(*LIST, WHEN, 7) == cursor, "stable links, cacheable pages"
    other = ListCursors("another-secret-" + "y" * 40)
    assert other.encode(*LIST, WHEN, 7) != cursor
    with contextlib.suppress(BadCursor):
        assert other.decode(*LIST, cursor) != (WHEN, 7)


@pytest.mark.parametrize("other_list", [(8, "individual"), (7, "organization")])
def test_a_cursor_from_another_list_finds_nothing_of_its_own(other_list: tuple[int, str]) -> None:
    # An organizer can time the signatures of their own campaign, so its cursors name known
    # moments: on another list they must decipher to noise.
    for when in (WHEN, WHEN + timedelta(seconds=1)):
        cursor = CURSORS.encode(*other_list, when, 7)
        assert CURSORS.encode(*LIST, when, 7) != cursor
        with contextlib.suppress(BadCursor):
            assert abs(CURSORS.decode(*LIST, cursor)[0] - when) > timedelta(days=1)


@settings(max_examples=300)
@given(st.integers(min_value=0, max_value=21), st.sampled_from("AQgw_-9z"))
def test_a_changed_cursor_does_not_lead_next_to_the_original(position: int, char: str) -> None:
    cursor = CURSORS.encode(*LIST, WHEN, 7)
    changed = cursor[:position] + char + cursor[position + 1 :]
    if changed == cursor:
        return
    try:
        when, signature_id = CURSORS.decode(*LIST, changed)
    except BadCursor:
        return
    if (when, signature_id) != (WHEN, 7):  # the last character's stray bits change nothing
        assert abs(when - WHEN) > timedelta(days=1)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "garbage",
        "1795219200000000-7",  # the readable cursors of before
        "A" * 21,
        "A" * 23,
        "A" * 21 + "=",
        "A" * 21 + "+",
        "A" * 21 + "/",
        " " + "A" * 21,
        "Ä" * 22,
        "9" * 400,
    ],
)
def test_a_bad_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(BadCursor):
        CURSORS.decode(*LIST, cursor)


def test_a_bad_cursor_is_a_value_error_for_generic_handlers() -> None:
    with pytest.raises(ValueError):
        CURSORS.decode(*LIST, "nope")


@settings(max_examples=500)
@given(st.text(max_size=60) | st.from_regex(r"\A[A-Za-z0-9_-]{22}\Z"))
def test_any_text_decodes_to_a_time_and_a_storable_id_or_is_refused(cursor: str) -> None:
    try:
        when, signature_id = CURSORS.decode(*LIST, cursor)
    except BadCursor:
        return
    assert when.tzinfo is not None and when >= datetime(1970, 1, 1, tzinfo=UTC)
    assert 0 <= signature_id <= MAX_ID
