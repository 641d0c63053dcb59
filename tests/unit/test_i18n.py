"""Choosing a language, pinning it in links, and speaking it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signon import i18n


@pytest.mark.parametrize(
    ("requested", "header", "chosen"),
    [
        ("ar", "fr", "ar"),
        ("AR", None, "ar"),
        ("xx", "nl-BE,nl;q=0.9", "nl"),
        (None, "de;q=0.2, es;q=0.8", "es"),
        (None, "es;q=0, fr;q=0.1", "fr"),
        (None, "*", "en"),
        (None, "", "en"),
        (None, "fr;q=abc, de", "de"),
    ],
)
def test_the_url_then_the_browser_then_english(
    requested: str | None, header: str | None, chosen: str
) -> None:
    assert i18n.choose(requested, header) == chosen


@given(st.text(max_size=300), st.one_of(st.none(), st.text(max_size=10)))
def test_any_header_gives_a_language_we_speak(header: str, requested: str | None) -> None:
    assert i18n.choose(requested, header) in i18n.LANGUAGES


def test_links_pin_the_language_and_keep_their_own_query() -> None:
    with i18n.using("fr"):
        assert i18n.localized("/c/x/endorsers?type=individual") == (
            "/c/x/endorsers?type=individual&lang=fr"
        )
        assert i18n.localized("/c/x?lang=de") == "/c/x?lang=fr"
    assert i18n.localized("/c/x?lang=de") == "/c/x"
    assert i18n.localized("/c/x", "en", pin=True) == "/c/x?lang=en"


def test_text_numbers_and_direction_follow_the_language_of_the_moment() -> None:
    with i18n.using("de"):
        assert i18n.gettext("Sign") != "Sign"
        assert i18n.format_number(1234567) == "1.234.567"
        assert i18n.direction() == "ltr"
    with i18n.using("ar"):
        assert i18n.direction() == "rtl"
    with i18n.using("klingon"):
        assert i18n.current() == "en" and i18n.gettext("Sign") == "Sign"
