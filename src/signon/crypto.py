"""Encryption of personal data at rest, with keys kept outside the database.

The key file (JSON, mode 0600) holds:
- `index_key`: the HMAC key of the address lookups (one signature per address, an organizer's
  login);
- `earlier_index_keys`: index keys being retired: only while `signon keys rotate` redoes the
  hashes they made, lookups try them too;
- `keys`: AES-256-GCM data keys, the first one is used to encrypt, all of them to decrypt.

A ciphertext is `"<key id>:<base64url(nonce + ciphertext + tag)>"`, with the table and column as
associated data so a value cannot be moved to another column unnoticed. Processes notice a
rotated key file within RELOAD_SECONDS (and at once when they meet an unknown key id), which is
what lets `signon keys rotate` run while the app is serving (services/keys.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from signon.addresses import (
    email_hash_key,
    keyed_email_digests,
    keyed_email_hash,
)

RELOAD_SECONDS = 2.0
NONCE_BYTES = 12
# base64url <-> standard base64, for the batch methods that call binascii directly.
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")


class KeyFileError(Exception):
    """The key file is missing, unreadable, or lacks the key a value was encrypted with."""


class DecryptionError(Exception):
    """A value could not be decrypted (unknown key, tampered, or moved between columns)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class DataKey:
    id: str
    secret: bytes
    created: str


def new_data_key() -> DataKey:
    secret = AESGCM.generate_key(bit_length=256)
    key_id = hashlib.sha256(secret).hexdigest()[:8]
    return DataKey(key_id, secret, datetime.now(UTC).isoformat(timespec="seconds"))


@dataclass(frozen=True, slots=True)
class KeyFile:
    index_key: bytes
    keys: list[DataKey]
    earlier_index_keys: tuple[bytes, ...] = ()  # being retired (see the module's docstring)


def write_key_file(path: Path, key_file: KeyFile) -> None:
    """Write atomically (temp file + rename) with owner-only permissions."""
    data = {
        "format": "signon-keys-v1",
        "index_key": _b64(key_file.index_key),
        "earlier_index_keys": [_b64(key) for key in key_file.earlier_index_keys],
        "keys": [{"id": k.id, "key": _b64(k.secret), "created": k.created} for k in key_file.keys],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


def create_key_file(path: Path) -> None:
    if path.exists():
        raise KeyFileError(f"{path} already exists; it is never overwritten")
    write_key_file(path, KeyFile(new_index_key(), [new_data_key()]))


def new_index_key() -> bytes:
    return secrets.token_bytes(32)


def read_key_file(path: Path) -> KeyFile:
    try:
        data: dict[str, Any] = json.loads(path.read_text())
        index_key = _unb64(data["index_key"])
        earlier = tuple(_unb64(key) for key in data.get("earlier_index_keys", []))
        keys = [DataKey(k["id"], _unb64(k["key"]), k.get("created", "")) for k in data["keys"]]
    except FileNotFoundError as error:
        raise KeyFileError(
            f"no key file at {path}: create one with `signon keys init` "
            "(and keep it out of database backups)"
        ) from error
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise KeyFileError(f"cannot read the key file {path}: {error}") from error
    short_index_key = any(len(key) < 32 for key in (index_key, *earlier))
    if short_index_key or not keys or any(len(k.secret) != 32 for k in keys):
        raise KeyFileError(f"the key file {path} is incomplete")
    return KeyFile(index_key, keys, earlier)


def _version(path: Path) -> tuple[int, int]:
    """What tells a rewritten key file: each write is a new file (renamed into place), so a new
    inode, even within the file system's timestamp granularity."""
    status = path.stat()
    return status.st_ino, status.st_mtime_ns


class Keyring:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._checked_at = 0.0
        self._version = (0, 0)
        self._load()

    def _load(self) -> None:
        key_file = read_key_file(self.path)
        self._email_hash_keys = [
            email_hash_key(key) for key in (key_file.index_key, *key_file.earlier_index_keys)
        ]
        self._keys = key_file.keys
        self._ciphers = {k.id: AESGCM(k.secret) for k in key_file.keys}
        self._version = _version(self.path)
        self._checked_at = time.monotonic()

    def _refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked_at < RELOAD_SECONDS:
            return
        with self._lock:
            self._checked_at = now
            try:
                changed = _version(self.path) != self._version
            except OSError:
                return  # keep serving with the keys we have
            if changed or force:
                self._load()

    @property
    def primary_id(self) -> str:
        self._refresh()
        return self._keys[0].id

    @property
    def key_ids(self) -> list[str]:
        return [k.id for k in self._keys]

    def email_key(self, email: str) -> str:
        """The keyed lookup hash of an address (see addresses.email_key) under the index key:
        the one to store."""
        self._refresh()
        return keyed_email_hash(self._email_hash_keys[0], email)

    def email_lookup_keys(self, email: str) -> list[str]:
        """email_key, then the address's hash under each index key being retired (only while
        `signon keys rotate` runs): a stored hash may be any of them."""
        self._refresh()
        return [keyed_email_hash(hash_key, email) for hash_key in self._email_hash_keys]

    def email_key_digests(self, emails: Iterable[str]) -> list[bytes]:
        """email_key of many addresses, each as the 32 bytes whose hex it is."""
        self._refresh()
        return keyed_email_digests(self._email_hash_keys[0], emails)

    def encrypt(self, plaintext: bytes, context: str) -> str:
        self._refresh()
        key = self._keys[0]
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._ciphers[key.id].encrypt(nonce, plaintext, context.encode())
        return f"{key.id}:{_b64(nonce + sealed)}"

    def _cipher(self, key_id: str) -> AESGCM:
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            self._refresh(force=True)  # a rotation may have added it since we loaded
            cipher = self._ciphers.get(key_id)
            if cipher is None:
                raise DecryptionError(f"no key {key_id!r} in {self.path}")
        return cipher

    def decrypt(self, token: str, context: str) -> bytes:
        key_id, _, body = token.partition(":")
        cipher = self._cipher(key_id)
        try:
            raw = _unb64(body)
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except (InvalidTag, ValueError) as error:
            raise DecryptionError("the value does not decrypt with its key") from error

    def encrypt_many(self, plaintexts: Sequence[bytes], context: str) -> list[str]:
        """encrypt for a batch (seeding): every value still gets its own random nonce and its own
        ciphertext; the nonces come from one os.urandom call, the key is looked up once."""
        self._refresh()
        key_id = self._keys[0].id
        seal = self._ciphers[key_id].encrypt
        associated = context.encode()
        nonces = os.urandom(NONCE_BYTES * len(plaintexts))
        tokens = []
        for at, plaintext in zip(range(0, len(nonces), NONCE_BYTES), plaintexts, strict=True):
            nonce = nonces[at : at + NONCE_BYTES]
            body = binascii.b2a_base64(nonce + seal(nonce, plaintext, associated), newline=False)
            tokens.append(f"{key_id}:{body.translate(_TO_URLSAFE).rstrip(b'=').decode()}")
        return tokens

    def decrypt_many(self, tokens: Sequence[str | None], context: str) -> list[bytes | None]:
        """decrypt for a batch (exports); None stays None (a signature whose data was erased).

        Same results and errors as decrypt, for about a fifth less work per value (the key
        lookup and the associated data are done once per batch, base64 goes to binascii).
        """
        associated = context.encode()
        ciphers: dict[str, Any] = {}
        values: list[bytes | None] = []
        for token in tokens:
            if token is None:
                values.append(None)
                continue
            key_id, _, body = token.partition(":")
            open_ = ciphers.get(key_id) or ciphers.setdefault(key_id, self._cipher(key_id).decrypt)
            try:
                # Non-strict decoding ignores surplus padding, so "==" fits every length.
                raw = binascii.a2b_base64(body.encode("ascii").translate(_FROM_URLSAFE) + b"==")
                values.append(open_(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated))
            except (InvalidTag, ValueError) as error:
                raise DecryptionError("the value does not decrypt with its key") from error
        return values

    def encrypt_json(self, value: dict[str, Any], context: str) -> str:
        compact = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return self.encrypt(compact.encode(), context)

    def decrypt_json(self, token: str, context: str) -> dict[str, Any]:
        return json.loads(self.decrypt(token, context))

    @staticmethod
    def key_id_of(token: str) -> str:
        return token.partition(":")[0]
