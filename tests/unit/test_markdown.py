"""Campaign statements: Markdown renders to safe HTML, whatever an organizer pastes in."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signon.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown

SAFE_SCHEMES = ("http:", "https:", "mailto:")


class _Elements(HTMLParser):
    """Every start tag with its attributes, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag


def elements(rendered: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(rendered)
    parser.close()
    return parser.elements


def links(rendered: str) -> list[dict[str, str]]:
    return [attrs for tag, attrs in elements(rendered) if tag == "a"]


def _scheme(href: str) -> str | None:
    """The scheme a browser would follow, as the URL standard reads it.

    Browsers drop leading control characters and spaces, and tabs and newlines anywhere; a
    string that does not start with a valid scheme name and a colon is a relative URL.
    """
    cleaned = html.unescape(href).lstrip("".join(map(chr, range(0x21))))
    cleaned = re.sub("[\t\n\r]", "", cleaned).lower()
    match = re.match(r"([a-z][a-z0-9+.\-]*):", cleaned)
    return match[1] + ":" if match else None


def assert_safe(rendered: str) -> None:
    assert "<script" not in rendered.lower()
    for tag, attrs in elements(rendered):
        assert tag in ALLOWED_TAGS
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        assert set(attrs) <= allowed, (tag, attrs)
        if "href" in attrs:
            assert _scheme(attrs["href"]) in (None, *SAFE_SCHEMES), attrs["href"]


# --- what renders ---------------------------------------------------------------------------------


def test_paragraphs_and_emphasis_render() -> None:
    rendered = render_markdown("We ask for *clean* rivers and **now**.\n\nSecond paragraph.")

    assert "<em>clean</em>" in rendered
    assert "<strong>now</strong>" in rendered
    assert rendered.count("<p>") == 2


def test_headings_lists_quotes_and_code_render() -> None:
    source = "# Demands\n\n1. One\n2. Two\n\n- a\n- b\n\n> quoted\n\n`code`\n\n---\n"

    tags = {tag for tag, _ in elements(render_markdown(source))}

    assert {"h1", "ol", "ul", "li", "blockquote", "code", "hr"} <= tags


def test_an_ordered_list_keeps_its_start_number() -> None:
    assert '<ol start="3">' in render_markdown("3. three\n4. four\n")


def test_strikethrough_renders() -> None:
    assert "<s>old</s>" in render_markdown("~~old~~ new")


def test_tables_render() -> None:
    rendered = render_markdown("| Town | Signers |\n|---|---|\n| Lyon | 12 |\n")

    tags = [tag for tag, _ in elements(rendered)]
    assert tags[:1] == ["table"]
    assert {"thead", "tbody", "tr", "th", "td"} <= set(tags)
    assert "<td>Lyon</td>" in rendered


def test_table_cells_carry_no_inline_style() -> None:
    # Alignment would need inline style, which the Content-Security-Policy forbids anyway.
    rendered = render_markdown("| Town | Signers |\n|:---|---:|\n| Lyon | 12 |\n")

    cells = [attrs for tag, attrs in elements(rendered) if tag in {"th", "td"}]
    assert cells and not any("style" in attrs for attrs in cells)


def test_links_render_with_rel_noopener_noreferrer_nofollow() -> None:
    source = '[our site](https://example.org/about "About us") and <https://example.org>'
    rendered = render_markdown(source)

    found = links(rendered)
    assert [a["href"] for a in found] == ["https://example.org/about", "https://example.org"]
    for a in found:
        assert set(a["rel"].split()) == {"noopener", "noreferrer", "nofollow"}
    assert found[0]["title"] == "About us"


def test_mailto_and_relative_links_are_kept() -> None:
    found = links(render_markdown("[write](mailto:team@example.org) [faq](/faq)"))

    assert [a["href"] for a in found] == ["mailto:team@example.org", "/faq"]


# --- what is removed or escaped -------------------------------------------------------------------


def test_raw_html_is_shown_as_text() -> None:
    rendered = render_markdown("Hello <b>bold</b> <script>alert(1)</script>")

    assert "&lt;b&gt;bold&lt;/b&gt;" in rendered
    assert "&lt;script&gt;" in rendered
    assert "<script" not in rendered
    assert [tag for tag, _ in elements(rendered)] == ["p"]


def test_an_html_block_is_shown_as_text() -> None:
    rendered = render_markdown('<div onclick="steal()">\n<script>alert(1)</script>\n</div>\n')

    assert "<script" not in rendered
    assert "<div" not in rendered
    assert all(not name.startswith("on") for _, attrs in elements(rendered) for name in attrs)


@pytest.mark.parametrize(
    "source",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](jav&#x61;script:alert(1))",
        "[click](java%0ascript:alert(1))",
        "[click]( javascript:alert(1) )",
        "<javascript:alert(1)>",
        "[click][ref]\n\n[ref]: javascript:alert(1)",
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ],
)
def test_links_with_unsafe_schemes_do_not_become_links(source: str) -> None:
    rendered = render_markdown(source)

    assert_safe(rendered)
    assert all(_scheme(a.get("href", "")) in (None, *SAFE_SCHEMES) for a in links(rendered))


def test_images_are_not_embedded() -> None:
    rendered = render_markdown("![tracker](https://tracker.example/pixel.png)")

    assert "<img" not in rendered
    assert "tracker.example" not in rendered


def test_event_handler_attributes_never_survive() -> None:
    rendered = render_markdown(
        '<a href="https://example.org" onmouseover="x()">hi</a> '
        '[a](https://e.org "t\\" onclick=\\"x()")'
    )

    assert_safe(rendered)
    assert all(not name.startswith("on") for _, attrs in elements(rendered) for name in attrs)


# --- properties -----------------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        "<script>",
        "</script>",
        "<SCRIPT ",
        "javascript:",
        "JaVaScript:",
        "jav&#x61;script:",
        "&#106;",
        "vbscript:",
        "data:",
        "[x](",
        "](",
        ")",
        "[r]: ",
        "<",
        ">",
        "<a href=",
        "<img src=x ",
        "onerror=",
        "onclick=",
        '"',
        "'",
        "`",
        "```\n",
        "*",
        "**",
        "~~",
        "|",
        "|---|\n",
        "\n",
        "\n\n",
        " ",
        "\t",
        ":",
        "/",
        "//",
        "%0a",
        "&",
        "#",
        "!",
        "mailto:",
        "https://e.org",
        "\x00",
        "\u202e",
    ]
)
MARKDOWNISH = st.lists(FRAGMENTS | st.text(max_size=8), max_size=30).map("".join)


@settings(max_examples=200)
@given(st.text() | MARKDOWNISH)
def test_the_output_never_has_scripts_handlers_or_unsafe_links(source: str) -> None:
    assert_safe(render_markdown(source))


@settings(max_examples=200)
@given(MARKDOWNISH)
def test_no_link_ever_uses_the_javascript_scheme(source: str) -> None:
    rendered = render_markdown(source)

    assert "<script" not in rendered.lower()
    assert not any(_scheme(a.get("href", "")) == "javascript:" for a in links(rendered))
