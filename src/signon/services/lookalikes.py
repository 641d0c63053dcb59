"""Organizations that look like one another: the moderation queue shows, beside an organization,
the names already signed that are the same once normalised, or nearly the same (an impostor, or
a group that signed twice).

Comparing each organization in the queue with every other one is fine for a campaign with a few
hundred, and takes minutes for one with tens of thousands. So above BRUTE_FORCE_LIMIT names, an
organization is compared only with those that share the most of its rarer three-letter pieces
(trigrams): a look-alike differs in a letter or two, and keeps most of the pieces. The verdict is
the same measure either way.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping

SIMILARITY = 0.85  # difflib's ratio of two normalised names at or above which they look alike
BRUTE_FORCE_LIMIT = 1_000  # up to this many names, each is compared with all the others
CANDIDATES = 200  # above that, how many names (those sharing the most trigrams) are compared
POSTING_BUDGET = 20_000  # trigram entries counted for one name, its rarest trigrams first
SHOWN = 10  # look-alikes named per organization
_NOISE_WORDS = {"the", "of", "for", "and", "inc", "ltd", "llc", "asbl", "ev", "association"}


def name_key(name: str) -> str:
    """A name without case, accents, punctuation or filler words ("Inc", "the", ...)."""
    folded = unicodedata.normalize("NFKD", name).casefold()
    if not folded.isascii():  # drop the accents NFKD split off
        folded = "".join(c for c in folded if not unicodedata.combining(c))
    words = re.findall(r"\w+", folded)
    return " ".join(w for w in words if w not in _NOISE_WORDS)


def looks_alike(key: str, other_key: str) -> bool:
    return other_key == key or difflib.SequenceMatcher(None, key, other_key).ratio() >= SIMILARITY


class OrganizationNames:
    """The organizations of a campaign (signature id → name), ready to be asked for the
    look-alikes of any one of them."""

    def __init__(self, names: Mapping[int, str]) -> None:
        self._names = dict(names)
        self._keys = {sid: name_key(name) for sid, name in self._names.items()}
        self._postings: dict[str, list[int]] = defaultdict(list)
        if len(self._names) > BRUTE_FORCE_LIMIT:
            for sid, key in self._keys.items():
                for trigram in set(_trigrams(key)):
                    self._postings[trigram].append(sid)

    def similar_to(self, signature_id: int, name: str) -> tuple[str, ...]:
        """The names of the other organizations that look like `name` (at most SHOWN)."""
        key = name_key(name)
        # b is the side difflib prepares once; the cheap bounds are the same either way round.
        bounds = difflib.SequenceMatcher(None, b=key)
        found: list[str] = []
        for sid in self._candidates(key):
            other_key = self._keys[sid]
            if sid == signature_id:
                continue
            bounds.set_seq1(other_key)  # the same names pass these bounds (ratio 1)
            if (
                bounds.real_quick_ratio() >= SIMILARITY
                and bounds.quick_ratio() >= SIMILARITY
                and looks_alike(key, other_key)
            ):
                found.append(self._names[sid])
                if len(found) == SHOWN:
                    break
        return tuple(found)

    def _candidates(self, key: str) -> list[int]:
        if len(self._names) <= BRUTE_FORCE_LIMIT:
            return list(self._keys)
        shared: Counter[int] = Counter()
        budget = POSTING_BUDGET
        for trigram in sorted(set(_trigrams(key)), key=lambda t: len(self._postings.get(t, ()))):
            posting = self._postings.get(trigram, [])
            if len(posting) > budget:
                break
            shared.update(posting)  # counted in C
            budget -= len(posting)
        return [sid for sid, _ in shared.most_common(CANDIDATES)]


def _trigrams(key: str) -> list[str]:
    padded = f" {key} "
    return [padded[at : at + 3] for at in range(len(padded) - 2)]
