"""What counts as correcting a displayed name, rather than replacing it.

Moderators may fix the name a signer gave ("ana  LIMA" → "Ana Lima", "Friends of teh River" →
"Friends of the River") or leave words out ("Dr. Ana Lima, Esq." → "Ana Lima"; an initial for a
surname). They may not list another name under a signature: what the public sees is the signer's
own choice (PRODUCT.md), and a confirmed signature with a name its signer never wrote would be a
forged endorsement. Corrections are measured from the name as submitted, so several small ones
in turn cannot walk away from it either.
"""

from __future__ import annotations

import re
import unicodedata

# A correction may change this share of the letters of the name as submitted (at least two).
CHANGED_SHARE = 0.2


def is_a_correction(submitted: str, corrected: str) -> bool:
    """True when `corrected` is `submitted` with its spelling, case, accents, spacing or
    punctuation fixed, or with some of its words left out (or cut to an initial)."""
    given, wanted = _words(submitted), _words(corrected)
    if not wanted:
        return False
    letters = "".join(given)
    if _distance("".join(wanted), letters) <= _allowance(letters):
        return True
    return _kept_in_order(wanted, given)


def _words(name: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", name).casefold()
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return re.findall(r"\w+", folded)


def _allowance(letters: str) -> int:
    return max(2, int(len(letters) * CHANGED_SHARE))


def _kept_in_order(wanted: list[str], given: list[str]) -> bool:
    """Each wanted word is one of the given words, in their order: the same (its spelling
    fixed) or its initial."""
    position = 0
    for word in wanted:
        while position < len(given) and not _same_word(word, given[position]):
            position += 1
        if position == len(given):
            return False
        position += 1
    return True


def _same_word(word: str, given: str) -> bool:
    if len(word) == 1:
        return given.startswith(word)
    return _distance(word, given) <= max(1, len(given) // 4)


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (names are short: at most 160 characters)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, left in enumerate(a, 1):
        current = [i]
        for j, right in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (left != right))
            )
        previous = current
    return previous[-1]
