"""The signer's own manage page: withdraw, choose what is shown, stop updates. No account needed:
the link in every email is the key, and nobody else can undo what the signer does here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from signon.crypto import Keyring
from signon.db import Database
from signon.db.models import Campaign, CampaignText, OutboxMessage, Signature, utcnow
from signon.services.records import PersonalData, apply_visibility, counts, move_counter
from signon.tokens import ManageTokens

Change = Callable[[AsyncSession, Signature, Campaign], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class _Found:
    signature: Signature
    campaign: Campaign
    # The organizers' translation into the language the signer signed in, if they wrote one.
    translated_title: str | None


@dataclass(frozen=True, slots=True)
class ManageView:
    campaign_slug: str
    campaign_title: str  # in the signer's language when translated
    title_language: str
    status: str  # pending | confirmed | withdrawn
    signer_type: str
    name: str | None
    organization: str | None
    corrected_from: str | None  # the name as the signer gave it, once organizers corrected it
    display: str
    wants_updates: bool
    listed: bool
    held: bool


class SelfService:
    def __init__(self, db: Database, keyring: Keyring, tokens: ManageTokens) -> None:
        self.db = db
        self.keyring = keyring
        self.tokens = tokens

    async def view(self, token: str) -> ManageView | None:
        nonce = self.tokens.check(token)
        if nonce is None:
            return None
        async with self.db.read() as session:
            found = await _find(session, nonce, lock=False)
        return self._view(found) if found else None

    def _view(self, found: _Found) -> ManageView:
        signature, campaign = found.signature, found.campaign
        personal = PersonalData.open(self.keyring, signature.personal)
        translated = found.translated_title is not None
        return ManageView(
            campaign_slug=campaign.slug,
            campaign_title=found.translated_title if translated else campaign.title,
            title_language=signature.language if translated else campaign.language,
            status=signature.status,
            signer_type=signature.signer_type,
            name=personal.name if personal else None,
            organization=personal.organization if personal else None,
            corrected_from=personal.corrected_from if personal else None,
            display=signature.display,
            wants_updates=signature.wants_updates,
            listed=signature.listed,
            held=signature.moderation == "held",
        )

    async def withdraw(self, token: str) -> ManageView | None:
        """Leave the list and the counts at once, and erase what was submitted."""

        async def erase(session: AsyncSession, signature: Signature, campaign: Campaign) -> None:
            if counts(signature.status, signature.moderation):
                await move_counter(session, signature, -1)
            signature.status = "withdrawn"
            signature.withdrawn_at = signature.updated_at
            signature.personal = None
            signature.email_key = None  # the address may sign again, as a new signature
            signature.wants_updates = False
            apply_visibility(signature, None, campaign.name_display)
            await session.execute(
                delete(OutboxMessage).where(OutboxMessage.signature_id == signature.id)
            )

        return await self._apply(token, erase)

    async def set_display(self, token: str, display: str) -> ManageView | None:
        if display not in ("public", "private"):
            raise ValueError(display)
        return await self._apply(token, self._setter(display=display))

    async def stop_updates(self, token: str) -> ManageView | None:
        return await self._apply(token, self._setter(wants_updates=False))

    def _setter(self, **values: object) -> Change:
        async def change(_session: AsyncSession, signature: Signature, campaign: Campaign) -> None:
            for name, value in values.items():
                setattr(signature, name, value)
            personal = PersonalData.open(self.keyring, signature.personal)
            apply_visibility(signature, personal, campaign.name_display)

        return change

    async def _apply(self, token: str, change: Change) -> ManageView | None:
        """Run `change` on the link's signature in one write transaction, unless withdrawn."""
        nonce = self.tokens.check(token)
        if nonce is None:
            return None
        async with self.db.write() as session:
            found = await _find(session, nonce, lock=True)
            if found is None:
                return None
            if found.signature.status != "withdrawn":
                found.signature.updated_at = utcnow()
                await change(session, found.signature, found.campaign)
            return self._view(found)


async def _find(session: AsyncSession, nonce: str, *, lock: bool) -> _Found | None:
    query = (
        select(Signature, Campaign, CampaignText.title)
        .join(Campaign, Campaign.id == Signature.campaign_id)
        .outerjoin(
            CampaignText,
            (CampaignText.campaign_id == Signature.campaign_id)
            & (CampaignText.language == Signature.language),
        )
        .where(Signature.token_nonce == nonce)
    )
    if lock:
        query = query.with_for_update(of=Signature)
    row = (await session.execute(query)).first()
    return _Found(row[0], row[1], row[2]) if row else None
