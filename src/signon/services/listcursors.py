"""Cursors of the public endorser lists, opaque to the public.

A page's cursor names its last signature: its confirmation time (to the microsecond) and id.
Shown as they are, they would tell anyone reading the list when each fiftieth signer confirmed,
and a cursor made up at will would find any listed signer's moment by bisection: something no
signer chose to publish. So the pair, 8 + 8 bytes, is enciphered as one AES block under a key
derived from the secret key (a keyed permutation: the same page always gets the same cursor, so
shared and cached links stay stable; one block, so no mode or nonce is involved). Without the key
a cursor can be neither read nor chosen: a changed one deciphers to an arbitrary pair, refused
unless it happens to be a possible time and id, and then it is only some page of the same list.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

MAX_ID = 2**63 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_LAST_MICROSECOND = (datetime.max.replace(tzinfo=UTC) - _EPOCH) // _MICROSECOND
_PAIR = struct.Struct(">QQ")
_SHAPE = re.compile(r"[A-Za-z0-9_-]{22}")  # 16 bytes of URL-safe base64, unpadded


class BadCursor(ValueError):
    pass


class ListCursors:
    def __init__(self, secret_key: str) -> None:
        key = hmac.new(secret_key.encode(), b"signon: endorser list cursors", hashlib.sha256)
        # ECB over exactly one block is the bare block cipher: a pseudorandom permutation.
        self._cipher = Cipher(algorithms.AES(key.digest()), modes.ECB())

    def encode(self, confirmed_at: datetime, signature_id: int) -> str:
        micros = (confirmed_at - _EPOCH) // _MICROSECOND
        encryptor = self._cipher.encryptor()
        block = encryptor.update(_PAIR.pack(micros, signature_id)) + encryptor.finalize()
        return base64.urlsafe_b64encode(block).rstrip(b"=").decode("ascii")

    def decode(self, cursor: str) -> tuple[datetime, int]:
        if not _SHAPE.fullmatch(cursor):
            raise BadCursor(cursor)
        block = base64.urlsafe_b64decode(cursor + "==")  # the shape makes it 16 bytes
        decryptor = self._cipher.decryptor()
        micros, signature_id = _PAIR.unpack(decryptor.update(block) + decryptor.finalize())
        if micros > _LAST_MICROSECOND or signature_id > MAX_ID:
            raise BadCursor(cursor)
        return _EPOCH + micros * _MICROSECOND, signature_id
