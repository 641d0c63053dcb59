"""itsdangerous serializers that do not try to compress.

itsdangerous' URL-safe serializers zlib-compress every payload and keep the result only when
it is shorter. Ours (a random nonce; a campaign slug, a time and a random challenge) are a few
dozen bytes and practically never shrink, so the attempt changes nothing but the cost: it was
most of the time spent issuing a token, and tokens are issued twice per signature and once per
campaign page view. Tokens issued before (compressed or not) still load.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.serializer import Serializer


class _Uncompressed:
    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(Serializer.dump_payload(self, obj))  # type: ignore[arg-type]


class UncompressedSerializer(_Uncompressed, URLSafeSerializer):
    pass


class UncompressedTimedSerializer(_Uncompressed, URLSafeTimedSerializer):
    pass
