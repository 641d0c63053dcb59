"""A hashcash-like proof of work: a small cost per signature that a flood has to pay many times.

The sign form's token carries a random challenge; the browser (static/sign.js) searches for a
nonce such that SHA-256("{challenge}:{nonce}") starts with `bits` zero bits, and posts it with
the form. About 2**bits hashes to find, one to check. Unlike a CAPTCHA it asks nothing of the
person, loads nothing from a third party and identifies no one, which matters to supporters
who are watched. It is a speed bump, not a wall: the server treats a missing or wrong proof as a
reason for more scrutiny, never as the only defence.

The string format and the bit counting here are the contract with static/sign.js; the tests run
that script under Node and check its answers with `verify`.
"""

from __future__ import annotations

import hashlib
import re
from itertools import count

DEFAULT_DIFFICULTY_BITS = 16  # ~65k hashes: about 1 s in Chromium on a 2-core server
MAX_SOLUTION_LENGTH = 32
MAX_CHALLENGE_LENGTH = 128
MAX_BITS = 256

_SOLUTION = re.compile(rf"[0-9a-fA-F]{{1,{MAX_SOLUTION_LENGTH}}}")  # a decimal or hex nonce


def leading_zero_bits(digest: bytes) -> int:
    """How many zero bits `digest` starts with, reading bytes big-endian, high bit first."""
    value = int.from_bytes(digest, "big")
    return len(digest) * 8 - value.bit_length()


def verify(challenge: object, solution: object, bits: object) -> bool:
    """True when `solution` proves `bits` bits of work on `challenge`. Never raises."""
    if (
        not isinstance(challenge, str)
        or not 0 < len(challenge) <= MAX_CHALLENGE_LENGTH
        or not isinstance(solution, str)
        or not _SOLUTION.fullmatch(solution)
        or type(bits) is not int
        or not 0 <= bits <= MAX_BITS
    ):
        return False
    try:
        message = f"{challenge}:{solution}".encode()
    except UnicodeEncodeError:  # a lone surrogate: no browser can have hashed it
        return False
    return leading_zero_bits(hashlib.sha256(message).digest()) >= bits


def solve(challenge: str, bits: int) -> str:
    """The smallest decimal nonce that satisfies `verify`: the reference the browser must match."""
    prefix = f"{challenge}:".encode()
    for nonce in count():
        text = str(nonce)
        if leading_zero_bits(hashlib.sha256(prefix + text.encode()).digest()) >= bits:
            return text
    raise AssertionError("unreachable")  # pragma: no cover
