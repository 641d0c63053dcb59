"""Updates from a campaign's owners to the signers who asked for them, and the one reminder an
unconfirmed signature gets. Both go through the outbox; updates are paced."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from signon.composer import MailComposer
from signon.crypto import Keyring
from signon.db import Database
from signon.db.models import Campaign, CampaignText, CampaignUpdate, Signature, utcnow
from signon.i18n import format_number, gettext
from signon.mail import OutgoingMail
from signon.services.campaigns import CampaignView
from signon.services.outbox import enqueue
from signon.services.records import COUNTED_MODERATION, PersonalData
from signon.services.retention import LAST_LINK
from signon.services.signatures import SignatureService

BATCH = 500


@dataclass(frozen=True, slots=True)
class UpdateDraft:
    subject: str
    body_md: str

    def problems(self) -> dict[str, str]:
        found = {}
        if not self.subject.strip() or len(self.subject) > 200 or "\n" in self.subject:
            found["subject"] = gettext("A subject of 1 to 200 characters, on one line.")
        if not self.body_md.strip():
            found["body_md"] = gettext("The message cannot be empty.")
        elif len(self.body_md) > 20_000:
            found["body_md"] = gettext(
                "The message is limited to %(limit)s characters.", limit=format_number(20_000)
            )
        return found


class UpdateService:
    def __init__(
        self,
        db: Database,
        keyring: Keyring,
        composer: MailComposer,
        signatures: SignatureService,
        per_minute: int,
    ) -> None:
        self.db = db
        self.keyring = keyring
        self.composer = composer
        self.signatures = signatures
        self.per_minute = per_minute

    def compose(
        self,
        campaign: CampaignView,
        draft: UpdateDraft,
        to: str,
        manage_url: str,
        language: str | None = None,
    ) -> OutgoingMail:
        mail = self.composer.compose(
            "update",
            to,
            language,
            subject=draft.subject,
            body=draft.body_md,
            campaign_title=campaign.texts(language).title if language else campaign.title,
            manage_url=manage_url,
        )
        page, _, query = manage_url.partition("?")  # the manage link may name a language
        unsubscribe = f"{page}/unsubscribe" + (f"?{query}" if query else "")
        headers = (
            ("List-Unsubscribe", f"<{unsubscribe}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        )
        return OutgoingMail(mail.to_address, mail.subject, mail.body_text, headers)

    async def send_test(self, campaign: CampaignView, draft: UpdateDraft, to: str) -> None:
        """The same message to the organizer alone, with a placeholder manage link."""
        manage_url = f"{self.composer.base_url}/manage/(each-signer-gets-their-own-link)"
        async with self.db.write() as session:
            enqueue(
                session,
                self.keyring,
                self.compose(campaign, draft, to, manage_url),
                kind="update_test",
            )

    async def send(self, campaign: CampaignView, draft: UpdateDraft, author_id: int) -> int:
        """Queue one message per signer who opted in, spaced to `per_minute`. Returns how many."""
        start = utcnow()
        spacing = timedelta(minutes=1) / max(1, self.per_minute)
        sent = 0
        after = 0
        while True:
            async with self.db.write() as session:
                rows = (
                    await session.execute(
                        select(
                            Signature.id,
                            Signature.personal,
                            Signature.token_nonce,
                            Signature.language,
                        )
                        .where(
                            Signature.campaign_id == campaign.id,
                            Signature.status == "confirmed",
                            Signature.moderation.in_(COUNTED_MODERATION),
                            Signature.wants_updates.is_(True),
                            Signature.personal.is_not(None),
                            Signature.id > after,
                        )
                        .order_by(Signature.id)
                        .limit(BATCH)
                    )
                ).all()
                for row in rows:
                    personal = PersonalData.open(self.keyring, row.personal)
                    if personal is None:
                        continue
                    manage_url = self.signatures.manage_url(row.token_nonce, row.language)
                    mail = self.compose(campaign, draft, personal.email, manage_url, row.language)
                    enqueue(
                        session,
                        self.keyring,
                        mail,
                        kind="update",
                        signature_id=row.id,
                        not_before=start + spacing * sent,
                    )
                    sent += 1
            if not rows:
                break
            after = rows[-1].id
        async with self.db.write() as session:
            session.add(
                CampaignUpdate(
                    campaign_id=campaign.id,
                    author_id=author_id,
                    subject=draft.subject,
                    body_md=draft.body_md,
                    recipients=sent,
                    created_at=start,
                )
            )
        return sent

    async def history(self, campaign_id: int) -> list[CampaignUpdate]:
        async with self.db.read() as session:
            return list(
                await session.scalars(
                    select(CampaignUpdate)
                    .where(CampaignUpdate.campaign_id == campaign_id)
                    .order_by(CampaignUpdate.id.desc())
                )
            )


class Reminders:
    """One reminder, with a fresh link, for a signature still unconfirmed after `after`, and
    not yet due for deletion (`kept`: the pending retention; a reminder would extend it)."""

    def __init__(
        self,
        db: Database,
        keyring: Keyring,
        signatures: SignatureService,
        after: timedelta,
        kept: timedelta,
    ) -> None:
        self.db = db
        self.keyring = keyring
        self.signatures = signatures
        self.after = after
        self.kept = kept

    async def send_due(self, now: datetime | None = None) -> int:
        now = now or utcnow()
        sent = 0
        async with self.db.write() as session:
            rows = (
                await session.execute(
                    select(Signature, Campaign)
                    .join(Campaign, Campaign.id == Signature.campaign_id)
                    .where(
                        Signature.status == "pending",
                        Signature.reminded_at.is_(None),
                        # `after` the last link (signing again sends one), and only while
                        # the signature is kept. Made no later than its last link: the index
                        # of pending times narrows the scan.
                        Signature.created_at < now - self.after,
                        now - self.after > LAST_LINK,
                        now - self.kept <= LAST_LINK,
                        Signature.personal.is_not(None),
                        # Automated-looking signatures were never mailed: no reminder either.
                        Signature.emails_sent > 0,
                        Signature.emails_sent < self.signatures.max_emails,
                        Campaign.status == "open",
                    )
                    .limit(BATCH)
                    .with_for_update(of=Signature)
                )
            ).all()
            translations = await session.scalars(
                select(CampaignText).where(CampaignText.campaign_id.in_({c.id for _, c in rows}))
            )
            by_campaign: defaultdict[int, list[CampaignText]] = defaultdict(list)
            for text in translations:
                by_campaign[text.campaign_id].append(text)
            for signature, campaign in rows:
                personal = PersonalData.open(self.keyring, signature.personal)
                signature.reminded_at = now
                if personal is None:
                    continue
                view = CampaignView.of(campaign, by_campaign[campaign.id])
                self.signatures.queue_confirmation(
                    session, view, signature, personal, template="reminder", now=now
                )
                sent += 1
        return sent


def pacing_minutes(recipients: int, per_minute: int) -> int:
    return math.ceil(recipients / max(1, per_minute))
