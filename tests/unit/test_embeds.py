"""Origins for embeds: what organizers may list, what a Referer yields, what is recorded."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signon.embeds import (
    OriginError,
    frame_ancestors,
    origin_of_referer,
    parse_origin,
    parse_origin_lines,
    signature_source,
)
from signon.web.security import frame_ancestors_sources


@pytest.mark.parametrize(
    ("text", "origin"),
    [
        ("https://partner.example", "https://partner.example"),
        (" HTTPS://Partner.Example/ ", "https://partner.example"),
        ("https://partner.example:443", "https://partner.example"),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
    ],
)
def test_bare_origins_are_tidied(text: str, origin: str) -> None:
    assert parse_origin(text) == origin


@pytest.mark.parametrize(
    "text",
    [
        "partner.example",
        "https://partner.example/petition",
        "https://partner.example/?a",
        "https://partner.example#top",
        "https://me:secret@partner.example",
        "https://*.partner.example",
        "javascript://partner.example",
        "https://partner.example:0",
        "https://partner.example:70000",
        "https://[::1]",
        "https://partner.example; script-src *",
        "https://-bad-.example",
        "https://" + "a" * 300 + ".example",
    ],
)
def test_anything_but_a_bare_origin_is_refused(text: str) -> None:
    with pytest.raises(OriginError):
        parse_origin(text)


@given(st.text(max_size=120))
def test_whatever_passes_is_a_safe_frame_ancestors_source(text: str) -> None:
    try:
        origin = parse_origin(text)
    except OriginError:
        return
    assert frame_ancestors_sources((origin,)) == origin, "never falls back to 'none'"
    assert parse_origin(origin) == origin


def test_lines_name_the_first_bad_one_and_drop_duplicates() -> None:
    good = parse_origin_lines("https://a.example\n\nhttps://A.example/\nhttp://b.example:8080\n")
    assert good.origins == ("https://a.example", "http://b.example:8080") and good.error is None
    bad = parse_origin_lines("https://a.example\nhttps://b.example/page")
    assert bad.error is not None and bad.error.startswith("Line 2 (https://b.example/page)")


def test_the_referer_gives_only_its_origin() -> None:
    assert origin_of_referer("https://partner.example/news/1?id=2#x") == "https://partner.example"
    assert origin_of_referer("http://127.0.0.1:8123/host.html") == "http://127.0.0.1:8123"
    for referer in (None, "", "about:blank", "not a url", "https://x.example/" + "a" * 3000):
        assert origin_of_referer(referer) is None


def test_only_an_allowed_origin_is_recorded() -> None:
    listed = ("https://partner.example",)
    assert signature_source("https://partner.example", listed, False) == (
        "embed:https://partner.example"
    )
    assert signature_source("https://other.example", listed, False) == "embed"
    assert signature_source("https://other.example", (), True) == "embed:https://other.example"
    assert signature_source('"><script>', (), True) == "embed"
    assert signature_source(None, listed, False) == "embed"
    assert frame_ancestors(listed, False) == ("'self'", "https://partner.example")
    assert frame_ancestors(listed, True) == ("*",)
