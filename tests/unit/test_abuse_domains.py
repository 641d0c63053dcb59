"""Email domain policy: listed domains and all their subdomains, however they are spelled."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signon.abuse.domains import DomainPolicy, load_domain_list, normalise_domain

SHIPPED_LIST = Path(__file__).resolve().parents[2] / "config" / "disposable_domains.txt"


@pytest.fixture
def policy() -> DomainPolicy:
    return DomainPolicy(blocked={"harass.example"}, disposable={"mailinator.com", "straße.de"})


@pytest.mark.parametrize(
    "domain",
    [
        "mailinator.com",
        "MAILINATOR.COM",
        "Mailinator.Com.",
        "  mailinator.com  ",
        "mail.mailinator.com",
        "a.b.c.mailinator.com",
        "ｍａｉｌｉｎａｔｏｒ．ｃｏｍ",  # full-width letters and full stop
        "mailinator。com",  # ideographic full stop
        "someone@mailinator.com",
        "odd_label.mailinator.com",  # not valid IDNA, still under a listed domain
    ],
)
def test_listed_domains_and_their_subdomains_are_disposable(
    policy: DomainPolicy, domain: str
) -> None:
    assert policy.classify(domain) == "disposable"


@pytest.mark.parametrize(
    "domain",
    [
        "notmailinator.com",  # a suffix of the text, not a parent domain
        "mailinator.com.evil.example",
        "mailinator.co",
        "mailinatorcom",
        "com",
        "gmail.com",
        "",
        ".",
        "a..mailinator.com",
    ],
)
def test_other_domains_are_not(policy: DomainPolicy, domain: str) -> None:
    assert policy.classify(domain) is None


@pytest.mark.parametrize(
    "domain", ["straße.de", "STRAßE.DE", "XN--STRAE-OQA.de", "post.xn--strae-oqa.de"]
)
def test_unicode_and_punycode_spellings_are_one_domain(policy: DomainPolicy, domain: str) -> None:
    assert policy.classify(domain) == "disposable"


def test_idna_2008_keeps_sharp_s_apart_from_ss(policy: DomainPolicy) -> None:
    # IDNA 2003 (Python's built-in codec) would fold straße.de into strasse.de, another domain.
    assert policy.classify("strasse.de") is None


def test_blocked_domains_are_blocked_and_win_over_disposable() -> None:
    policy = DomainPolicy(blocked={"example.net"}, disposable={"spam.example.net"})

    assert policy.classify("spam.example.net") == "blocked"
    assert policy.classify("mx.spam.example.net") == "blocked"
    assert policy.classify("example.net") == "blocked"
    assert policy.classify("example.org") is None


def test_list_entries_are_normalised_too() -> None:
    policy = DomainPolicy(blocked={" Harass.Example. ", "", "  ", ".", "XN--STRAE-OQA.DE"})

    assert policy.classify("mx.harass.example") == "blocked"
    assert policy.classify("straße.de") == "blocked"


def test_a_whole_top_level_domain_can_be_listed() -> None:
    assert DomainPolicy(blocked={"invalid"}).classify("x.y.invalid") == "blocked"


def test_an_empty_policy_lets_everything_through() -> None:
    assert DomainPolicy().classify("mailinator.com") is None


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Example.ORG.", "example.org"),
        ("..example.org..", "example.org"),
        ("Bücher.example", "xn--bcher-kva.example"),
        ("person@Example.org", "example.org"),
        ("", None),
        ("a..b", None),
        ("x" * 2000, None),
        (None, None),
        (42, None),
    ],
)
def test_normalise_domain(raw: object, normal: str | None) -> None:
    assert normalise_domain(raw) == normal


@given(st.one_of(st.text(max_size=300), st.none(), st.integers(), st.binary()))
def test_classify_never_raises(raw: object) -> None:
    policy = DomainPolicy(blocked={"example.net"}, disposable={"mailinator.com"})

    assert policy.classify(raw) in {None, "blocked", "disposable"}


@given(st.lists(st.text(alphabet="abcxyz-0", min_size=1, max_size=8), min_size=1, max_size=4))
def test_every_subdomain_of_a_listed_domain_matches(labels: list[str]) -> None:
    policy = DomainPolicy(disposable={"mailinator.com"})

    assert policy.classify(".".join([*labels, "mailinator", "com"])) == "disposable"


def test_load_domain_list_reads_lines_comments_and_blanks(tmp_path: Path) -> None:
    listing = tmp_path / "domains.txt"
    listing.write_text(
        "# a comment line\n"
        "\n"
        "mailinator.com\n"
        "  YOPMAIL.com.  # an inline comment\n"
        "straße.de\r\n"
        "   \n"
        "#commented.example\n",
        encoding="utf-8",
    )

    assert load_domain_list(listing) == {"mailinator.com", "yopmail.com", "xn--strae-oqa.de"}


def test_a_missing_list_is_an_error_not_an_empty_list(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        load_domain_list(tmp_path / "absent.txt")


def test_the_shipped_list_catches_the_well_known_services() -> None:
    policy = DomainPolicy(disposable=load_domain_list(SHIPPED_LIST))

    for domain in (
        "mailinator.com",
        "guerrillamail.com",
        "10minutemail.com",
        "yopmail.com",
        "temp-mail.org",
        "trashmail.com",
        "sharklasers.com",
        "getnada.com",
        "dispostable.com",
        "maildrop.cc",
    ):
        assert policy.classify(f"inbox.{domain}") == "disposable", domain


def test_the_shipped_list_spares_real_providers_and_private_aliases() -> None:
    shipped = load_domain_list(SHIPPED_LIST)
    policy = DomainPolicy(disposable=shipped)

    assert len(shipped) >= 150
    for domain in (
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "proton.me",
        "protonmail.com",
        "tutanota.com",
        "posteo.de",
        "riseup.net",
        "disroot.org",
        "gmx.de",
        "web.de",
        "mail.ru",
        "yandex.ru",
        "qq.com",
        "fastmail.com",
        "mailbox.org",
        "duck.com",
        "mozmail.com",
        "simplelogin.com",
        "addy.io",
        "anonaddy.me",
        "33mail.com",
    ):
        assert policy.classify(domain) is None, domain


def test_the_shipped_list_is_tidy() -> None:
    lines = [
        line.strip()
        for line in SHIPPED_LIST.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]

    assert len(lines) == len(set(lines)), "duplicate entries"
    assert all(normalise_domain(line) == line for line in lines), "entries not in normal form"


@given(st.text(st.characters(max_codepoint=127), min_size=1, max_size=80))
def test_an_ascii_label_is_what_idna_or_its_fallback_makes_of_it(label: str) -> None:
    """ASCII labels skip the IDNA codec (tens of microseconds a call): the result must be
    what the codec gives, or the fallback for what the codec refuses."""
    import unicodedata

    import idna

    from signon.abuse.domains import _ascii_label

    try:
        expected = idna.encode(label, uts46=True).decode("ascii")
    except (UnicodeError, ValueError):
        expected = unicodedata.normalize("NFKC", label).casefold()
    assert _ascii_label(label) == expected
