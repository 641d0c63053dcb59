"""HTTP hardening: security headers on every response, and whom to believe behind a proxy.

The headers are added by a `before_send` hook rather than a route middleware: Litestar runs route
middleware only for requests that matched a route, so the router's own 404 and 405 answers would
go out bare. A before-send hook sees every response the app sends.

Forwarded headers (`X-Forwarded-For`, `X-Forwarded-Proto`) are believed only when the direct peer
is one of the configured trusted proxies (SIGNON_TRUSTED_PROXIES); anyone else can write anything
in them.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from litestar import Request
    from litestar.types import Message, Scope

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
TrustedProxies = tuple[Network, ...]

UNKNOWN_CLIENT = "unknown"  # no peer address at all (a Unix socket, say)
MAX_FORWARDED_HOPS = 32  # no real proxy chain is longer; stops a padded header costing CPU
FRAME_ANCESTORS_OPT = "frame_ancestors"  # route handler opt: who may frame this route
# Scope key for who may frame this one response, decided by the handler (an embed's campaign).
FRAME_ANCESTORS_SCOPE_KEY = "signon.frame_ancestors"

CSP_WITHOUT_FRAME_ANCESTORS = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'"
)  # frame-src 'self': the organizer's page previews the campaign's own embeds
HSTS = b"max-age=63072000; includeSubDomains"
NO_STORE = b"no-store"  # pages may show a signer's name and choices: never keep them in a cache
FIXED_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"browsing-topics=(), camera=(), geolocation=(), microphone=()"),
)

# 'self', 'none', *, a scheme (https:) or a host source (https://*.example.org:8443).
_FRAME_SOURCE = re.compile(
    r"'self'|'none'|\*|https?:|(?:https?://)?(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::(?:\d{1,5}|\*))?"
)
_HOP_WITH_PORT = re.compile(r"\[(?P<v6>[^\]]+)\](?::\d{1,5})?|(?P<v4>[0-9.]+):\d{1,5}")


def parse_trusted_proxies(spec: str | Iterable[str | Network]) -> TrustedProxies:
    """Parse "127.0.0.1, 10.0.0.0/8, ::1" (or a list of such entries) into networks.

    Raises ValueError naming the bad entry. A network with host bits set (10.0.0.1/8) is refused:
    it is more likely a typo than a wish to trust the whole network.
    """
    entries = spec.split(",") if isinstance(spec, str) else spec
    networks: list[Network] = []
    for raw in entries:
        entry = str(raw).strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=True))
        except ValueError as error:
            raise ValueError(
                f"trusted proxy {entry!r} is not an IP address or a network such as "
                f"10.0.0.0/8 ({error})"
            ) from error
    return tuple(networks)


def _parse_ip(text: str) -> IPAddress | None:
    """An address as a peer or an X-Forwarded-For entry gives it, or None when it is not one.

    Accepts "[2001:db8::1]:443" and "192.0.2.1:443" too (some proxies append the port).
    IPv4-mapped IPv6 addresses (::ffff:192.0.2.1) become IPv4, so one client has one address.
    """
    text = text.strip()
    if match := _HOP_WITH_PORT.fullmatch(text):
        text = match["v6"] or match["v4"]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: IPAddress, trusted: TrustedProxies) -> bool:
    return any(address in network for network in trusted)


@lru_cache(maxsize=1024)  # behind proxies the peer is one of a handful: parse each once
def _trusted_peer(peer: str | None, trusted: TrustedProxies) -> IPAddress | None:
    """The peer's address if it is a trusted proxy; None otherwise (also for non-IP peers)."""
    if not trusted or not peer:
        return None
    address = _parse_ip(peer)
    return address if address is not None and _is_trusted(address, trusted) else None


def client_address(peer: str | None, forwarded_for: str | None, trusted: TrustedProxies) -> str:
    """The address of the client that made the request, for rate limits and logs.

    An untrusted peer is the client, whatever its X-Forwarded-For says. Behind trusted proxies,
    X-Forwarded-For is read from the right (each proxy appends the address it saw): trusted hops
    are skipped and the first untrusted one is the client. An entry that is not an address ends
    the walk at the last valid hop, since nothing left of it can be vouched for.
    """
    proxy = _trusted_peer(peer, trusted)
    if proxy is None:
        if not peer:
            return UNKNOWN_CLIENT
        address = _parse_ip(peer)
        return str(address) if address is not None else peer
    if not forwarded_for:
        return str(proxy)
    closest = proxy
    for entry in forwarded_for.split(",")[::-1][:MAX_FORWARDED_HOPS]:
        hop = _parse_ip(entry)
        if hop is None:
            break
        if not _is_trusted(hop, trusted):
            return str(hop)
        closest = hop
    return str(closest)


def request_is_https(
    scheme: str, peer: str | None, forwarded_proto: str | None, trusted: TrustedProxies
) -> bool:
    """Whether the client's connection used TLS: the scheme itself, or what a trusted proxy says.

    With several proxies the header may be a list; the last entry is the one our own (trusted)
    peer wrote.
    """
    if scheme in ("https", "wss"):
        return True
    if not forwarded_proto or _trusted_peer(peer, trusted) is None:
        return False
    return forwarded_proto.rsplit(",", 1)[-1].strip().lower() == "https"


def request_client_address(request: Request[Any, Any, Any], trusted: TrustedProxies) -> str:
    """client_address() for a Litestar request."""
    peer = request.client.host if request.client else None
    forwarded_for = ",".join(request.headers.getall("x-forwarded-for", [])) or None
    return client_address(peer, forwarded_for, trusted)


class ProxyTrust:
    """The configured proxies, parsed once; tells a request's client address."""

    def __init__(self, trusted_proxies: tuple[str, ...]) -> None:
        self._trusted = parse_trusted_proxies(",".join(trusted_proxies))

    def client_address(self, request: Request[Any, Any, Any]) -> str:
        return request_client_address(request, self._trusted)


@lru_cache(maxsize=64)
def frame_ancestors_sources(value: object) -> str:
    """The frame-ancestors sources for a route's opt value ('self', https://example.org, ...).

    A value that is not a list of sources (say, one smuggling in "; script-src *") is logged and
    replaced by 'none': refusing to be framed is the safe failure.
    """
    if value is None:
        return "'none'"
    sources = value.split() if isinstance(value, str) else value
    valid = isinstance(sources, list | tuple) and bool(sources)
    if not valid or not all(isinstance(s, str) and _FRAME_SOURCE.fullmatch(s) for s in sources):
        log.error("ignoring invalid frame_ancestors %r; using 'none'", value)
        return "'none'"
    return " ".join(sources)


@lru_cache(maxsize=64)
def content_security_policy(frame_ancestors: str = "'none'") -> bytes:
    return f"{CSP_WITHOUT_FRAME_ANCESTORS}; frame-ancestors {frame_ancestors}".encode()


def allow_framing(scope: Scope, sources: Iterable[str]) -> None:
    """Let this one response be framed by `sources` ('self', https://partner.example, *),
    overriding the route's opt: for pages whose framers depend on what they show."""
    scope[FRAME_ANCESTORS_SCOPE_KEY] = tuple(sources)  # type: ignore[literal-required]


def _frame_ancestors(scope: Scope) -> str:
    value = scope.get(FRAME_ANCESTORS_SCOPE_KEY)
    if value is None:
        handler = scope.get("route_handler")  # absent when no route matched (router 404/405)
        value = handler.opt.get(FRAME_ANCESTORS_OPT) if handler is not None else None
    if isinstance(value, list | set | frozenset):
        value = tuple(value)  # hashable, for the cache
    return frame_ancestors_sources(value)


def _header(scope: Scope, name: bytes) -> str | None:
    values = [value.decode("latin-1") for key, value in scope.get("headers", ()) if key == name]
    return ",".join(values) if values else None


class SecurityHeaders:
    """Before-send hook: `Litestar(before_send=[SecurityHeaders(settings.trusted_proxies)])`.

    `trusted_proxies` is anything parse_trusted_proxies takes: "10.0.0.0/8, ::1", a list of such
    strings, or networks.

    Adds the security headers to every HTTP response, never replacing one the handler set itself:
    a route may send its own Cache-Control to allow caching, or its own CSP. Responses under
    `static_prefix` get no default Cache-Control (they hold no personal data).
    Routes opt into being framed with `opt={"frame_ancestors": "https://allowed.example"}`, or
    a handler decides for one response with `allow_framing(request.scope, sources)`.
    """

    def __init__(
        self, trusted_proxies: str | Iterable[str | Network] = (), static_prefix: str = "/static/"
    ) -> None:
        self.trusted_proxies = parse_trusted_proxies(trusted_proxies)
        self.static_prefix = static_prefix

    def is_https(self, scope: Scope) -> bool:
        client = scope.get("client")
        return request_is_https(
            scope.get("scheme", "http"),
            client[0] if client else None,
            _header(scope, b"x-forwarded-proto") if self.trusted_proxies else None,
            self.trusted_proxies,
        )

    async def __call__(self, message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = list(message.get("headers") or ())
        present = {name.lower() for name, _ in headers}
        frame_ancestors = _frame_ancestors(scope)
        csp = content_security_policy(frame_ancestors)
        added = [*FIXED_HEADERS, (b"content-security-policy", csp)]
        if frame_ancestors == "'none'":
            added.append((b"x-frame-options", b"DENY"))
        if not scope.get("path", "").startswith(self.static_prefix):
            added.append((b"cache-control", NO_STORE))
        if self.is_https(scope):
            added.append((b"strict-transport-security", HSTS))
        headers.extend(pair for pair in added if pair[0] not in present)
        message["headers"] = headers
