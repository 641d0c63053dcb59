"""Wires settings into the services one process uses. Built inside the event loop that uses it."""

from __future__ import annotations

from dataclasses import dataclass

from signon.composer import MailComposer
from signon.db import Database
from signon.mail import transport_for
from signon.services.campaigns import CampaignService
from signon.services.endorsers import EndorserService
from signon.services.outbox import OutboxWorker
from signon.services.signatures import SignatureService
from signon.settings import Settings
from signon.tokens import ConfirmTokens


@dataclass(slots=True)
class Runtime:
    settings: Settings
    db: Database
    campaigns: CampaignService
    signatures: SignatureService
    endorsers: EndorserService
    mail_worker: OutboxWorker

    @classmethod
    def start(cls, settings: Settings) -> Runtime:
        db = Database(settings.database_url)
        composer = MailComposer(settings.templates_dir, settings.base_url)
        tokens = ConfirmTokens(settings.secret_key, settings.confirm_token_max_age)
        return cls(
            settings=settings,
            db=db,
            campaigns=CampaignService(db),
            signatures=SignatureService(
                db,
                tokens,
                composer,
                secret_key=settings.secret_key,
                max_emails=settings.max_emails_per_signature,
                token_days=settings.confirm_token_max_age.total_seconds() / 86400,
            ),
            endorsers=EndorserService(db),
            mail_worker=OutboxWorker(
                db,
                transport_for(settings.smtp_url, settings.mailbox_dir),
                settings.mail_from,
                batch_size=settings.mail_batch_size,
            ),
        )

    async def close(self) -> None:
        await self.db.dispose()
