"""The Keyring's batch methods (seeding, exports) give exactly what the one-value methods give."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signon.crypto import (
    DecryptionError,
    Keyring,
    create_key_file,
    new_data_key,
    read_key_file,
    write_key_file,
)


@pytest.fixture(scope="module")
def keyring(tmp_path_factory: pytest.TempPathFactory) -> Keyring:
    path = tmp_path_factory.mktemp("keys") / "keys.json"
    create_key_file(path)
    return Keyring(path)


@settings(max_examples=50)
@given(st.lists(st.binary(max_size=300), max_size=20))
def test_encrypt_many_seals_each_value_on_its_own(keyring: Keyring, values: list[bytes]) -> None:
    tokens = keyring.encrypt_many(values, "signatures.personal")

    assert [keyring.decrypt(token, "signatures.personal") for token in tokens] == values
    assert len(set(tokens)) == len(tokens), "a nonce of its own for every value"
    assert all(keyring.key_id_of(token) == keyring.primary_id for token in tokens)


@settings(max_examples=50)
@given(st.lists(st.none() | st.binary(max_size=300), max_size=20))
def test_decrypt_many_opens_what_encrypt_sealed(
    keyring: Keyring, values: list[bytes | None]
) -> None:
    tokens = [None if v is None else keyring.encrypt(v, "outbox.payload") for v in values]

    assert keyring.decrypt_many(tokens, "outbox.payload") == values


def test_decrypt_many_refuses_what_decrypt_refuses(keyring: Keyring) -> None:
    token = keyring.encrypt(b"secret", "signatures.personal")
    key_id, body = token.split(":")
    tampered = f"{key_id}:{body[:-2]}{'A' if body[-2] != 'A' else 'B'}{body[-1]}"
    for bad, context in [
        (token, "users.email"),  # moved to another column
        (tampered, "signatures.personal"),
        ("00000000:" + body, "signatures.personal"),  # a key this keyring never had
        (f"{key_id}:not*base64!", "signatures.personal"),
    ]:
        with pytest.raises(DecryptionError):
            keyring.decrypt(bad, context)
        with pytest.raises(DecryptionError):
            keyring.decrypt_many(
                [token if context == "signatures.personal" else None, bad], context
            )


def test_decrypt_many_reads_values_of_every_key_after_a_rotation(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    create_key_file(path)
    keyring = Keyring(path)
    old = keyring.encrypt(b"old", "c")
    current = read_key_file(path)
    write_key_file(path, replace(current, keys=[new_data_key(), *current.keys]))
    new = Keyring(path).encrypt(b"new", "c")

    assert keyring.decrypt_many([old, new, old], "c") == [b"old", b"new", b"old"]
