"""Confirming, as a batch: the confirmations that arrived together, written in one transaction.

A fixed number of statements per batch: one read of the signatures the links name, one update
of those confirmed now, and one counter update per campaign and signer type. The counters thus
move once per batch, not once per signature, so a crowd confirming at once does not queue on
the campaign's row (signing itself never touches it: a pending signature does not count).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from signon import i18n
from signon.composer import MailComposer
from signon.crypto import Keyring
from signon.db import Database
from signon.db.models import (
    Campaign,
    CampaignMember,
    OutboxMessage,
    Signature,
    User,
    crypto_context,
    utcnow,
)
from signon.services.campaigntexts import SIGNER_TEXT_COLUMNS, signer_texts, with_signer_texts
from signon.services.outbox import outbox_row
from signon.services.outcomes import ConfirmState, ConfirmView, superseded
from signon.services.records import PersonalData, counts, is_listed, public_fields

_CONFIRM = (
    update(Signature)
    .where(Signature.id == bindparam("b_id"), Signature.status == "pending")
    .values(
        status="confirmed",
        confirmed_at=bindparam("now"),
        updated_at=bindparam("now"),
        listed=bindparam("listed"),
        public_name=bindparam("public_name"),
        public_place=bindparam("public_place"),
        public_website=bindparam("public_website"),
    )
)
# The signatures the links name, with what the thank-you page shows; built once (a batch runs
# it many times a second).
_FIND = (
    with_signer_texts(
        select(
            Signature.id,
            Signature.campaign_id,
            Signature.signer_type,
            Signature.status,
            Signature.moderation,
            Signature.display,
            Signature.personal,
            Signature.token_nonce,
            Signature.link_edition,
            Campaign.slug,
            Campaign.name_display,
            *SIGNER_TEXT_COLUMNS,
        ).join(Campaign, Campaign.id == Signature.campaign_id)
    )
    .where(Signature.token_nonce.in_(bindparam("nonces", expanding=True)))
    .with_for_update(of=Signature)
)
_COUNTER = {
    signer_type: update(Campaign)
    .where(Campaign.id == bindparam("b_id"))
    .values({column: column + bindparam("step")})
    for signer_type, column in (
        ("individual", Campaign.individuals_count),
        ("organization", Campaign.organizations_count),
    )
}


class ConfirmBatch:
    """Confirms the links of a batch: each a (nonce, edition) as signon.tokens reads it."""

    def __init__(self, db: Database, keyring: Keyring, composer: MailComposer) -> None:
        self.db = db
        self.keyring = keyring
        self.composer = composer

    async def __call__(self, links: Sequence[tuple[str, str | None]]) -> list[ConfirmView]:
        return await self.db.batch(lambda connection: self._write(connection, links))

    def _write(
        self, connection: Connection, links: Sequence[tuple[str, str | None]]
    ) -> list[ConfirmView]:
        now = utcnow()
        views: list[ConfirmView] = []
        rows = connection.execute(_FIND, {"nonces": sorted({nonce for nonce, _ in links})})
        by_nonce = {row.token_nonce: row for row in rows}
        confirmed: list[dict[str, Any]] = []
        counters: Counter[tuple[int, str]] = Counter()
        waiting: list[tuple[Any, str]] = []
        confirmed_now: set[str] = set()  # a link sent twice in one batch confirms once
        for nonce, edition in links:
            row = by_nonce.get(nonce)
            if row is None or row.status == "withdrawn" or row.personal is None:
                views.append(ConfirmView(ConfirmState.INVALID))
                continue
            personal = PersonalData.open(self.keyring, row.personal)
            assert personal is not None
            pending = row.status == "pending" and nonce not in confirmed_now
            if pending and superseded(edition, row.link_edition):
                views.append(_view(ConfirmState.SUPERSEDED, row, personal))
                continue
            state = ConfirmState.ALREADY_CONFIRMED
            if pending:
                state = ConfirmState.CONFIRMED
                confirmed_now.add(nonce)
                confirmed.append(_confirmed_values(row, personal, now))
                if counts("confirmed", row.moderation):
                    counters[(row.campaign_id, row.signer_type)] += 1
                elif row.signer_type == "organization":
                    waiting.append((row, personal.organization or ""))
            views.append(_view(state, row, personal))
        if confirmed:
            connection.execute(_CONFIRM, confirmed)
        for (campaign_id, signer_type), step in counters.items():
            connection.execute(_COUNTER[signer_type], {"b_id": campaign_id, "step": step})
        for row, organization in waiting:
            self._tell_owners(connection, row, organization, now)
        return views

    def _tell_owners(self, connection: Connection, row: Any, organization: str, now: Any) -> None:
        """Owners who asked are told when an organization waits for approval."""
        owners = connection.execute(
            select(User.email, CampaignMember.notify_language)
            .join(CampaignMember, CampaignMember.user_id == User.id)
            .where(
                CampaignMember.campaign_id == row.campaign_id,
                CampaignMember.role == "owner",
                CampaignMember.notify_organizations.is_(True),
                User.disabled.is_(False),
            )
        )
        messages = []
        for sealed, language in owners:
            # In the language of the pages the owner asked on, not that of whoever confirmed.
            mail = self.composer.compose(
                "organization_waiting",
                self.keyring.decrypt(sealed, crypto_context(User, "email")).decode(),
                language or i18n.DEFAULT,
                campaign_title=row.title,
                organization=organization,
                queue_url=f"{self.composer.base_url}/admin/campaigns/{row.slug}/moderation",
            )
            messages.append(
                outbox_row(
                    self.keyring, mail, kind="organization_waiting", signature_id=None, now=now
                )
            )
        if messages:
            connection.execute(insert(OutboxMessage), messages)


def _confirmed_values(row: Any, personal: PersonalData, now: Any) -> dict[str, Any]:
    listed = is_listed("confirmed", row.moderation, row.display)
    shown = public_fields(row.signer_type, personal, row.name_display) if listed else {}
    return {
        "b_id": row.id,
        "now": now,
        "listed": listed,
        "public_name": shown.get("public_name"),
        "public_place": shown.get("public_place"),
        "public_website": shown.get("public_website"),
    }


def _view(state: ConfirmState, row: Any, personal: PersonalData) -> ConfirmView:
    return ConfirmView(
        state=state,
        campaign_slug=row.slug,
        signer_type=row.signer_type,
        name=personal.name,
        organization=personal.organization,
        display=row.display,
        held=row.moderation == "held",
        counted=counts("confirmed", row.moderation),
        **signer_texts(row),
    )
