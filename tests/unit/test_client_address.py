"""Whom to believe behind a reverse proxy: the client address and whether the request used TLS.

Forwarded headers are written by whoever sends the request; only a configured trusted proxy's
word counts. Getting this wrong lets a flooder pose as endless different clients (rate limits)
or pin a victim's address.
"""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st
from litestar import Request

from signon.web.security import (
    UNKNOWN_CLIENT,
    client_address,
    parse_trusted_proxies,
    request_client_address,
    request_is_https,
)

TRUSTED = parse_trusted_proxies("127.0.0.1, 10.0.0.0/8, fd00::/8")


def test_parses_addresses_and_networks() -> None:
    assert parse_trusted_proxies(" 127.0.0.1 , 10.0.0.0/8,::1,, 2001:db8::/32 ") == (
        ipaddress.ip_network("127.0.0.1/32"),
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
        ipaddress.ip_network("2001:db8::/32"),
    )
    assert parse_trusted_proxies("") == ()
    assert parse_trusted_proxies(["192.0.2.0/24", "::1"]) == (
        ipaddress.ip_network("192.0.2.0/24"),
        ipaddress.ip_network("::1"),
    )
    assert parse_trusted_proxies(TRUSTED) == TRUSTED, "networks pass through unchanged"
    with pytest.raises(ValueError, match="trusted proxy '5'"):
        parse_trusted_proxies([5])  # type: ignore[list-item]  # a number in the TOML file


@pytest.mark.parametrize(
    "spec", ["localhost", "10.0.0.1/8", "10.0.0.0/33", "300.1.1.1", "10.0.0.0/8; 127.0.0.1", "*"]
)
def test_invalid_trusted_proxy_names_the_entry(spec: str) -> None:
    with pytest.raises(ValueError, match="trusted proxy") as error:
        parse_trusted_proxies(f"127.0.0.1, {spec}")
    assert repr(spec.strip()) in str(error.value)


def test_untrusted_peer_is_the_client_whatever_it_forwards() -> None:
    assert client_address("203.0.113.9", "198.51.100.1", TRUSTED) == "203.0.113.9"
    assert client_address("203.0.113.9", "10.0.0.1", TRUSTED) == "203.0.113.9"
    assert client_address("203.0.113.9", None, TRUSTED) == "203.0.113.9"
    assert client_address("127.0.0.1", "198.51.100.1", ()) == "127.0.0.1", "nothing trusted"


def test_trusted_proxy_passes_on_the_client() -> None:
    assert client_address("127.0.0.1", "198.51.100.7", TRUSTED) == "198.51.100.7"
    assert client_address("127.0.0.1", " 198.51.100.7 ", TRUSTED) == "198.51.100.7"


def test_chain_of_trusted_proxies_is_walked_from_the_right() -> None:
    # client -> CDN edge (10.1.1.1) -> load balancer (10.2.2.2) -> nginx (127.0.0.1) -> app
    assert client_address("127.0.0.1", "198.51.100.7, 10.1.1.1, 10.2.2.2", TRUSTED) == (
        "198.51.100.7"
    )


def test_spoofed_leftmost_entries_are_ignored() -> None:
    # The client sent "X-Forwarded-For: 1.2.3.4, 10.9.9.9"; the proxy appended the real address.
    forwarded = "1.2.3.4, 10.9.9.9, 198.51.100.7"
    assert client_address("127.0.0.1", forwarded, TRUSTED) == "198.51.100.7"


def test_only_trusted_hops_means_the_leftmost_of_them() -> None:
    assert client_address("127.0.0.1", "10.0.0.5", TRUSTED) == "10.0.0.5"
    assert client_address("127.0.0.1", "", TRUSTED) == "127.0.0.1"
    assert client_address("127.0.0.1", None, TRUSTED) == "127.0.0.1"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("garbage", "127.0.0.1"),
        ("unknown, 10.0.0.2", "10.0.0.2"),
        ("198.51.100.7, not-an-ip, 10.0.0.2", "10.0.0.2"),
        ("198.51.100.7,,10.0.0.2", "10.0.0.2"),
        ("198.51.100.7, 10.0.0.2, 999.1.1.1", "127.0.0.1"),
        ("198.51.100.7, 10.0.0.2 10.0.0.3", "127.0.0.1"),
        ("\x00\xff, 198.51.100.7", "198.51.100.7"),
        ("198.51.100.7, " + ",".join(["10.0.0.9"] * 1000), "10.0.0.9"),
    ],
)
def test_malformed_entries_stop_at_the_last_valid_hop(forwarded: str, expected: str) -> None:
    assert client_address("127.0.0.1", forwarded, TRUSTED) == expected


def test_ports_and_brackets_some_proxies_add() -> None:
    assert client_address("127.0.0.1", "198.51.100.7:51234", TRUSTED) == "198.51.100.7"
    assert client_address("127.0.0.1", "[2001:db8::7]:443", TRUSTED) == "2001:db8::7"
    assert client_address("127.0.0.1", "[2001:db8::7]", TRUSTED) == "2001:db8::7"
    assert client_address("127.0.0.1", "[2001:db8::7]x", TRUSTED) == "127.0.0.1"


def test_ipv6() -> None:
    assert client_address("fd00::1", "2001:db8::7, fd12::3", TRUSTED) == "2001:db8::7"
    assert client_address("2001:DB8:0:0::9", "198.51.100.7", TRUSTED) == "2001:db8::9"
    assert client_address("::1", "198.51.100.7", TRUSTED) == "::1", "::1 is not in TRUSTED"
    # A dual-stack listener reports IPv4 peers as IPv4-mapped IPv6 addresses.
    assert client_address("::ffff:127.0.0.1", "198.51.100.7", TRUSTED) == "198.51.100.7"
    assert client_address("::ffff:203.0.113.9", None, TRUSTED) == "203.0.113.9"


def test_peer_that_is_not_an_address_is_untrusted() -> None:
    # Litestar's TestClient reports its peer as "testclient"; a Unix socket reports none.
    assert client_address("testclient", "198.51.100.7", TRUSTED) == "testclient"
    assert client_address(None, "198.51.100.7", TRUSTED) == UNKNOWN_CLIENT
    assert client_address("", "198.51.100.7", TRUSTED) == UNKNOWN_CLIENT


@given(
    peer=st.ip_addresses().filter(lambda ip: ip.version == 4 or ip.ipv4_mapped is None),
    forwarded=st.one_of(
        st.none(),
        st.text(),
        st.lists(st.ip_addresses().map(str)).map(", ".join),
    ),
)
def test_untrusted_peer_always_gets_its_own_address(
    peer: ipaddress.IPv4Address | ipaddress.IPv6Address, forwarded: str | None
) -> None:
    trusted = parse_trusted_proxies("10.0.0.0/8, fd00::/8")
    if any(peer in network for network in trusted):
        return
    assert client_address(str(peer), forwarded, trusted) == str(peer)


@given(forwarded=st.text())
def test_trusted_peer_never_raises_and_answers_an_address(forwarded: str) -> None:
    answer = client_address("127.0.0.1", forwarded, TRUSTED)
    ipaddress.ip_address(answer)


def test_https_from_the_scheme_or_a_trusted_proxy_only() -> None:
    assert request_is_https("https", "203.0.113.9", None, ())
    assert request_is_https("wss", None, None, ())
    assert not request_is_https("http", "203.0.113.9", None, TRUSTED)
    assert request_is_https("http", "127.0.0.1", "https", TRUSTED)
    assert request_is_https("http", "10.3.3.3", "HTTPS", TRUSTED)
    assert not request_is_https("http", "127.0.0.1", "http", TRUSTED)
    assert not request_is_https("http", "203.0.113.9", "https", TRUSTED), "untrusted peer"
    assert not request_is_https("http", "testclient", "https", TRUSTED)
    assert not request_is_https("http", None, "https", TRUSTED)
    assert not request_is_https("http", "127.0.0.1", "https", ()), "nothing trusted"


def test_https_from_a_chain_is_what_the_nearest_proxy_says() -> None:
    assert request_is_https("http", "127.0.0.1", "http, https", TRUSTED)
    assert not request_is_https("http", "127.0.0.1", "https, http", TRUSTED)


def _request(peer: tuple[str, int] | None, headers: list[tuple[bytes, bytes]]) -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": b"",
        "headers": headers,
        "client": peer,
    }
    return Request(scope)  # type: ignore[arg-type]


def test_request_helper_reads_the_peer_and_every_forwarded_for_header() -> None:
    headers = [(b"x-forwarded-for", b"1.2.3.4, 198.51.100.7"), (b"x-forwarded-for", b"10.0.0.2")]
    assert request_client_address(_request(("127.0.0.1", 5000), headers), TRUSTED) == (
        "198.51.100.7"
    )
    assert request_client_address(_request(("203.0.113.9", 5000), headers), TRUSTED) == (
        "203.0.113.9"
    )
    assert request_client_address(_request(None, headers), TRUSTED) == UNKNOWN_CLIENT
    assert request_client_address(_request(("127.0.0.1", 5000), []), TRUSTED) == "127.0.0.1"
