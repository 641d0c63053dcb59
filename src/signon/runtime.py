"""Wires settings into the services one process uses. Built inside the event loop that uses it."""

from __future__ import annotations

from dataclasses import dataclass

from signon.abuse.domains import DomainPolicy, load_domain_list
from signon.abuse.formtoken import FormTokens
from signon.abuse.ratelimit import MemoryStore, RateLimiter, RateLimitStore, RedisStore
from signon.abuse.screening import Screener
from signon.composer import MailComposer
from signon.crypto import Keyring
from signon.db import Database
from signon.exports import ExportService
from signon.mailtransport import transport_for
from signon.services.access import AccessService
from signon.services.accounts import AccountService
from signon.services.campaigns import CampaignService
from signon.services.campaigntexts import CampaignTextService
from signon.services.endorsers import EndorserService
from signon.services.letters import LetterService
from signon.services.listcursors import ListCursors
from signon.services.moderation import ModerationService
from signon.services.outbox import OutboxWorker
from signon.services.pagecache import PageCache
from signon.services.retention import Retention
from signon.services.selfservice import SelfService
from signon.services.signatures import SignatureService
from signon.services.updates import Reminders, UpdateService
from signon.settings import Settings
from signon.tokens import ConfirmTokens, ManageTokens
from signon.web.security import ProxyTrust


@dataclass(slots=True)
class Runtime:
    settings: Settings
    db: Database
    keyring: Keyring
    campaigns: CampaignService
    texts: CampaignTextService
    signatures: SignatureService
    selfservice: SelfService
    endorsers: EndorserService
    retention: Retention
    mail_worker: OutboxWorker
    screener: Screener
    rate_store: RateLimitStore
    proxies: ProxyTrust
    accounts: AccountService
    access: AccessService
    moderation: ModerationService
    exports: ExportService
    updates: UpdateService
    reminders: Reminders
    letters: LetterService

    @classmethod
    def start(cls, settings: Settings) -> Runtime:
        rate_store: RateLimitStore = (
            RedisStore(settings.redis_url) if settings.redis_url else MemoryStore()
        )
        disposable = (
            load_domain_list(settings.disposable_domains_file)
            if settings.disposable_domains_file
            else set()
        )
        keyring = Keyring(settings.data_key_file)  # fails here, before any request, if missing
        db = Database(settings.database_url, pool_size=settings.db_pool_size)
        composer = MailComposer(settings.templates_dir, settings.base_url)
        manage_tokens = ManageTokens(settings.secret_key)
        signatures = SignatureService(
            db,
            keyring,
            ConfirmTokens(settings.secret_key, settings.confirm_token_max_age),
            manage_tokens,
            composer,
            max_emails=settings.max_emails_per_signature,
        )
        accounts = AccountService(
            db, keyring, settings.session_idle, lifetime=settings.session_lifetime
        )
        page_cache = PageCache(settings.page_cache_seconds)
        endorsers = EndorserService(db, ListCursors(settings.secret_key), page_cache)
        return cls(
            settings=settings,
            db=db,
            keyring=keyring,
            campaigns=CampaignService(db, page_cache),
            texts=CampaignTextService(db, page_cache),
            signatures=signatures,
            selfservice=SelfService(db, keyring, manage_tokens),
            endorsers=endorsers,
            retention=Retention(db, settings.pending_retention, settings.closed_retention),
            mail_worker=OutboxWorker(
                db,
                keyring,
                transport_for(settings.smtp_url, settings.mailbox_dir),
                settings.mail_from,
                batch_size=settings.mail_batch_size,
            ),
            screener=Screener(
                FormTokens(settings.secret_key),
                RateLimiter(rate_store, settings.secret_key),
                DomainPolicy(settings.blocked_domains, disposable),
                settings.abuse,
            ),
            rate_store=rate_store,
            proxies=ProxyTrust(settings.trusted_proxies),
            accounts=accounts,
            access=AccessService(db, accounts),
            moderation=ModerationService(db, keyring),
            exports=ExportService(db, keyring),
            updates=UpdateService(db, keyring, composer, signatures, settings.updates_per_minute),
            reminders=Reminders(
                db, keyring, signatures, settings.reminder_after, settings.pending_retention
            ),
            letters=LetterService(endorsers, settings.pdf_font, settings.pdf_fallback_fonts),
        )

    async def close(self) -> None:
        await self.rate_store.aclose()
        await self.db.dispose()
