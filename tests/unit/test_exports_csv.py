"""The signatory CSV: every cell is inert in a spreadsheet, and the file reads back as written."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from signon.csvsafe import (
    CSV_CHUNK_ROWS,
    FORMULA_TRIGGERS,
    csv_text,
    safe_cell,
    text_csv,
    text_csv_utf8,
)
from signon.exportrows import COLUMNS, _json_list, _timestamp, _timestamps

TRIGGERS = ["=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20"]


def read_back(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        '=HYPERLINK("https://evil.example","click")',
        "+1 555 0100",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "\n=1+1",
        "\uff1d1+1",  # full-width equals sign
        "\uff0bcmd",
        "\uff0d1",
        "\uff20SUM(1)",
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_prefixed_with_a_quote(value: str) -> None:
    assert safe_cell(value) == "'" + value


def test_every_formula_trigger_is_covered() -> None:
    assert set(TRIGGERS) <= set(FORMULA_TRIGGERS)


@pytest.mark.parametrize(
    "value",
    [
        "Ada Lovelace",
        "a=b",
        "x+y",
        "Jean-Paul",
        "ada@example.org",
        " =1+1",
        "'quoted",
        "محمد",
        "",
        "https://example.org/?a=1",
    ],
)
def test_ordinary_text_is_left_alone(value: str) -> None:
    assert safe_cell(value) == value


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (None, ""),
        (True, "yes"),
        (False, "no"),
        (0, "0"),
        (42, "42"),
        (-7, "-7"),
        (2**63 - 1, "9223372036854775807"),
    ],
)
def test_none_booleans_and_integers(value: object, cell: str) -> None:
    assert safe_cell(value) == cell


def test_a_datetime_is_written_in_iso_format() -> None:
    when = datetime(2026, 11, 21, 9, 30, 5, 123456, tzinfo=UTC)

    assert safe_cell(when) == "2026-11-21T09:30:05.123456+00:00"


def test_a_datetime_keeps_its_offset() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5)))

    assert safe_cell(when) == "2026-01-02T03:04:05-05:00"


def test_a_negative_non_integer_number_is_neutralised_as_text() -> None:
    assert safe_cell(-1.5) == "'-1.5"


def test_the_header_row_reads_back() -> None:
    assert read_back(csv_text([COLUMNS])) == [list(COLUMNS)]


def test_rows_read_back_with_commas_quotes_and_line_breaks_intact() -> None:
    when = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
    rows = [
        (
            1,
            "individual",
            "confirmed",
            'Ada "The Countess" Lovelace',
            "ada@example.org",
            None,
            None,
            None,
            "London, UK",
            "UK",
            "Line one\nLine two\r\nLine three",
            "public",
            True,
            when,
            when,
        ),
        (
            2,
            "organization",
            "confirmed",
            "Grace",
            "grace@example.org",
            "=cmd|' /C calc'!A0",
            "https://example.org",
            "-",
            "",
            "",
            "",
            "private",
            False,
            when,
            None,
        ),
    ]

    parsed = read_back(csv_text(rows))

    assert parsed == [
        [
            "1",
            "individual",
            "confirmed",
            'Ada "The Countess" Lovelace',
            "ada@example.org",
            "",
            "",
            "",
            "London, UK",
            "UK",
            "Line one\nLine two\r\nLine three",
            "public",
            "yes",
            when.isoformat(),
            when.isoformat(),
        ],
        [
            "2",
            "organization",
            "confirmed",
            "Grace",
            "grace@example.org",
            "'=cmd|' /C calc'!A0",
            "https://example.org",
            "'-",
            "",
            "",
            "",
            "private",
            "no",
            when.isoformat(),
            "",
        ],
    ]


def test_rows_end_with_crlf_and_every_cell_is_quoted() -> None:
    # Quoted cells keep "x;=HYPERLINK(...)" whole in spreadsheets that split on semicolons.
    assert csv_text([["a", "b"], ["c", "x;=1+1"]]) == '"a","b"\r\n"c","x;=1+1"\r\n'


def test_no_rows_give_an_empty_text() -> None:
    assert csv_text([]) == ""


# --- properties -----------------------------------------------------------------------------------

cell_values = (
    st.none() | st.booleans() | st.integers() | st.text() | st.datetimes(timezones=st.just(UTC))
)


@settings(max_examples=200)
@given(st.text())
def test_no_written_cell_starts_with_a_formula_trigger(value: str) -> None:
    [[cell]] = read_back(csv_text([[value]]))

    assert not cell.startswith(tuple(TRIGGERS))
    assert cell in (value, "'" + value)


@settings(max_examples=200)
@given(st.sampled_from(TRIGGERS), st.text())
def test_text_starting_with_a_trigger_is_always_neutralised(trigger: str, rest: str) -> None:
    [[cell]] = read_back(csv_text([[trigger + rest]]))

    assert cell == "'" + trigger + rest


@settings(max_examples=200)
@given(st.lists(st.lists(cell_values, min_size=1, max_size=6), max_size=5))
def test_any_rows_round_trip_through_a_csv_reader(rows: list[list[object]]) -> None:
    parsed = read_back(csv_text(rows))

    assert parsed == [[safe_cell(value) for value in row] for row in rows]


# --- the batch writer used by full exports ----------------------------------------------------

text_cells = st.text() | st.sampled_from(
    ["", "\x1e", "\x1f", '"', "=1", "\r\n", "a\x1fb", "\x1e\x1f=", *FORMULA_TRIGGERS]
)


@settings(max_examples=300)
@given(st.lists(st.lists(text_cells, min_size=1, max_size=6), max_size=6))
def test_text_csv_writes_what_csv_text_writes(rows: list[list[str]]) -> None:
    assert text_csv(rows) == csv_text(rows)


@pytest.mark.parametrize(
    "rows",
    [
        [["=1", "+2", "-3", "@4", "\t5", "\r6", "\n7", "\uff1d8"]],
        [["", ""], [""], ["a", '"quoted"', "x;=1+1"]],
        [["separators \x1f inside"], ["and \x1e here", "=too"]],
        [["not text", 1]],  # type: ignore[list-item]
    ],
)
def test_text_csv_matches_csv_text_on_edge_cases(rows: list[list[str]]) -> None:
    assert text_csv(rows) == csv_text(rows)


@settings(max_examples=100)
@given(
    st.lists(st.lists(text_cells, min_size=1, max_size=4), min_size=1, max_size=6),
    st.integers(1, 3 * CSV_CHUNK_ROWS),
)
def test_text_csv_writes_many_rows_as_csv_text_does(rows: list[list[str]], count: int) -> None:
    """Over any number of rows, formatted a chunk at a time, in text or UTF-8."""
    many = (rows * count)[:count]
    assert text_csv(many) == csv_text(many)
    assert text_csv_utf8(many) == csv_text(many).encode()


def test_text_csv_falls_back_for_the_chunk_that_needs_it_only() -> None:
    plain = [["1", "=a", "Olena 李"]] * (CSV_CHUNK_ROWS + 5)
    rows = [*plain, ["2", "x\x1fy", "=b"], *plain, ["3", 4, "c"], *plain]  # type: ignore[list-item]
    assert text_csv(rows) == csv_text(rows)
    assert text_csv_utf8(rows) == csv_text(rows).encode()
    assert text_csv([]) == "" and text_csv_utf8([]) == b""


@settings(max_examples=200)
@given(st.datetimes(datetime(1000, 1, 1), datetime(9000, 1, 1)), st.booleans())
def test_a_stored_timestamp_is_written_as_its_datetime_would_be(
    when: datetime, whole_second: bool
) -> None:
    when = when.replace(microsecond=0) if whole_second else when
    expected = safe_cell(when.replace(tzinfo=UTC))
    # The export reads the text SQLAlchemy stores on SQLite (PostgreSQL formats it so too);
    # an aware datetime in any zone is written the same.
    stored = sqlite.DATETIME().bind_processor(sqlite.dialect())(when)  # type: ignore[misc]
    assert _timestamp(stored) == expected
    assert _timestamp(when.replace(tzinfo=UTC)) == expected
    assert _timestamp(when.replace(tzinfo=UTC).astimezone(timezone(timedelta(hours=5)))) == (
        expected
    )
    assert _timestamp(None) == ""


def _stored(when: datetime) -> str:
    return sqlite.DATETIME().bind_processor(sqlite.dialect())(when)  # type: ignore[misc,no-any-return]


def _postgres_text(when: datetime) -> str:
    """PostgreSQL's ISO text of a timestamp: the fraction's trailing zeros trimmed."""
    fraction = f".{when.microsecond:06d}".rstrip("0") if when.microsecond else ""
    return f"{when:%Y-%m-%d %H:%M:%S}{fraction}"


naive_times = st.datetimes(datetime(1000, 1, 1), datetime(9000, 1, 1))


@settings(max_examples=200)
@given(naive_times, st.integers(0, 6))
def test_postgresql_s_text_of_a_time_is_written_as_its_datetime_would_be(
    when: datetime, zeros: int
) -> None:
    when = when.replace(microsecond=when.microsecond // 10**zeros * 10**zeros)
    expected = safe_cell(when.replace(tzinfo=UTC))
    assert _timestamp(_postgres_text(when)) == expected
    assert _timestamps([_stored(when), _postgres_text(when)]) == [expected, expected]


driver_timestamps = (
    naive_times.map(_stored)  # SQLite, the usual form
    | naive_times.map(_postgres_text)  # PostgreSQL's text
    | naive_times.map(lambda when: _stored(when.replace(microsecond=0)))  # a whole second
    | naive_times.map(lambda when: _stored(when)[:19])  # stored without a fraction
    | naive_times.map(lambda when: when.replace(tzinfo=UTC))  # datetimes, in any zone
    | naive_times.map(lambda when: when.replace(tzinfo=timezone(timedelta(hours=-3))))
    | st.none()
)


USUAL = ["2026-11-21 14:12:50.123456", "2026-11-21 14:12:51.000001", "1999-01-01 00:00:00.5"]


@settings(max_examples=300)
@given(st.lists(driver_timestamps, max_size=8))
@example(USUAL[:2])  # the shortcut for a whole column
@example([*USUAL[:2], "2026-11-21 14:12:52.000000"])  # a whole second among them
@example([*USUAL[:2], "2026-11-21 14:12:52"])
@example(USUAL)  # 25 characters
@example([*USUAL[:2], "2026-11-21T14:12:52.000001"])
@example([*USUAL[:2], "2026-11-21 14:12:52.1", "2026-11-21 14:12:52.00001"])  # trimmed
def test_a_column_of_timestamps_is_written_as_each_would_be(values: list[object]) -> None:
    assert _timestamps(values) == [_timestamp(value) for value in values]  # type: ignore[arg-type]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300)
@given(st.lists(st.dictionaries(st.text(), json_values, max_size=6) | st.none(), max_size=5))
@example([{"name": "\ud800 lone surrogate", "n": float("nan")}, None])
def test_the_export_decodes_stored_records_as_json_loads_does(records: list[object]) -> None:
    text = json.dumps(records).encode()

    assert repr(_json_list(text)) == repr(json.loads(text))  # repr: NaN is not equal to itself
