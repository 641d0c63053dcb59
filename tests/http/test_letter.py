"""The delivery letter, page and PDF: every publicly listed endorser, organizations first, and
nothing that is not public (pending, private, withdrawn, held, hidden, rejected, emails)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from litestar.testing import TestClient
from pypdf import PdfReader

from signon.app import create_app
from signon.settings import Settings
from tests.http.test_privacy import manage_path
from tests.support import (
    SmtpSink,
    confirm_path,
    deliver_mail,
    form_token,
    individual_form,
    make_campaign,
    organization_form,
    require_fallback_fonts,
    run_with_runtime,
)

HOSTILE = '<script>alert("x")</script> Mallory & "Co"'
LISTED_PEOPLE = {
    "ana@example.org": ("Ana Lima", "Porto, Portugal"),
    "olena@example.org": ("Олена Шевченко", "Київ, Україна"),
    "eleni@example.org": ("Ελένη Παππάς", "Αθήνα"),
    "nour@example.org": ("نور الهدى", "بيروت"),
    "jose@example.org": ("José Müller-Ñúñez", "Bogotá, Colombia"),
    "mallory@example.org": (HOSTILE, ""),
}
LISTED_ORGANIZATIONS = {
    "joan@riverfriends.example.org": ("Friends of the River", "riverfriends.example.org"),
    "salam@solidarity.example.org": ("جمعية التضامن", "solidarity.example.org"),
}
NOT_LISTED = {
    "pending@example.org": "Pending Pauline",
    "private@example.org": "Private Priya",
    "withdrawn@example.org": "Withdrawn Walter",
    "held@example.org": "Held Hannah",
    "hidden@example.org": "Hidden Hugo",
    "rejected@example.org": "Rejected Rita",
    "contact@unlisted-org.example.org": "Unlisted Organization",
}
CONTACT_PERSONS = ("Joan Contact", "Salma Contact")


def _sign_everyone(client: TestClient) -> None:
    for email, (name, place) in LISTED_PEOPLE.items():
        city, _, country = place.partition(", ")
        form = individual_form(email=email, name=name, city=city, country=country)
        assert client.post("/c/free-them/sign", data=form).status_code == 200
    for (email, (organization, website)), contact in zip(
        LISTED_ORGANIZATIONS.items(), CONTACT_PERSONS, strict=True
    ):
        form = organization_form(
            email=email, organization=organization, website=website, name=contact
        )
        assert client.post("/c/free-them/sign", data=form).status_code == 200
    unlisted = {
        "pending@example.org": individual_form(name="Pending Pauline"),
        "private@example.org": individual_form(name="Private Priya", display="private"),
        "withdrawn@example.org": individual_form(name="Withdrawn Walter"),
        # Sent too fast after the page was served: held for an organizer once confirmed.
        "held@example.org": individual_form(
            name="Held Hannah", form_token=form_token(seconds_ago=0.5)
        ),
        "hidden@example.org": individual_form(name="Hidden Hugo"),
        "rejected@example.org": individual_form(
            name="Rejected Rita", form_token=form_token(seconds_ago=0.5)
        ),
        "contact@unlisted-org.example.org": organization_form(
            organization="Unlisted Organization", display="private"
        ),
    }
    for email, form in unlisted.items():
        form["email"] = email
        assert client.post("/c/free-them/sign", data=form).status_code == 200


def _moderate(settings: Settings, actions: dict[str, str]) -> None:
    """Apply organizer actions (by the signer's name) through the moderation service."""

    async def act(runtime) -> None:  # type: ignore[no-untyped-def]
        from sqlalchemy import select

        from signon.db.models import Signature
        from signon.services.records import PersonalData

        campaign = await runtime.campaigns.get("free-them")
        user = await runtime.accounts.create_user("mod@example.org", "long enough password 1")
        async with runtime.db.read() as session:
            rows = list(await session.scalars(select(Signature)))
        names = {}
        for row in rows:
            personal = PersonalData.open(runtime.keyring, row.personal)
            if personal:
                names[personal.name] = row.id
        for name, action in actions.items():
            await runtime.moderation.act(campaign.id, names[name], action, user)

    run_with_runtime(settings, act)


@pytest.fixture
def cast(client: TestClient, settings: Settings, smtp_server: SmtpSink) -> None:
    """A campaign with listed endorsers of many scripts, and every kind of unlisted one."""
    make_campaign(settings, statement_md="We call for **justice** now.")
    _sign_everyone(client)
    deliver_mail(settings)
    for message in smtp_server.messages:
        if str(message["To"]) != "pending@example.org":
            assert client.post(confirm_path(message)).status_code == 200
    [withdrawn] = smtp_server.to("withdrawn@example.org")
    assert client.post(manage_path(withdrawn) + "/withdraw").status_code == 200
    _moderate(settings, {"Hidden Hugo": "hide", "Rejected Rita": "reject"})


def pdf_text(document: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(document))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def _secrets() -> list[str]:
    emails = [*LISTED_PEOPLE, *LISTED_ORGANIZATIONS, *NOT_LISTED]
    return [*emails, *NOT_LISTED.values(), *CONTACT_PERSONS, "Coordinator"]


@pytest.mark.parametrize(("paper", "size"), [("a4", (595, 842)), ("letter", (612, 792))])
def test_the_pdf_holds_every_public_endorser_and_nothing_private(
    client: TestClient, cast: None, paper: str, size: tuple[int, int]
) -> None:
    response = client.get(f"/c/free-them/letter.pdf?paper={paper}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="letter-free-them-{paper}.pdf"'
    )
    reader, text = pdf_text(response.content)
    for page in reader.pages:
        assert (round(page.mediabox.width), round(page.mediabox.height)) == size
    assert "Free them all" in text and "justice" in text
    counts = client.get("/api/campaigns/free-them").json()["counts"]
    assert counts["total"] == 11, "private and hidden signatures count, unnamed"
    assert (
        f"Endorsements: {counts['total']} (organizations: {counts['organizations']}, "
        f"individuals: {counts['individuals']})." in text
    )
    for organization, website in LISTED_ORGANIZATIONS.values():
        for word in (*organization.split(), website):
            assert word in text, word
    for name, place in LISTED_PEOPLE.values():
        for word in re.findall(r"\w+", name + " " + place):
            assert word in text, word
    for secret in _secrets():
        assert secret not in text, secret
    organizations_at = max(text.index(word) for word in ("River", "التضامن"))
    assert organizations_at < min(text.index(word) for word in ("Ana", "Олена", "Ελένη"))
    assert text.index("Organizations") < text.index("River") < text.index("Individuals")


def test_the_letter_page_holds_every_public_endorser_escaped_and_nothing_private(
    client: TestClient, cast: None
) -> None:
    response = client.get("/c/free-them/letter")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    page = response.text
    assert "<strong>justice</strong>" in page, "the statement keeps its (sanitised) markup"
    for organization, website in LISTED_ORGANIZATIONS.values():
        assert organization in page and website in page
    for name, place in LISTED_PEOPLE.values():
        if name != HOSTILE:
            assert name in page and place in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Mallory &amp; &#34;Co&#34;" in page
    for secret in _secrets():
        assert secret not in page, secret
    listed = re.findall(r'<li><bdi class="endorser-name">', page)
    assert len(listed) == len(LISTED_PEOPLE) + len(LISTED_ORGANIZATIONS), "no blank entries"
    assert page.index("Friends of the River") < page.index("Ana Lima")
    assert page.index("جمعية التضامن") < page.index("Ana Lima")
    # The print stylesheet for the chosen paper, and no inline style or script.
    assert "/static/letter-a4.css" in page
    letter = client.get("/c/free-them/letter?paper=letter").text
    assert "/static/letter-letter.css" in letter and "/static/letter-a4.css" not in letter
    assert " style=" not in page and "<style" not in page
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", page))


def test_print_stylesheets_set_the_page_size(client: TestClient) -> None:
    assert "size: A4" in client.get("/static/letter-a4.css").text
    assert "size: letter" in client.get("/static/letter-letter.css").text


def test_the_letter_speaks_the_readers_language(client: TestClient, cast: None) -> None:
    page = client.get("/c/free-them/letter?lang=fr").text
    assert '<html lang="fr"' in page
    assert "Organisations" in page
    _, text = pdf_text(client.get("/c/free-them/letter.pdf?lang=fr").content)
    assert "Organisations" in text
    assert re.search(r"\d{1,2} [a-zéû]+ 20\d\d", text), "the date is written the French way"


def test_names_follow_the_campaigns_display_mode(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings, name_display="initial")
    client.post("/c/free-them/sign", data=individual_form(name="Maya Okafor"))
    client.post("/c/free-them/sign", data=organization_form())
    deliver_mail(settings)
    for message in smtp_server.messages:
        client.post(confirm_path(message))
    page = client.get("/c/free-them/letter").text
    _, text = pdf_text(client.get("/c/free-them/letter.pdf").content)
    for shown in (page, text):
        assert "Maya O." in shown and "Okafor" not in shown
        assert "Friends of the River" in shown, "organizations keep their full name"


def test_an_empty_letter_says_nobody_is_listed_yet(client: TestClient, settings: Settings) -> None:
    make_campaign(settings)
    page = client.get("/c/free-them/letter").text
    assert page.count("No one is listed here yet.") == 2
    _, text = pdf_text(client.get("/c/free-them/letter.pdf?paper=letter").content)
    assert text.count("No one is listed here yet.") == 2


def test_bad_paper_and_unknown_or_draft_campaigns_get_clear_pages(
    client: TestClient, settings: Settings
) -> None:
    make_campaign(settings)
    make_campaign(settings, slug="not-yet", status="draft")
    for path in ("/c/free-them/letter?paper=a3", "/c/free-them/letter.pdf?paper=tabloid"):
        response = client.get(path)
        assert response.status_code == 400
        assert "The paper size must be a4 or letter." in response.text
    for path in ("/c/nothing-here/letter", "/c/not-yet/letter", "/c/not-yet/letter.pdf"):
        assert client.get(path).status_code == 404


def test_names_in_chinese_japanese_korean_and_devanagari_are_in_the_pdf(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    require_fallback_fonts()
    make_campaign(settings)
    people = {"wang": "王芳", "sato": "佐藤 さくら", "kim": "김민지", "priya": "प्रिया शर्मा"}
    for who, name in people.items():
        form = individual_form(email=f"{who}@example.org", name=name, city="東京")
        assert client.post("/c/free-them/sign", data=form).status_code == 200
    deliver_mail(settings)
    for message in smtp_server.messages:
        assert client.post(confirm_path(message)).status_code == 200
    _, text = pdf_text(client.get("/c/free-them/letter.pdf").content)
    for word in ("王芳", "佐藤", "さくら", "김민지", "東京"):
        assert word in text, word
    # Shaping reorders Devanagari's vowel signs: each glyph is there, not in typing order.
    assert set("प्रियाशर्मा") <= set(text)


@pytest.mark.parametrize(
    ("font", "fallback"),
    [("missing.ttf", None), ("not-a-font.ttf", None), (None, "missing.ttf")],
)
def test_without_a_usable_font_the_pdf_points_to_the_printable_page(
    settings: Settings, tmp_path: Path, font: str | None, fallback: str | None
) -> None:
    (tmp_path / "not-a-font.ttf").write_text("this is not a TrueType font")
    make_campaign(settings)
    app = create_app(
        settings.with_changes(
            pdf_font=tmp_path / font if font else None,
            pdf_fallback_fonts=(tmp_path / fallback,) if fallback else None,
        )
    )
    with TestClient(app=app, base_url="http://testserver.local") as client:
        response = client.get("/c/free-them/letter.pdf?paper=letter")
        assert response.status_code == 503
        assert response.headers["content-type"].startswith("text/html")
        assert "no font it can use for PDF files" in response.text
        assert 'href="/c/free-them/letter?paper=letter"' in response.text
        assert str(tmp_path) not in response.text, "the server's paths are not shown"
        assert client.get("/c/free-them/letter").status_code == 200


def test_a_statement_the_pdf_cannot_lay_out_comes_as_plain_text(
    client: TestClient, settings: Settings
) -> None:
    """fpdf2 sets no inline markup in a table header, nor a table wider than the page: the
    statement then comes as plain text instead of the public address failing."""
    header = "| **Charge** `art. 12` | Status |\n|---|---|\n| Obstruction | dropped |\n"
    wide = "|" + "|".join(f"c{n}" for n in range(40)) + "|\n|" + "---|" * 40 + "\n"
    make_campaign(settings, statement_md=f"We ask.\n\n{header}\n{wide}")
    response = client.get("/c/free-them/letter.pdf")
    assert response.status_code == 200
    _, text = pdf_text(response.content)
    for word in ("We ask.", "Charge", "art. 12", "Obstruction", "dropped", "c39"):
        assert word in text, word
