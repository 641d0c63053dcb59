"""Confirming, as a batch: the confirmations that arrived together, written in one transaction.

A fixed number of statements per batch: one read of the signatures the links name, one update
of those confirmed now, and one counter update per campaign and signer type. The counters thus
move once per batch, not once per signature, so a crowd confirming at once does not queue on
the campaign's row (signing itself never touches it: a pending signature does not count).

On PostgreSQL the batch goes straight through asyncpg: the read, then the update and the
counters as one statement, four round trips in all and no SQLAlchemy. A batch that confirms an
organization waiting for approval, whose owners are told by mail in the same transaction, is
rolled back and goes the full way instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Select,
    String,
    any_,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import asyncpg

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


def _find(nonces: ColumnElement[bool]) -> Select[Any]:
    """The signatures the links name, with what the thank-you page shows, locked."""
    return (
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
        .where(nonces)
        .with_for_update(of=Signature)
    )


# Built once: a batch runs them many times a second.
_FIND = _find(Signature.token_nonce.in_(bindparam("nonces", expanding=True)))
# PostgreSQL's batch goes straight through asyncpg: the same query, as its text.
_FIND_POSTGRES = str(
    _find(Signature.token_nonce == any_(bindparam("nonces", type_=ARRAY(String)))).compile(
        dialect=asyncpg.dialect()
    )
)
# The confirmed signatures and the counters they move, as one statement; _CONFIRMED: the
# values of each confirmed signature, in its parameters' order.
_CONFIRMED = ("b_id", "listed", "public_name", "public_place", "public_website")
_CONFIRM_POSTGRES = """
WITH confirmed AS (
    UPDATE signatures s SET status = 'confirmed', confirmed_at = $1, updated_at = $1,
        listed = g.listed, public_name = g.public_name, public_place = g.public_place,
        public_website = g.public_website
    FROM unnest($2::bigint[], $3::boolean[], $4::text[], $5::text[], $6::text[])
        AS g(id, listed, public_name, public_place, public_website)
    WHERE s.id = g.id AND s.status = 'pending'
)
UPDATE campaigns c SET individuals_count = c.individuals_count + g.individuals,
    organizations_count = c.organizations_count + g.organizations, updated_at = $1
FROM unnest($7::bigint[], $8::integer[], $9::integer[]) AS g(id, individuals, organizations)
WHERE c.id = g.id
"""
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
        if not self.db.is_sqlite:
            try:
                async with self.db.driver_connection() as driver, driver.transaction():
                    return await self._write_postgres(driver, links)
            except _OwnersToTell:
                pass  # rolled back: the batch goes the full way, which tells them
        return await self.db.batch(lambda connection: self._write(connection, links))

    def _write(
        self, connection: Connection, links: Sequence[tuple[str, str | None]]
    ) -> list[ConfirmView]:
        now = utcnow()
        rows = connection.execute(_FIND, {"nonces": sorted({nonce for nonce, _ in links})})
        batch = self._judge(rows, links, now)
        if batch.confirmed:
            connection.execute(_CONFIRM, batch.confirmed)
        for (campaign_id, signer_type), step in batch.counters.items():
            connection.execute(_COUNTER[signer_type], {"b_id": campaign_id, "step": step})
        for row, organization in batch.waiting:
            self._tell_owners(connection, row, organization, now)
        return batch.views

    async def _write_postgres(
        self, driver: Any, links: Sequence[tuple[str, str | None]]
    ) -> list[ConfirmView]:
        """The same batch through asyncpg itself, inside the caller's transaction: the read,
        then one statement for the signatures confirmed and the counters they move."""
        now = utcnow()
        records = await driver.fetch(_FIND_POSTGRES, sorted({nonce for nonce, _ in links}))
        batch = self._judge([_Record(record) for record in records], links, now)
        if batch.waiting:
            raise _OwnersToTell
        if batch.confirmed:
            confirmed = [[values[name] for values in batch.confirmed] for name in _CONFIRMED]
            campaigns = sorted({campaign_id for campaign_id, _ in batch.counters})
            counters = [
                campaigns,
                [batch.counters[(campaign_id, "individual")] for campaign_id in campaigns],
                [batch.counters[(campaign_id, "organization")] for campaign_id in campaigns],
            ]
            await driver.execute(_CONFIRM_POSTGRES, now, *confirmed, *counters)
        return batch.views

    def _judge(
        self, rows: Iterable[Any], links: Sequence[tuple[str, str | None]], now: datetime
    ) -> _Batch:
        batch = _Batch()
        by_nonce = {row.token_nonce: row for row in rows}
        confirmed_now: set[str] = set()  # a link sent twice in one batch confirms once
        for nonce, edition in links:
            row = by_nonce.get(nonce)
            if row is None or row.status == "withdrawn" or row.personal is None:
                batch.views.append(ConfirmView(ConfirmState.INVALID))
                continue
            personal = PersonalData.open(self.keyring, row.personal)
            assert personal is not None
            pending = row.status == "pending" and nonce not in confirmed_now
            if pending and superseded(edition, row.link_edition):
                batch.views.append(_view(ConfirmState.SUPERSEDED, row, personal))
                continue
            state = ConfirmState.ALREADY_CONFIRMED
            if pending:
                state = ConfirmState.CONFIRMED
                confirmed_now.add(nonce)
                batch.confirmed.append(_confirmed_values(row, personal, now))
                if counts("confirmed", row.moderation):
                    batch.counters[(row.campaign_id, row.signer_type)] += 1
                elif row.signer_type == "organization":
                    batch.waiting.append((row, personal.organization or ""))
            batch.views.append(_view(state, row, personal))
        return batch

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


class _Batch:
    """What one batch found: a view for each link, and what it writes."""

    def __init__(self) -> None:
        self.views: list[ConfirmView] = []
        self.confirmed: list[dict[str, Any]] = []
        self.counters: Counter[tuple[int, str]] = Counter()
        self.waiting: list[tuple[Any, str]] = []  # organizations confirmed, awaiting approval


class _Record:
    """An asyncpg record read by attribute, as the rows of SQLAlchemy are."""

    __slots__ = ("_record",)

    def __init__(self, record: Any) -> None:
        self._record = record

    def __getattr__(self, name: str) -> Any:
        try:
            return self._record[name]
        except KeyError:
            raise AttributeError(name) from None


class _OwnersToTell(Exception):
    """An organization waits for approval: its owners are told in the same transaction, which
    the full way does."""


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
