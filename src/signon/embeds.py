"""Embeds: which sites may frame a campaign's form and counter, and where a signature came from.

An organizer lists the origins of the partner sites (one per line, `https://partner.example`)
or allows every site. Those origins become the embed's `frame-ancestors`; the site itself may
always frame it (the organizer's preview). The host page's origin, as its iframe request's
Referer tells it, is recorded with a signature made through the embed only when that page may
frame the embed: it is a hint for the organizers, never trusted for anything else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from signon.i18n import gettext, lazy

SOURCE_PREFIX = "embed"
MAX_SOURCE_LENGTH = 300  # signatures.source
MAX_ORIGIN_LENGTH = MAX_SOURCE_LENGTH - len(SOURCE_PREFIX) - 1
MAX_ORIGINS = 50
DEFAULT_PORTS = {"http": 80, "https": 443}
# A DNS name or an IPv4 address, as a CSP host-source accepts it (no IPv6 literals there).
_HOST = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)(?:\.(?!-)[a-z0-9-]{1,63}(?<!-))*")

NOT_AN_ORIGIN = lazy("Write an address such as https://partner.example: http or https, a host.")
HAS_PATH = lazy("Only the site's origin, without a path, query or #fragment.")
HAS_USER = lazy("An origin carries no user name or password.")
BAD_HOST = lazy("The host is not a domain name or an IPv4 address.")
BAD_PORT = lazy("The port must be a number from 1 to 65535.")
TOO_LONG = lazy("An origin is at most 294 characters.")


class OriginError(ValueError):
    """Not a bare http(s) origin; the message says what to change."""


def parse_origin(text: str) -> str:
    """`scheme://host[:port]`, lower-cased, without a default port, or OriginError.

    A single trailing slash is forgiven (it is how browsers show an origin's home page); any
    other path, a query, a fragment, a user name or a wildcard is refused.
    """
    text = text.strip()
    if text.endswith("/") and text.count("/") == 3:
        text = text[:-1]
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise OriginError(gettext(BAD_PORT)) from error
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.netloc or "\\" in text:
        raise OriginError(gettext(NOT_AN_ORIGIN))
    if parts.path or parts.query or parts.fragment or text.endswith(("?", "#")):
        raise OriginError(gettext(HAS_PATH))
    if "@" in parts.netloc:
        raise OriginError(gettext(HAS_USER))
    try:
        host = (parts.hostname or "").encode("idna").decode("ascii").lower()
    except UnicodeError as error:
        raise OriginError(gettext(BAD_HOST)) from error
    if not _HOST.fullmatch(host):
        raise OriginError(gettext(BAD_HOST))
    if port == 0:
        raise OriginError(gettext(BAD_PORT))
    scheme = parts.scheme.lower()
    origin = f"{scheme}://{host}"
    if port is not None and port != DEFAULT_PORTS[scheme]:
        origin += f":{port}"
    if len(origin) > MAX_ORIGIN_LENGTH:
        raise OriginError(gettext(TOO_LONG))
    return origin


@dataclass(frozen=True, slots=True)
class OriginLines:
    origins: tuple[str, ...]
    error: str | None = None


def parse_origin_lines(text: str) -> OriginLines:
    """The organizer's textarea: one origin per line, blank lines ignored, duplicates dropped.
    The first bad line is named in the error, with what to change."""
    origins: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            origin = parse_origin(line)
        except OriginError as error:
            shown = line.strip()[:80]
            message = gettext("Line %(number)s (%(line)s): ", number=number, line=shown)
            return OriginLines(tuple(origins), message + str(error))
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        return OriginLines(tuple(origins), gettext("At most %(limit)s origins.", limit=MAX_ORIGINS))
    return OriginLines(tuple(origins))


def origin_of_referer(referer: str | None) -> str | None:
    """The origin of the page that framed the embed, from its request's Referer, or None."""
    if not referer or len(referer) > 2000:
        return None
    try:
        parts = urlsplit(referer.strip())
        return parse_origin(f"{parts.scheme}://{parts.netloc}")
    except (OriginError, ValueError):
        return None


def frame_ancestors(origins: Iterable[str], anywhere: bool) -> tuple[str, ...]:
    """Who may frame a campaign's embeds: every site, or the site itself and the listed ones."""
    return ("*",) if anywhere else ("'self'", *origins)


def signature_source(origin: str | None, origins: Iterable[str], anywhere: bool) -> str:
    """What `signatures.source` records for a signature made through an embed. The origin the
    form carried is checked again here: the form is the signer's to change."""
    if origin:
        try:
            origin = parse_origin(origin)
        except OriginError:
            origin = None
    if origin and (anywhere or origin in origins):
        return f"{SOURCE_PREFIX}:{origin}"
    return SOURCE_PREFIX
