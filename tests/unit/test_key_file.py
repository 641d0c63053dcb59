"""The key file: what it holds, what older files hold, and how a Keyring notices a new one."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from signon import crypto
from signon.addresses import email_key
from signon.crypto import (
    KeyFile,
    KeyFileError,
    Keyring,
    create_key_file,
    new_data_key,
    new_index_key,
    read_key_file,
    write_key_file,
)


def test_round_trip_with_index_keys_being_retired(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    written = KeyFile(new_index_key(), [new_data_key(), new_data_key()], (new_index_key(),))
    write_key_file(path, written)
    assert read_key_file(path) == written
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_a_key_file_from_before_index_rotation_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    create_key_file(path)
    data = json.loads(path.read_text())
    del data["earlier_index_keys"]
    path.write_text(json.dumps(data))
    assert read_key_file(path).earlier_index_keys == ()


def test_a_short_earlier_index_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    create_key_file(path)
    data = json.loads(path.read_text())
    data["earlier_index_keys"] = ["c2hvcnQ"]  # "short"
    path.write_text(json.dumps(data))
    with pytest.raises(KeyFileError, match="incomplete"):
        read_key_file(path)


def test_lookups_try_the_index_key_then_the_earlier_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(crypto, "RELOAD_SECONDS", 0.0)
    path = tmp_path / "keys.json"
    create_key_file(path)
    keyring = Keyring(path)
    first = read_key_file(path)
    assert keyring.email_lookup_keys("Ana@Example.org") == [keyring.email_key("ana@example.org")]

    second = new_index_key()
    loaded_at = path.stat().st_mtime_ns
    write_key_file(path, replace(first, index_key=second, earlier_index_keys=(first.index_key,)))
    # Rewritten within the file system's timestamp granularity: the new file still shows.
    os.utime(path, ns=(loaded_at, loaded_at))

    assert keyring.email_lookup_keys("ana@example.org") == [
        email_key(second, "ana@example.org"),
        email_key(first.index_key, "ana@example.org"),
    ]
    assert keyring.email_key("ana@example.org") == email_key(second, "ana@example.org")
    assert keyring.email_key_digests(["ana@example.org"])[0].hex() == email_key(
        second, "ana@example.org"
    )
