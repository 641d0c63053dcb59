"""Signing and confirming: one signature per person, and nothing that reveals who signed."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from signon.addresses import email_key
from signon.composer import MailComposer
from signon.db import Database
from signon.db.models import Campaign, Signature, utcnow
from signon.forms import SignatureInput
from signon.services.campaigns import CampaignView
from signon.services.outbox import enqueue
from signon.tokens import ConfirmTokens, TokenState, new_nonce


class SignOutcome(Enum):
    """What signing did. Never shown to the signer: every outcome gets the same response."""

    CREATED = "created"
    RESENT = "resent"
    ALREADY_CONFIRMED = "already_confirmed"
    EMAIL_CAP_REACHED = "email_cap_reached"


class ConfirmState(Enum):
    READY = "ready"  # valid link to a pending signature: show the Confirm button
    CONFIRMED = "confirmed"  # just confirmed now
    ALREADY_CONFIRMED = "already_confirmed"
    EXPIRED = "expired"  # a new link can be sent
    INVALID = "invalid"  # tampered, unknown, or no longer on record


@dataclass(frozen=True, slots=True)
class ConfirmView:
    state: ConfirmState
    campaign_slug: str | None = None
    campaign_title: str | None = None
    signer_type: str | None = None
    name: str | None = None
    organization: str | None = None
    display: str | None = None


class CampaignClosed(Exception):
    """The campaign does not accept signatures (closed, draft, or past its deadline)."""


class SignatureService:
    def __init__(
        self,
        db: Database,
        tokens: ConfirmTokens,
        composer: MailComposer,
        secret_key: str,
        max_emails: int,
        token_days: float,
    ) -> None:
        self.db = db
        self.tokens = tokens
        self.composer = composer
        self.secret_key = secret_key
        self.max_emails = max_emails
        self.token_days = token_days

    async def sign(self, campaign: CampaignView, data: SignatureInput) -> SignOutcome:
        key = email_key(self.secret_key, data.email)
        for _ in range(2):
            try:
                async with self.db.write() as session:
                    return await self._sign_in(session, campaign, data, key)
            except IntegrityError:
                # Someone signed with the same address at the same moment (PostgreSQL);
                # the second pass finds their row and takes the "already there" path.
                continue
        raise RuntimeError("signing kept conflicting with a concurrent signature")

    async def _sign_in(
        self, session: AsyncSession, campaign: CampaignView, data: SignatureInput, key: str
    ) -> SignOutcome:
        now = utcnow()
        status = await session.scalar(select(Campaign.status).where(Campaign.id == campaign.id))
        if status is None or not campaign.accepts_signatures(now) or status != "open":
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
                email_key=key,
                token_nonce=new_nonce(),
                status="pending",
                listed=False,
                emails_sent=1,
                created_at=now,
                updated_at=now,
                **_fields(data),
            )
            session.add(signature)
            await session.flush()
            self._queue_confirmation(session, campaign, signature)
            return SignOutcome.CREATED
        if existing.emails_sent >= self.max_emails:
            return SignOutcome.EMAIL_CAP_REACHED
        existing.emails_sent += 1
        if existing.status == "pending":
            # The latest submission wins: a typo can be fixed by signing again, and the
            # confirm page shows exactly what the owner of the address is confirming.
            for name, value in _fields(data).items():
                setattr(existing, name, value)
            existing.updated_at = now
            self._queue_confirmation(session, campaign, existing)
            return SignOutcome.RESENT
        mail = self.composer.compose(
            "already_signed",
            existing.email,
            campaign_title=campaign.title,
            campaign_url=f"{self.composer.base_url}/c/{campaign.slug}",
        )
        enqueue(session, mail, kind="already_signed", signature_id=existing.id)
        return SignOutcome.ALREADY_CONFIRMED

    def _queue_confirmation(
        self, session: AsyncSession, campaign: CampaignView, signature: Signature
    ) -> None:
        token = self.tokens.issue(signature.token_nonce)
        mail = self.composer.compose(
            "confirm",
            signature.email,
            campaign_title=campaign.title,
            confirm_url=f"{self.composer.base_url}/confirm/{token}",
            valid_days=math.ceil(self.token_days),
        )
        enqueue(session, mail, kind="confirm", signature_id=signature.id)

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
        if row is None:
            return ConfirmView(ConfirmState.INVALID)
        signature, slug, title = row
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
            name=signature.name,
            organization=signature.organization,
            display=signature.display,
        )

    async def confirm(self, token: str, now: datetime | None = None) -> ConfirmView:
        """Confirm the signature a valid link names. Confirming twice is harmless."""
        check = self.tokens.check(token)
        if check.state is not TokenState.VALID:
            return await self.describe(token)
        now = now or utcnow()
        async with self.db.write() as session:
            # The conditional UPDATE is the single point where pending becomes confirmed,
            # so concurrent clicks move the counter exactly once.
            confirmed = (
                await session.execute(
                    update(Signature)
                    .where(Signature.token_nonce == check.nonce, Signature.status == "pending")
                    .values(
                        status="confirmed",
                        confirmed_at=now,
                        updated_at=now,
                        listed=Signature.display == "public",
                    )
                    .returning(Signature.campaign_id, Signature.signer_type)
                )
            ).first()
            if confirmed is not None:
                counter = (
                    Campaign.organizations_count
                    if confirmed.signer_type == "organization"
                    else Campaign.individuals_count
                )
                await session.execute(
                    update(Campaign)
                    .where(Campaign.id == confirmed.campaign_id)
                    .values({counter: counter + 1})
                )
        view = await self.describe(token)
        if confirmed is not None and view.state is ConfirmState.ALREADY_CONFIRMED:
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
            if row is None:
                return
            signature, campaign = row
            if signature.emails_sent >= self.max_emails:
                return
            signature.emails_sent += 1
            self._queue_confirmation(session, CampaignView.of(campaign), signature)


def _fields(data: SignatureInput) -> dict[str, object]:
    return {
        "signer_type": data.signer_type,
        "name": data.name,
        "email": data.email,
        "organization": data.organization,
        "website": data.website,
        "role": data.role,
        "city": data.city,
        "country": data.country,
        "comment": data.comment,
        "display": data.display,
        "wants_updates": data.wants_updates,
    }
