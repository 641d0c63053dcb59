"""itsdangerous serializers that issue the same tokens for less work.

Tokens are issued twice per signature (its confirm and manage links, while the batch that
writes it holds the write turn) and once per campaign page view (the form token), so what
itsdangerous does per token beyond the HMAC itself shows:

- Its URL-safe serializers zlib-compress every payload and keep the result only when it is
  shorter. Ours (a random nonce; a campaign slug, a time and a random challenge) are a few
  dozen bytes and practically never shrink: the attempt was most of the time spent issuing a
  token. Tokens issued before (compressed or not) still load.
- It builds a new signer for every token and, in it, derives the key and keys a new HMAC. Ours
  keep one signer per salt and its keyed HMAC, and copy that per token.
"""

from __future__ import annotations

import hmac
from typing import Any

from itsdangerous import Signer, TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, want_bytes
from itsdangerous.serializer import Serializer
from itsdangerous.signer import HMACAlgorithm


class _KeyedOnce:
    """A signer that keys its HMAC with its newest key once, not once per signature (the same
    signatures: derive_key and the HMAC are itsdangerous' own). Verifying is unchanged."""

    _keyed: Any = None

    def get_signature(self, value: str | bytes) -> bytes:
        keyed = self._keyed
        if keyed is None:
            if not isinstance(self.algorithm, HMACAlgorithm):  # type: ignore[attr-defined]
                return super().get_signature(value)  # type: ignore[misc, no-any-return]
            keyed = hmac.new(self.derive_key(), digestmod=self.algorithm.digest_method)  # type: ignore[attr-defined]
            self._keyed = keyed
        mac = keyed.copy()
        mac.update(want_bytes(value))
        return base64_encode(mac.digest())


class _KeyedOnceSigner(_KeyedOnce, Signer):
    pass


class _KeyedOnceTimestampSigner(_KeyedOnce, TimestampSigner):
    pass


class _Uncompressed:
    salt: str | bytes | None
    _own_signer: Signer | None = None

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(Serializer.dump_payload(self, obj))  # type: ignore[arg-type]

    def make_signer(self, salt: str | bytes | None = None) -> Signer:
        """The serializer's own salt's signer is made once (a signer holds no state but its
        keys, salt and keyed HMAC); another salt's is made as itsdangerous makes it."""
        if salt is not None and salt != self.salt:
            return super().make_signer(salt)  # type: ignore[misc, no-any-return]
        if self._own_signer is None:
            self._own_signer = super().make_signer(self.salt)  # type: ignore[misc]
        return self._own_signer  # type: ignore[return-value]


class UncompressedSerializer(_Uncompressed, URLSafeSerializer):
    default_signer = _KeyedOnceSigner


class UncompressedTimedSerializer(_Uncompressed, URLSafeTimedSerializer):
    default_signer = _KeyedOnceTimestampSigner
