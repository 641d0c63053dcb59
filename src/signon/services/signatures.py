"""Signing and confirming: one signature per person, and nothing that reveals who signed."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from signon import i18n
from signon.abuse.screening import Screening
from signon.composer import MailComposer
from signon.crypto import Keyring
from signon.db import Database
from signon.db.models import Campaign, Signature, utcnow
from signon.forms import SignatureInput
from signon.services.campaigns import CampaignView, translations_of
from signon.services.campaigntexts import SIGNER_TEXT_COLUMNS, signer_texts, with_signer_texts
from signon.services.confirmbatch import ConfirmBatch
from signon.services.groupcommit import GroupCommit
from signon.services.outbox import enqueue
from signon.services.outcomes import ConfirmState, ConfirmView, SignOutcome, superseded
from signon.services.records import PersonalData, counts, submitted_details
from signon.services.signbatch import SignBatch, SignRequest
from signon.services.signermail import SignerMail
from signon.tokens import ConfirmTokens, ManageTokens, TokenState


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
        self.max_emails = max_emails
        self.mail = SignerMail(composer, tokens, manage_tokens)
        # Signing and confirming are group-committed: see services/groupcommit.py.
        self._signing: GroupCommit[SignRequest, SignOutcome] = GroupCommit(
            SignBatch(db, keyring, self.mail, max_emails), writers=db.batch_writers
        )
        self._confirming: GroupCommit[tuple[str, str | None], ConfirmView] = GroupCommit(
            ConfirmBatch(db, keyring, composer), writers=db.batch_writers
        )

    async def sign(
        self,
        campaign: CampaignView,
        data: SignatureInput,
        screening: Screening | None = None,
        source: str | None = None,
    ) -> SignOutcome:
        """Store a pending signature and queue its confirmation mail (group-committed: this
        returns once the batch holding it is durable). `source`: where it was signed, None for
        the campaign page (see signon.embeds)."""
        return await self._signing.submit(self.request(campaign, data, screening, source))

    def request(
        self,
        campaign: CampaignView,
        data: SignatureInput,
        screening: Screening | None = None,
        source: str | None = None,
    ) -> SignRequest:
        """A form's submission as a sign batch takes it: its address hashed, its details sealed."""
        email_key, *earlier_email_keys = self.keyring.email_lookup_keys(data.email)
        personal = PersonalData.of(data)
        details = submitted_details(data.signer_type, data.display, data.wants_updates, personal)
        return SignRequest(
            campaign=campaign,
            email=data.email,
            email_key=email_key,
            personal=personal.seal(self.keyring),
            signer_type=data.signer_type,
            display=data.display,
            wants_updates=data.wants_updates,
            screening=screening or Screening(),
            language=i18n.current(),
            source=source,
            earlier_email_keys=tuple(earlier_email_keys),
            edition=self.tokens.edition(details),
        )

    def manage_url(self, nonce: str, language: str | None = None) -> str:
        return self.mail.manage_url(nonce, language)

    def queue_confirmation(
        self,
        session: AsyncSession,
        campaign: CampaignView,
        signature: Signature,
        personal: PersonalData,
        template: str = "confirm",
        now: datetime | None = None,
    ) -> None:
        """Queue a confirm link (or its reminder) inside the caller's transaction; the
        signature is kept a retention period from now."""
        signature.emails_sent += 1
        signature.link_sent_at = now or utcnow()
        mail = self.mail.confirmation(
            campaign.texts(signature.language).title,
            personal.email,
            signature.token_nonce,
            template,
            signature.language,
            edition=signature.link_edition,
        )
        enqueue(session, self.keyring, mail, kind=template, signature_id=signature.id)

    async def describe(self, token: str) -> ConfirmView:
        """What the confirm page shows for a link, without changing anything (GET is safe)."""
        check = self.tokens.check(token)
        if check.state is TokenState.INVALID:
            return ConfirmView(ConfirmState.INVALID)
        async with self.db.read() as session:
            query = select(Signature, Campaign.slug, *SIGNER_TEXT_COLUMNS).join(
                Campaign, Campaign.id == Signature.campaign_id
            )
            row = (
                await session.execute(
                    with_signer_texts(query).where(Signature.token_nonce == check.nonce)
                )
            ).first()
        if row is None or row[0].status == "withdrawn" or row[0].personal is None:
            return ConfirmView(ConfirmState.INVALID)
        signature, slug = row[0], row.slug
        personal = PersonalData.open(self.keyring, signature.personal)
        assert personal is not None
        if signature.status == "confirmed":
            state = ConfirmState.ALREADY_CONFIRMED
        elif superseded(check.edition, signature.link_edition):
            state = ConfirmState.SUPERSEDED
        elif check.state is TokenState.EXPIRED:
            state = ConfirmState.EXPIRED
        else:
            state = ConfirmState.READY
        return ConfirmView(
            state=state,
            campaign_slug=slug,
            signer_type=signature.signer_type,
            name=personal.name,
            organization=personal.organization,
            display=signature.display,
            held=signature.moderation == "held",
            counted=counts(signature.status, signature.moderation),
            manage_token=self.manage_tokens.issue(signature.token_nonce),
            **signer_texts(row),
        )

    async def confirm(self, token: str) -> ConfirmView:
        """Confirm the signature a valid link names. Confirming twice is harmless."""
        check = self.tokens.check(token)
        if check.state is not TokenState.VALID or check.nonce is None:
            return await self.describe(token)
        view = await self._confirming.submit((check.nonce, check.edition))
        if view.state is ConfirmState.INVALID:
            return view
        return replace(view, manage_token=self.manage_tokens.issue(check.nonce))

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
            translations = await session.scalars(translations_of(campaign.id))
            personal = PersonalData.open(self.keyring, signature.personal)
            if personal is not None and not superseded(check.edition, signature.link_edition):
                self.queue_confirmation(
                    session, CampaignView.of(campaign, translations), signature, personal
                )
