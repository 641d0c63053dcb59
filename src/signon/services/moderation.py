"""The moderation queue and its actions. Every action is recorded with who and when, and the
public counts move by the same rules as everywhere else (services.records)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, Select, literal_column, select

from signon.crypto import Keyring
from signon.db import Database
from signon.db.models import Campaign, ModerationEvent, Signature, utcnow
from signon.forms import clean_text, text_problem
from signon.i18n import gettext
from signon.services.lookalikes import OrganizationNames
from signon.services.namefix import is_a_correction
from signon.services.records import PersonalData, apply_visibility, counts, move_counter

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

ACTIONS = {"approve": "approved", "reject": "rejected", "hide": "hidden", "unhide": "approved"}
FILTERS = ("waiting", "suspicious", "organizations", "individuals", "hidden", "rejected")
QUEUE_LIMIT = 200
# Written into the SQL as a literal, not bound: the partial index of moderated signatures
# (ix_signatures_moderated) is only used when the query repeats its condition word for word.
_UNMODERATED = literal_column("'none'")


class ModerationError(ValueError):
    pass


class NameNotCorrected(ModerationError):
    """The corrected name given is not one: the page says so beside the field."""


@dataclass(frozen=True, slots=True)
class QueueItem:
    id: int
    signer_type: str
    status: str
    moderation: str
    flag_reason: str | None
    display: str
    personal: PersonalData | None
    public_name: str | None
    created_at: object
    confirmed_at: object
    domain_matches: bool | None = None  # contact's email domain vs. the organization's website
    similar_names: tuple[str, ...] = ()  # repeated or look-alike organizations already signed
    source: str | None = None  # None: the campaign page; else an embed (see signon.embeds)


def moderated(state: str) -> list[ColumnElement[bool]]:
    """Signatures in this moderation state (not "none"), found through the partial index of
    moderated signatures: a campaign of a million has a handful of them."""
    return [Signature.moderation == state, Signature.moderation != _UNMODERATED]


def domain_matches(email: str, website: str | None) -> bool | None:
    """Whether the contact's address belongs to the organization's web domain (None: no site)."""
    if not website:
        return None
    host = (urlsplit(website).hostname or "").lower().removeprefix("www.")
    domain = email.rpartition("@")[2].lower()
    return bool(host) and (
        domain == host or domain.endswith("." + host) or host.endswith("." + domain)
    )


def _record(session, signature: Signature, user_id: int, action: str, detail: str) -> None:  # type: ignore[no-untyped-def]
    session.add(
        ModerationEvent(
            campaign_id=signature.campaign_id,
            signature_id=signature.id,
            user_id=user_id,
            action=action,
            detail=detail,
            created_at=utcnow(),
        )
    )


def queue_query(campaign_id: int, view: str, sqlite: bool) -> Select[tuple[Signature]]:
    """The newest QUEUE_LIMIT signatures of a view of the queue, each view read through an
    index, so that a campaign of a million signatures opens as fast as one of ten."""
    campaign, status = Signature.campaign_id, Signature.status
    conditions: list[Any] = [status != "withdrawn"]
    if view == "waiting":
        conditions += [*moderated("held"), status == "confirmed"]
    elif view == "suspicious":
        conditions.append(Signature.flag_reason.is_not(None))  # its own partial index
    elif view in ("organizations", "individuals"):
        signer_type = Signature.signer_type
        if sqlite:
            # SQLite keeps no statistics: offered these columns, it reads all of the campaign's
            # signatures of the type through an index and sorts them. As no-op expressions they
            # leave it the primary key, newest first, stopped at the limit (which, for a small
            # campaign beside a large one, also walks the large one's rows).
            campaign, status, signer_type = campaign + 0, status + "", signer_type + ""
        conditions += [signer_type == view.removesuffix("s"), status == "confirmed"]
    else:
        conditions += moderated(view)
    query = select(Signature).where(campaign == campaign_id, *conditions)
    return query.order_by(Signature.id.desc()).limit(QUEUE_LIMIT)


class ModerationService:
    def __init__(self, db: Database, keyring: Keyring) -> None:
        self.db = db
        self.keyring = keyring

    async def queue(self, campaign_id: int, view: str = "waiting") -> list[QueueItem]:
        if view not in FILTERS:
            raise ModerationError(view)
        query = queue_query(campaign_id, view, self.db.is_sqlite)
        async with self.db.read() as session:
            rows = list(await session.scalars(query))
            organizations = None
            if any(row.signer_type == "organization" for row in rows):
                organizations = await self._organizations(session, campaign_id)
        return [self._item(row, organizations) for row in rows]

    async def _organizations(self, session: AsyncSession, campaign_id: int) -> OrganizationNames:
        """The campaign's confirmed organizations not rejected, by name (read as plain rows,
        not ORM objects: a viral campaign has tens of thousands)."""
        rows = (
            await session.execute(
                select(Signature.id, Signature.personal).where(
                    Signature.campaign_id == campaign_id,
                    Signature.signer_type == "organization",
                    Signature.status == "confirmed",
                    Signature.moderation != "rejected",
                )
            )
        ).all()
        return OrganizationNames(
            {
                row.id: personal.organization
                for row in rows
                if (personal := PersonalData.open(self.keyring, row.personal))
                and personal.organization
            }
        )

    def _item(self, row: Signature, organizations: OrganizationNames | None) -> QueueItem:
        personal = PersonalData.open(self.keyring, row.personal)
        item = QueueItem(
            id=row.id,
            signer_type=row.signer_type,
            status=row.status,
            moderation=row.moderation,
            flag_reason=row.flag_reason,
            display=row.display,
            personal=personal,
            public_name=row.public_name,
            created_at=row.created_at,
            confirmed_at=row.confirmed_at,
            source=row.source,
        )
        if row.signer_type != "organization" or personal is None or organizations is None:
            return item
        return replace(
            item,
            domain_matches=domain_matches(personal.email, personal.website),
            similar_names=organizations.similar_to(row.id, personal.organization or ""),
        )

    async def act(self, campaign_id: int, signature_id: int, action: str, user_id: int) -> None:
        """Approve, reject, hide or unhide one signature of this campaign."""
        if action not in ACTIONS:
            raise ModerationError(gettext("Unknown action."))
        async with self.db.write() as session:
            signature, name_display = await self._locked(session, campaign_id, signature_id)
            before = counts(signature.status, signature.moderation)
            previous = signature.moderation
            signature.moderation = ACTIONS[action]
            after = counts(signature.status, signature.moderation)
            if before != after:
                await move_counter(session, signature, +1 if after else -1)
            personal = PersonalData.open(self.keyring, signature.personal)
            apply_visibility(signature, personal, name_display)
            signature.updated_at = utcnow()
            _record(session, signature, user_id, action, f"{previous} -> {signature.moderation}")

    async def correct_name(
        self, campaign_id: int, signature_id: int, new_name: str, user_id: int
    ) -> None:
        """Fix the displayed name (a person's, or an organization's) as the signer gave it:
        its spelling, case, accents, spacing, punctuation or word order. Never another name
        (services/namefix.py)."""
        new_name = clean_text(new_name)  # as the sign form cleans what signers type
        if not new_name or len(new_name) > 160:
            raise NameNotCorrected(gettext("A name needs 1 to 160 characters."))
        if problem := text_problem(new_name, multiline=False):
            raise NameNotCorrected(problem)
        async with self.db.write() as session:
            signature, name_display = await self._locked(session, campaign_id, signature_id)
            personal = PersonalData.open(self.keyring, signature.personal)
            if personal is None:
                raise ModerationError(gettext("This signature's details were erased."))
            field = "organization" if signature.signer_type == "organization" else "name"
            submitted = personal.corrected_from or getattr(personal, field) or ""
            if not is_a_correction(submitted, new_name):
                raise NameNotCorrected(
                    gettext(
                        "A correction may fix the spelling, capitals, accents, spacing or word "
                        "order of the name the signer gave; it cannot list another name, nor add "
                        "or leave out words. Hide or reject a name that should not be shown."
                    )
                )
            corrected_from = submitted if new_name != submitted else None
            personal = replace(personal, **{field: new_name}, corrected_from=corrected_from)
            signature.personal = personal.seal(self.keyring)
            apply_visibility(signature, personal, name_display)
            signature.updated_at = utcnow()
            # No names in the detail: the log is not encrypted.
            _record(session, signature, user_id, "correct_name", f"{field} corrected")

    async def _locked(self, session, campaign_id: int, signature_id: int) -> tuple[Signature, str]:  # type: ignore[no-untyped-def]
        row = (
            await session.execute(
                select(Signature, Campaign.name_display)
                .join(Campaign, Campaign.id == Signature.campaign_id)
                .where(Signature.id == signature_id, Signature.campaign_id == campaign_id)
                .where(Signature.status != "withdrawn")
                .with_for_update(of=Signature)
            )
        ).first()
        if row is None:
            raise ModerationError(gettext("No such signature in this campaign."))
        return row[0], row[1]

    async def history(self, campaign_id: int, limit: int = 100) -> list[ModerationEvent]:
        async with self.db.read() as session:
            return list(
                await session.scalars(
                    select(ModerationEvent)
                    .where(ModerationEvent.campaign_id == campaign_id)
                    .order_by(ModerationEvent.id.desc())
                    .limit(limit)
                )
            )
