"""Signer mails are rendered once per campaign title and language and then given each
recipient's own links: the text must be exactly what rendering it for that recipient gives."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from signon.composer import MailComposer

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
composer = MailComposer(TEMPLATES, "https://sign.example.org")
titles = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=200)
links = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=120).map(
    lambda path: f"https://sign.example.org/confirm/{path}"
)
languages = st.sampled_from(["en", "fr", "ar", "de"])


@settings(max_examples=60)
@given(title=titles, confirm=links, manage=links, language=languages)
def test_a_mail_rendered_once_and_linked_reads_as_one_rendered_for_its_recipient(
    title: str, confirm: str, manage: str, language: str
) -> None:
    linked = composer.compose_linked(
        "confirm",
        "ana@example.org",
        language,
        links={"confirm_url": confirm, "manage_url": manage},
        campaign_title=title,
        valid_days=7,
    )
    direct = composer.compose(
        "confirm",
        "ana@example.org",
        language,
        campaign_title=title,
        valid_days=7,
        confirm_url=confirm,
        manage_url=manage,
    )
    assert linked == direct


def test_each_recipient_gets_only_their_own_links() -> None:
    mails = [
        composer.compose_linked(
            "already_signed",
            f"{name}@example.org",
            "en",
            links={"manage_url": f"https://sign.example.org/manage/{name}-token"},
            campaign_title="Drop the charges",
            campaign_url="https://sign.example.org/c/drop",
        )
        for name in ("ana", "ben")
    ]
    assert "/manage/ana-token" in mails[0].body_text
    assert "ben-token" not in mails[0].body_text
    assert "/manage/ben-token" in mails[1].body_text
    assert all("signon-link" not in mail.body_text for mail in mails)
    assert mails[0].subject == mails[1].subject == "You have already signed: Drop the charges"
