"""Email domains Signon refuses (blocked) or looks at more closely (disposable).

Throwaway inboxes are how one person confirms a hundred fake signatures; a campaign under attack
may also need to shut out one domain at once. A domain matches when it, or any domain it belongs
to, is listed: `mail.mailinator.com` is caught by `mailinator.com`, and an operator can list a
whole top-level domain. Both sides are normalised the same way (IDNA 2008 with UTS 46 mapping,
as email-validator uses), so `Mailinator.COM.`, `straße.de` and `xn--strae-oqa.de` compare as
the mail system would route them.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from typing import Literal

import idna

DomainVerdict = Literal["blocked", "disposable"]
MAX_DOMAIN_INPUT = 1024  # far beyond a real domain (253); bounds the work on hostile input

_DOTS = re.compile("[.\u3002\uff0e\uff61]")  # the full stops IDNA treats as label separators


def normalise_domain(raw: object) -> str | None:
    """The ASCII (A-label) form of a domain, lower case, without a trailing dot; None if empty.

    Accepts a whole address too (the part after the last `@`). Never raises. A label that is not
    valid IDNA (an underscore, say) is kept case-folded rather than dropped, so the parent
    domains of an odd name still match.
    """
    if not isinstance(raw, str) or len(raw) > MAX_DOMAIN_INPUT:
        return None
    domain = raw.rpartition("@")[2].strip()
    labels = _DOTS.split(domain)
    while labels and not labels[-1]:  # trailing dots: `example.org.` is `example.org`
        labels.pop()
    while labels and not labels[0]:  # leading dots, as in `.example.org` in a hand-written list
        labels.pop(0)
    if not labels or not all(labels):
        return None
    return ".".join(_ascii_label(label) for label in labels)


def _ascii_label(label: str) -> str:
    if label.isascii():
        # What IDNA (or the fallback below) makes of any ASCII label, valid or not; the IDNA
        # codec costs tens of microseconds a call, and nearly every address is ASCII.
        return label.lower()
    try:
        return idna.encode(label, uts46=True).decode("ascii")
    except (UnicodeError, ValueError):
        return unicodedata.normalize("NFKC", label).casefold()


def _parents(domain: str) -> Iterable[str]:
    """`a.b.example.org`, `b.example.org`, `example.org`, `org`."""
    labels = domain.split(".")
    return (".".join(labels[i:]) for i in range(len(labels)))


class DomainPolicy:
    """Which email domains are refused outright and which are known throwaway services.

    Blocked wins over disposable: an operator's explicit choice is the stronger statement.
    """

    def __init__(self, blocked: Iterable[str] = (), disposable: Iterable[str] = ()) -> None:
        self._blocked = _normalised_set(blocked)
        self._disposable = _normalised_set(disposable)

    def classify(self, email_domain: object) -> DomainVerdict | None:
        """ "blocked", "disposable" or None for the domain of an address. Never raises."""
        domain = normalise_domain(email_domain)
        if domain is None:
            return None
        candidates = list(_parents(domain))
        if any(candidate in self._blocked for candidate in candidates):
            return "blocked"
        if any(candidate in self._disposable for candidate in candidates):
            return "disposable"
        return None


def _normalised_set(domains: Iterable[str]) -> frozenset[str]:
    return frozenset(d for d in map(normalise_domain, domains) if d is not None)


def load_domain_list(path: str | os.PathLike[str]) -> set[str]:
    """Domains from a text file: one per line, `#` starts a comment, blank lines are skipped.

    Raises OSError when the file cannot be read: a list the operator configured but that is
    missing should stop the start-up, not silently let everything through.
    """
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    domains = (normalise_domain(line.partition("#")[0]) for line in lines)
    return {domain for domain in domains if domain is not None}
