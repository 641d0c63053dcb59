"""Cursors of the public endorser lists, opaque to the public.

A page's cursor names its last signature: its confirmation time (to the microsecond) and id.
Shown as they are, they would tell anyone reading the list when each fiftieth signer confirmed,
and a cursor made up at will would find any listed signer's moment by bisection: something no
signer chose to publish. So the pair, 8 + 8 bytes, is enciphered as one AES block under a key
of its own list, derived from the secret key, the campaign and the type of signer (a keyed
permutation: the same page always gets the same cursor, so shared and cached links stay stable;
one block, so no mode or nonce is involved). Without the key a cursor can be neither read nor
chosen: a changed one, or one taken from another list (an organizer's own campaign, whose
signatures they can time), deciphers to an arbitrary pair, refused unless it happens to be a
possible time and id, and then it is only some page of this list.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import struct
from datetime import UTC, datetime, timedelta
from typing import Any

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
        self._secret = secret_key.encode()
        self._cipher = functools.lru_cache(maxsize=1024)(self._list_cipher)

    def _list_cipher(self, campaign_id: int, signer_type: str) -> Cipher[Any]:
        name = f"signon: endorser list cursors of {campaign_id} {signer_type}".encode()
        key = hmac.new(self._secret, name, hashlib.sha256).digest()
        # ECB over exactly one block is the bare block cipher: a pseudorandom permutation.
        return Cipher(algorithms.AES(key), modes.ECB())

    def encode(
        self, campaign_id: int, signer_type: str, confirmed_at: datetime, signature_id: int
    ) -> str:
        """The cursor of the page after this signature, in the list of this campaign and type."""
        micros = (confirmed_at - _EPOCH) // _MICROSECOND
        encryptor = self._cipher(campaign_id, signer_type).encryptor()
        block = encryptor.update(_PAIR.pack(micros, signature_id)) + encryptor.finalize()
        return base64.urlsafe_b64encode(block).rstrip(b"=").decode("ascii")

    def decode(self, campaign_id: int, signer_type: str, cursor: str) -> tuple[datetime, int]:
        if not _SHAPE.fullmatch(cursor):
            raise BadCursor(cursor)
        block = base64.urlsafe_b64decode(cursor + "==")  # the shape makes it 16 bytes
        decryptor = self._cipher(campaign_id, signer_type).decryptor()
        micros, signature_id = _PAIR.unpack(decryptor.update(block) + decryptor.finalize())
        if micros > _LAST_MICROSECOND or signature_id > MAX_ID:
            raise BadCursor(cursor)
        return _EPOCH + micros * _MICROSECOND, signature_id
