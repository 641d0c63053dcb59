"""The seed's times (a second apart, and on SQLite in exactly the text SQLAlchemy stores), its
rows' kinds and link nonces, and the light imports of its generating processes."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest

from signon.seedrows import (
    ORGANIZATION,
    PUBLIC,
    UPDATES,
    _nonce_prefixes,
    _stamps,
    batch_link_nonces,
    kind_values,
)


def test_sqlite_stamps_are_isoformat_a_second_apart_across_minutes_hours_and_days() -> None:
    first = datetime(2026, 12, 31, 23, 58, 30, 123456, tzinfo=UTC)
    stamps = _stamps(first, 200, sqlite=True)
    expected = [(first + timedelta(seconds=at)).replace(tzinfo=None).isoformat(" ", "microseconds")
                for at in range(200)]  # fmt: skip
    assert stamps == expected
    assert stamps[90] == "2027-01-01 00:00:00.123456"


def test_sqlite_stamps_keep_zero_microseconds_and_turn_aware_times_to_utc() -> None:
    first = datetime(2026, 6, 1, 16, 0, 59, tzinfo=timezone(timedelta(hours=2)))
    assert _stamps(first, 2, sqlite=True) == [
        "2026-06-01 14:00:59.000000",
        "2026-06-01 14:01:00.000000",
    ]


def test_other_databases_get_aware_datetimes() -> None:
    first = datetime(2026, 6, 1, 14, 0, 59, tzinfo=UTC)
    assert _stamps(first, 2, sqlite=False) == [first, first + timedelta(seconds=1)]


def test_a_rows_kind_gives_its_four_columns() -> None:
    assert kind_values(0, confirmed=True) == ("individual", "private", False, False)
    assert kind_values(ORGANIZATION | PUBLIC, confirmed=True) == (
        "organization",
        "public",
        False,
        True,
    )
    assert kind_values(PUBLIC | UPDATES, confirmed=True) == ("individual", "public", True, True)
    assert kind_values(PUBLIC, confirmed=False) == ("individual", "public", False, False)


def test_the_generating_processes_import_no_more_than_making_rows_takes() -> None:
    shown = "import signon.seedgen, sys; print(' '.join(sorted(sys.modules)))"
    modules = subprocess.run(
        [sys.executable, "-P", "-c", shown], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "signon.seedrows" in modules and "signon.seedsqlite" in modules
    assert not [name for name in modules if name.split(".")[0] in {"sqlalchemy", "litestar"}]
    assert not [name for name in modules if name.startswith(("signon.services", "signon.db"))]


@pytest.mark.parametrize("buckets", [1, 7, 64, 4_096, 262_144])
def test_each_batch_draws_sorted_nonces_above_every_earlier_batchs(buckets: int) -> None:
    chosen = sorted({0, min(1, buckets - 1), buckets - 1})
    batches = [batch_link_nonces(300, bucket, buckets) for bucket in chosen]
    nonces = [nonce for batch in batches for nonce in batch]

    assert nonces == sorted(nonces)
    assert len(set(nonces)) == len(nonces) == 300 * len(batches)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", nonce) for nonce in nonces)


def test_nonce_prefixes_are_every_three_characters_in_ascending_order() -> None:
    prefixes = _nonce_prefixes(range(64**3))
    assert all(earlier < later for earlier, later in itertools.pairwise(prefixes))
    assert prefixes[0] == "---" and prefixes[-1] == "zzz" and prefixes[4096] == "0--"
    assert _nonce_prefixes(range(5, 7)) == prefixes[5:7]


def test_nonces_spread_over_the_whole_range_and_differ_between_draws() -> None:
    first, last = batch_link_nonces(1_000, 0, 2), batch_link_nonces(1_000, 1, 2)
    assert first[0] < "0" and last[-1] > "y"  # the ends of the ascending alphabet, "-" and "z"
    assert not set(first) & set(batch_link_nonces(1_000, 0, 2))
    with pytest.raises(ValueError):
        batch_link_nonces(1, 0, 262_145)
