"""Signing and confirming: one signature per person, and nothing that reveals who signed."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from signon.abuse.screening import Screening
from signon.composer import MailComposer
from signon.crypto import Keyring
from signon.db import Database
from signon.db.models import Campaign, CampaignMember, Signature, User, crypto_context, utcnow
from signon.forms import SignatureInput
from signon.services.campaigns import CampaignView
from signon.services.outbox import enqueue
from signon.services.records import PersonalData, apply_visibility, counts, move_counter
from signon.tokens import ConfirmTokens, ManageTokens, TokenState, new_nonce


class SignOutcome(Enum):
    """What signing did. Never shown to the signer: every outcome gets the same response."""

    CREATED = "created"
    RESENT = "resent"
    ALREADY_CONFIRMED = "already_confirmed"
    EMAIL_CAP_REACHED = "email_cap_reached"
    MAIL_WITHHELD = "mail_withheld"  # flagged as automated: stored for review, no mail sent


class ConfirmState(Enum):
    READY = "ready"  # valid link to a pending signature: show the Confirm button
    CONFIRMED = "confirmed"  # just confirmed now
    ALREADY_CONFIRMED = "already_confirmed"
    EXPIRED = "expired"  # a new link can be sent
    INVALID = "invalid"  # tampered, unknown, withdrawn or no longer on record


@dataclass(frozen=True, slots=True)
class ConfirmView:
    state: ConfirmState
    campaign_slug: str | None = None
    campaign_title: str | None = None
    signer_type: str | None = None
    name: str | None = None
    organization: str | None = None
    display: str | None = None
    held: bool = False  # confirmed, but waits for an organizer before it counts
    manage_token: str | None = None


class CampaignClosed(Exception):
    """The campaign does not accept signatures (closed, draft, or past its deadline)."""


class SignatureService:
    def __init__(
        self,
        db: Database,
        keyring: Keyring,
        tokens: ConfirmTokens,
        manage_tokens: ManageTokens,
        composer: MailComposer,
        max_emails: int,
    ) -> None:
        self.db = db
        self.keyring = keyring
        self.tokens = tokens
        self.manage_tokens = manage_tokens
        self.composer = composer
        self.max_emails = max_emails

    async def sign(
        self, campaign: CampaignView, data: SignatureInput, screening: Screening | None = None
    ) -> SignOutcome:
        screening = screening or Screening()
        key = self.keyring.email_key(data.email)
        for _ in range(2):
            try:
                async with self.db.write() as session:
                    return await self._sign_in(session, campaign, data, key, screening)
            except IntegrityError:
                # Someone signed with the same address at the same moment (PostgreSQL);
                # the second pass finds their row and takes the "already there" path.
                continue
        raise RuntimeError("signing kept conflicting with a concurrent signature")

    async def _sign_in(
        self,
        session: AsyncSession,
        campaign: CampaignView,
        data: SignatureInput,
        key: str,
        screening: Screening,
    ) -> SignOutcome:
        now = utcnow()
        status = await session.scalar(select(Campaign.status).where(Campaign.id == campaign.id))
        if status != "open" or not campaign.accepts_signatures(now):
            raise CampaignClosed(campaign.slug)
        existing = await session.scalar(
            select(Signature)
            .where(Signature.campaign_id == campaign.id, Signature.email_key == key)
            # The mail cap is read-modify-write (on SQLite, BEGIN IMMEDIATE already serialises).
            .with_for_update()
        )
        if existing is None:
            signature = Signature(
                campaign_id=campaign.id,
                signer_type=data.signer_type,
                status="pending",
                moderation=(
                    "held"
                    if screening.flagged or campaign.needs_review(data.signer_type)
                    else "none"
                ),
                flag_reason="; ".join(screening.reasons) or None,
                email_key=key,
                personal=PersonalData.of(data).seal(self.keyring),
                display=data.display,
                wants_updates=data.wants_updates,
                listed=False,
                token_nonce=new_nonce(),
                emails_sent=0,
                created_at=now,
                updated_at=now,
            )
            session.add(signature)
            await session.flush()
            if not screening.send_mail:
                return SignOutcome.MAIL_WITHHELD
            self.queue_confirmation(session, campaign, signature, data.email)
            return SignOutcome.CREATED
        if not screening.send_mail:
            return SignOutcome.MAIL_WITHHELD
        if existing.emails_sent >= self.max_emails:
            return SignOutcome.EMAIL_CAP_REACHED
        if existing.status == "confirmed":
            existing.emails_sent += 1
            mail = self.composer.compose(
                "already_signed",
                data.email,
                campaign_title=campaign.title,
                campaign_url=f"{self.composer.base_url}/c/{campaign.slug}",
                manage_url=self.manage_url(existing.token_nonce),
            )
            enqueue(session, self.keyring, mail, kind="already_signed", signature_id=existing.id)
            return SignOutcome.ALREADY_CONFIRMED
        # Pending: the latest submission wins, and the owner of the address must confirm it.
        # A typo is fixed by signing again; the confirm page shows exactly what is confirmed.
        existing.personal = PersonalData.of(data).seal(self.keyring)
        existing.signer_type = data.signer_type
        existing.display = data.display
        existing.wants_updates = data.wants_updates
        if existing.moderation == "none" and (
            screening.flagged or campaign.needs_review(data.signer_type)
        ):
            existing.moderation = "held"
            existing.flag_reason = "; ".join(screening.reasons) or None
        existing.updated_at = now
        self.queue_confirmation(session, campaign, existing, data.email)
        return SignOutcome.RESENT

    def manage_url(self, nonce: str) -> str:
        return f"{self.composer.base_url}/manage/{self.manage_tokens.issue(nonce)}"

    def queue_confirmation(
        self,
        session: AsyncSession,
        campaign: CampaignView,
        signature: Signature,
        email: str,
        template: str = "confirm",
    ) -> None:
        signature.emails_sent += 1
        token = self.tokens.issue(signature.token_nonce)
        mail = self.composer.compose(
            template,
            email,
            campaign_title=campaign.title,
            confirm_url=f"{self.composer.base_url}/confirm/{token}",
            manage_url=self.manage_url(signature.token_nonce),
            valid_days=math.ceil(self.tokens.max_age.total_seconds() / 86400),
        )
        enqueue(session, self.keyring, mail, kind=template, signature_id=signature.id)

    async def _tell_owners(
        self, session: AsyncSession, campaign: Campaign, organization: str
    ) -> None:
        """Owners who asked are told when an organization waits for approval."""
        addresses = await session.scalars(
            select(User.email)
            .join(CampaignMember, CampaignMember.user_id == User.id)
            .where(
                CampaignMember.campaign_id == campaign.id,
                CampaignMember.role == "owner",
                CampaignMember.notify_organizations.is_(True),
                User.disabled.is_(False),
            )
        )
        for sealed in addresses:
            mail = self.composer.compose(
                "organization_waiting",
                self.keyring.decrypt(sealed, crypto_context(User, "email")).decode(),
                campaign_title=campaign.title,
                organization=organization,
                queue_url=f"{self.composer.base_url}/admin/campaigns/{campaign.slug}/moderation",
            )
            enqueue(session, self.keyring, mail, kind="organization_waiting")

    async def describe(self, token: str) -> ConfirmView:
        """What the confirm page shows for a link, without changing anything (GET is safe)."""
        check = self.tokens.check(token)
        if check.state is TokenState.INVALID:
            return ConfirmView(ConfirmState.INVALID)
        async with self.db.read() as session:
            row = (
                await session.execute(
                    select(Signature, Campaign.slug, Campaign.title)
                    .join(Campaign, Campaign.id == Signature.campaign_id)
                    .where(Signature.token_nonce == check.nonce)
                )
            ).first()
        if row is None or row[0].status == "withdrawn" or row[0].personal is None:
            return ConfirmView(ConfirmState.INVALID)
        signature, slug, title = row
        personal = PersonalData.open(self.keyring, signature.personal)
        assert personal is not None
        if signature.status == "confirmed":
            state = ConfirmState.ALREADY_CONFIRMED
        elif check.state is TokenState.EXPIRED:
            state = ConfirmState.EXPIRED
        else:
            state = ConfirmState.READY
        return ConfirmView(
            state=state,
            campaign_slug=slug,
            campaign_title=title,
            signer_type=signature.signer_type,
            name=personal.name,
            organization=personal.organization,
            display=signature.display,
            held=signature.moderation == "held",
            manage_token=self.manage_tokens.issue(signature.token_nonce),
        )

    async def confirm(self, token: str, now: datetime | None = None) -> ConfirmView:
        """Confirm the signature a valid link names. Confirming twice is harmless."""
        check = self.tokens.check(token)
        if check.state is not TokenState.VALID:
            return await self.describe(token)
        now = now or utcnow()
        confirmed = False
        async with self.db.write() as session:
            row = (
                await session.execute(
                    select(Signature, Campaign)
                    .join(Campaign, Campaign.id == Signature.campaign_id)
                    .where(Signature.token_nonce == check.nonce, Signature.status == "pending")
                    .with_for_update(of=Signature)
                )
            ).first()
            if row is not None and row[0].personal is not None:
                signature, campaign = row
                personal = PersonalData.open(self.keyring, signature.personal)
                signature.status = "confirmed"
                signature.confirmed_at = now
                signature.updated_at = now
                apply_visibility(signature, personal, campaign.name_display)
                if counts(signature.status, signature.moderation):
                    await move_counter(session, signature, +1)
                elif signature.signer_type == "organization" and personal is not None:
                    await self._tell_owners(session, campaign, personal.organization or "")
                confirmed = True
        view = await self.describe(token)
        if confirmed and view.state is ConfirmState.ALREADY_CONFIRMED:
            return replace(view, state=ConfirmState.CONFIRMED)
        return view

    async def resend(self, token: str) -> None:
        """Send a fresh link for an expired one (subject to the per-address cap)."""
        check = self.tokens.check(token)
        if check.state is TokenState.INVALID:
            return
        async with self.db.write() as session:
            row = (
                await session.execute(
                    select(Signature, Campaign)
                    .join(Campaign, Campaign.id == Signature.campaign_id)
                    .where(Signature.token_nonce == check.nonce, Signature.status == "pending")
                    .with_for_update(of=Signature)
                )
            ).first()
            if row is None or row[0].emails_sent >= self.max_emails:
                return
            signature, campaign = row
            personal = PersonalData.open(self.keyring, signature.personal)
            if personal is not None:
                self.queue_confirmation(
                    session, CampaignView.of(campaign), signature, personal.email
                )
