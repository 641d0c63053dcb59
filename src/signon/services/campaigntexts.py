"""A campaign's own texts in more languages: what organizers write, and which one a reader sees.

The campaign row holds the texts in the campaign's own language; each `campaign_texts` row holds
them in one more language. A reader or signer gets the texts in their language when a
translation exists, else the campaign's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, select, update
from sqlalchemy.exc import IntegrityError

from signon.db import Database
from signon.db.models import Campaign, CampaignText, Signature, utcnow
from signon.i18n import LANGUAGES, gettext, native_name
from signon.markdown import render_markdown
from signon.services.pagecache import PageCache

MAX_TITLE = 200
MAX_TEXT = 50_000


@dataclass(frozen=True, slots=True)
class Texts:
    """A campaign's title, statement and thank-you text in one language."""

    language: str
    title: str
    statement_md: str
    statement_html: str
    thank_you_md: str | None = None
    thank_you_html: str | None = None

    @classmethod
    def of(cls, row: CampaignText) -> Texts:
        return cls(
            language=row.language,
            title=row.title,
            statement_md=row.statement_md,
            statement_html=row.statement_html,
            thank_you_md=row.thank_you_md,
            thank_you_html=row.thank_you_html,
        )


def first_thank_you(*candidates: tuple[str | None, str]) -> tuple[str, str] | None:
    """(html, language) of the first thank-you text written: the reader's language first,
    then the campaign's own (an organizer's message in another language beats none)."""
    for html, language in candidates:
        if html:
            return html, language
    return None


# A signer's confirmation page and mail name the campaign in the language they signed in:
# the campaign's columns, and those of its translation into that language if there is one.
SIGNER_TEXT_COLUMNS = (
    Campaign.title,
    Campaign.language.label("campaign_language"),
    Campaign.thank_you_html,
    CampaignText.language.label("text_language"),
    CampaignText.title.label("text_title"),
    CampaignText.thank_you_html.label("text_thank_you_html"),
)


def with_signer_texts(query: Select[Any]) -> Select[Any]:
    """`query` (over signatures) joined to the translation into each signer's language."""
    return query.outerjoin(
        CampaignText,
        (CampaignText.campaign_id == Signature.campaign_id)
        & (CampaignText.language == Signature.language),
    )


def signer_texts(row: Any) -> dict[str, Any]:
    """The ConfirmView fields for a row selected with SIGNER_TEXT_COLUMNS."""
    translated = row.text_language is not None
    thank_you = first_thank_you(
        (row.text_thank_you_html, row.text_language), (row.thank_you_html, row.campaign_language)
    )
    return {
        "campaign_title": row.text_title if translated else row.title,
        "title_language": row.text_language if translated else row.campaign_language,
        "thank_you_html": thank_you[0] if thank_you else None,
        "thank_you_language": thank_you[1] if thank_you else None,
    }


def thank_you_columns(source: str) -> dict[str, str | None]:
    """The thank-you text is optional: nothing written stores nothing."""
    if not source.strip():
        return {"thank_you_md": None, "thank_you_html": None}
    return {"thank_you_md": source, "thank_you_html": render_markdown(source)}


def text_problems(title: str, statement_md: str, thank_you_md: str) -> dict[str, str]:
    """The limits every set of texts meets, whatever its language (field -> message)."""
    found = {}
    if not title.strip() or len(title) > MAX_TITLE:
        found["title"] = gettext("A title of 1 to 200 characters.")
    if not statement_md.strip():
        found["statement_md"] = gettext("The statement cannot be empty.")
    elif len(statement_md) > MAX_TEXT:
        found["statement_md"] = gettext("The statement is limited to 50,000 characters.")
    if len(thank_you_md) > MAX_TEXT:
        found["thank_you_md"] = gettext("The thank-you text is limited to 50,000 characters.")
    return found


@dataclass(frozen=True, slots=True)
class TextSpec:
    """A translation as an organizer wrote it."""

    language: str
    title: str
    statement_md: str
    thank_you_md: str = ""

    def problems(self) -> dict[str, str]:
        found = text_problems(self.title, self.statement_md, self.thank_you_md)
        if self.language not in LANGUAGES:
            found["language"] = gettext("Choose one of the languages offered.")
        return found

    def columns(self) -> dict[str, object]:
        return {
            "title": self.title.strip(),
            "statement_md": self.statement_md,
            "statement_html": render_markdown(self.statement_md),
            **thank_you_columns(self.thank_you_md),
        }


class TextError(ValueError):
    """A translation cannot be saved as asked: `field` says where, the message why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class CampaignTextService:
    def __init__(self, db: Database, cache: PageCache | None = None) -> None:
        self.db = db
        self.cache = cache or PageCache(0)

    async def add(self, campaign_id: int, slug: str, spec: TextSpec) -> Texts:
        """A translation into a language the campaign has no text in yet."""
        _raise_problems(spec)
        row = CampaignText(campaign_id=campaign_id, language=spec.language, **spec.columns())
        try:
            async with self.db.write() as session:
                own = await session.scalar(
                    select(Campaign.language).where(Campaign.id == campaign_id)
                )
                if own == spec.language:
                    raise TextError(
                        "language", gettext("The campaign itself is written in this language.")
                    )
                session.add(row)
        except IntegrityError as error:
            raise TextError(
                "language",
                gettext(
                    "There is already a translation into %(language)s.",
                    language=native_name(spec.language),
                ),
            ) from error
        self.cache.forget(("campaign", slug))
        return Texts.of(row)

    async def change(self, campaign_id: int, slug: str, spec: TextSpec) -> Texts:
        _raise_problems(spec)
        async with self.db.write() as session:
            row = await session.scalar(
                update(CampaignText)
                .where(
                    CampaignText.campaign_id == campaign_id,
                    CampaignText.language == spec.language,
                )
                .values(updated_at=utcnow(), **spec.columns())
                .returning(CampaignText)
            )
            if row is None:
                raise TextError("language", gettext("There is no translation into this language."))
            texts = Texts.of(row)
        self.cache.forget(("campaign", slug))
        return texts

    async def remove(self, campaign_id: int, slug: str, language: str) -> bool:
        async with self.db.write() as session:
            removed = await session.execute(
                delete(CampaignText).where(
                    CampaignText.campaign_id == campaign_id, CampaignText.language == language
                )
            )
        self.cache.forget(("campaign", slug))
        return bool(removed.rowcount)  # type: ignore[attr-defined]


def _raise_problems(spec: TextSpec) -> None:
    if problems := spec.problems():
        field, message = next(iter(problems.items()))
        raise TextError(field, message)
