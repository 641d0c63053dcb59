"""What counts as correcting a displayed name, rather than replacing it.

Moderators may fix the spelling of the name a signer gave, its capitals, accents, spacing and
punctuation, and the order of its words ("ana  LIMA" → "Ana Lima", "Friends of teh River" →
"Friends of the River", "Lima, Ana" → "Ana Lima"). They may not list another name under a
signature: what the public sees is the signer's own choice (PRODUCT.md), and a confirmed
signature with a name its signer never wrote would be a forged endorsement. So a correction
changes at most one letter in six (none in a name of five letters or fewer: one letter is
already another name there), leaves out and adds no word, and adds no symbol the signer did not
write beyond ordinary punctuation. A name with something that should not be shown (a comment,
an employer) is hidden or rejected instead, never cut. Corrections are measured from the name
as submitted, so several small ones in turn cannot walk away from it either.
"""

from __future__ import annotations

import unicodedata

LETTERS_PER_CHANGE = 6
# Punctuation a correction may add; any other symbol must be in the name as given.
ORDINARY_PUNCTUATION = frozenset(".,'-’")
_TATWEEL = "\u0640"  # Arabic elongation: spacing, not spelling


def is_a_correction(submitted: str, corrected: str) -> bool:
    """True when `corrected` is `submitted` with its spelling, case, accents, spacing,
    punctuation or word order fixed (both already cleaned as the sign form cleans text)."""
    if not _symbols(corrected) <= _symbols(submitted) | ORDINARY_PUNCTUATION:
        return False
    given, wanted = _words(submitted), _words(corrected)
    if not wanted or len(wanted) != len(given):
        return False
    if sorted(wanted) == sorted(given):
        return True
    letters = "".join(given)
    return _distance("".join(wanted), letters) <= len(letters) // LETTERS_PER_CHANGE


def _symbols(name: str) -> set[str]:
    return {c for c in name if not (_in_word(c) or c.isspace())}


def _in_word(character: str) -> bool:
    # Marks too: a vowel sign of Devanagari or Thai is part of its word, not a separator.
    return character.isalnum() or unicodedata.category(character).startswith("M")


def _words(name: str) -> list[str]:
    """The name's words without case or Latin-style accents (combining marks NFKD splits off)."""
    folded = unicodedata.normalize("NFKD", name.replace(_TATWEEL, "")).casefold()
    words, word = [], []
    for character in folded:
        if unicodedata.combining(character):
            continue
        if _in_word(character):
            word.append(character)
        elif word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    return words


def _distance(a: str, b: str) -> int:
    """Edits (a letter added, removed, changed, or two neighbours swapped) from a to b; names
    are short (at most 160 characters)."""
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        before, previous = previous, current
    return previous[-1]
