"""Signing, as a batch: the sign requests that arrived together, written together.

The rules are those of one signature per address per campaign (see services/signatures.py); here
they are applied set-wise, with a fixed number of statements per batch whatever its size.

First signatures, nearly all of a crowd's, go the short way (services/newsigners.py): each
batch's are inserted with their mail at once, straight through the driver. The requests that
did not go in that way (an address on record, a campaign closed meanwhile, the same address
twice in one batch) then take the full rules: one read of the campaigns, one of the addresses
already on record, one insert of new signatures, one update of the existing ones, one insert of
the queued mail. On SQLite both are one transaction; on PostgreSQL the short way is a statement
of its own, committed before the rest are written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from signon.abuse.screening import Screening
from signon.crypto import Keyring
from signon.db import Database
from signon.db.models import Campaign, OutboxMessage, Signature, utcnow
from signon.mail import OutgoingMail
from signon.services.campaigns import CampaignView
from signon.services.groupcommit import RETRY, Retry
from signon.services.newsigners import (
    FirstSignatures,
    insert_postgres,
    insert_sqlite,
    new_row,
    new_signature,
)
from signon.services.outbox import outbox_row
from signon.services.outcomes import CampaignClosed, SignOutcome
from signon.services.signermail import SignerMail
from signon.tokens import new_nonce

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SignRequest:
    campaign: CampaignView
    email: str
    email_key: str
    personal: str  # already sealed
    signer_type: str
    display: str
    wants_updates: bool
    screening: Screening
    language: str = "en"  # the language the form was in: the signer's mail speaks it
    source: str | None = None  # where it was signed: None (the campaign page) or an embed
    # The address's hashes under index keys being retired (only while `signon keys rotate`
    # runs): a signature on record may still be stored under one of them.
    earlier_email_keys: tuple[str, ...] = ()
    edition: str | None = None  # of the details submitted (signon.tokens): what its link confirms


_EXISTING = (
    Signature.id,
    Signature.campaign_id,
    Signature.email_key,
    Signature.status,
    Signature.moderation,
    Signature.flag_reason,
    Signature.token_nonce,
    Signature.emails_sent,
)
# Built once: a batch runs them many times a second.
_OPEN = select(Campaign.id).where(
    Campaign.id.in_(bindparam("ids", expanding=True)), Campaign.status == "open"
)
_ON_RECORD = (
    select(*_EXISTING)
    .where(
        Signature.campaign_id.in_(bindparam("ids", expanding=True)),
        Signature.email_key.in_(bindparam("keys", expanding=True)),
    )
    .with_for_update()
)
_INSERT_NEW = {
    name: dialect.insert(Signature)
    .on_conflict_do_nothing(index_elements=["campaign_id", "email_key"])
    .returning(Signature.id, Signature.campaign_id, Signature.email_key)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_RESUBMIT = (
    update(Signature)
    .where(Signature.id == bindparam("b_id"))
    .values(
        personal=bindparam("personal"),
        link_edition=bindparam("link_edition"),
        signer_type=bindparam("signer_type"),
        display=bindparam("display"),
        wants_updates=bindparam("wants_updates"),
        moderation=bindparam("moderation"),
        flag_reason=bindparam("flag_reason"),
        emails_sent=bindparam("emails_sent"),
        language=bindparam("language"),
        source=bindparam("source"),
        updated_at=bindparam("updated_at"),
        link_sent_at=bindparam("link_sent_at"),
    )
)
_MAIL_COUNT = (
    update(Signature)
    .where(Signature.id == bindparam("b_id"))
    .values(emails_sent=bindparam("emails_sent"))
)


class _Batch:
    """The statements one batch will run, gathered while each request is judged."""

    def __init__(self) -> None:
        self.new: list[dict[str, Any]] = []
        self.new_mail: dict[tuple[int, str], OutgoingMail] = {}
        self.resubmitted: list[dict[str, Any]] = []
        self.mail_counts: list[dict[str, Any]] = []
        self.outbox: list[tuple[int | None, str, OutgoingMail]] = []


class SignBatch:
    def __init__(self, db: Database, keyring: Keyring, mail: SignerMail, max_emails: int) -> None:
        self.db = db
        self.keyring = keyring
        self.mail = mail
        self.max_emails = max_emails

    async def __call__(
        self, requests: Sequence[SignRequest]
    ) -> list[SignOutcome | Retry | BaseException]:
        now = utcnow()
        first = self._first_signatures(requests, now)
        if self.db.is_sqlite:
            return await self.db.batch(
                lambda connection: self._write_all(connection, requests, first, now)
            )
        inserted = {}
        if first.rows:
            async with self.db.driver_connection() as driver:
                inserted = await insert_postgres(driver, first.rows, first.payloads, now)
        outcomes, rest = first.outcomes(requests, inserted)
        if rest:
            try:
                later: list[Any] = await self.db.batch(
                    lambda connection: self._write(connection, [requests[n] for n in rest], now)
                )
            except Exception as error:
                if not inserted:
                    raise  # nothing is written: the batch is tried again request by request
                # The first signatures are committed and answered. The rest are tried one by
                # one, as a failed batch's are (services/groupcommit.py), so that a bad one
                # fails alone.
                log.warning("signing %d on record failed (%r); one by one", len(rest), error)
                later = [await self._alone(requests[n], now) for n in rest]
            _fill(outcomes, rest, later)
        return outcomes  # type: ignore[return-value]

    async def _alone(self, request: SignRequest, now: datetime) -> Any:
        try:
            [outcome] = await self.db.batch(
                lambda connection: self._write(connection, [request], now)
            )
        except Exception as error:
            return error
        return outcome

    def _write_all(
        self,
        connection: Connection,
        requests: Sequence[SignRequest],
        first: FirstSignatures,
        now: datetime,
    ) -> list[SignOutcome | Retry | BaseException]:
        """SQLite: the first signatures and then the rest, in the batch's one transaction."""
        inserted = {}
        if first.rows:
            driver = connection.connection.driver_connection
            inserted = insert_sqlite(driver, first.rows, first.payloads, now)  # type: ignore[arg-type]
        outcomes, rest = first.outcomes(requests, inserted)
        if rest:
            _fill(outcomes, rest, self._write(connection, [requests[n] for n in rest], now))
        return outcomes  # type: ignore[return-value]

    def _first_signatures(self, requests: Sequence[SignRequest], now: datetime) -> FirstSignatures:
        """The requests that may be a first signature, with their rows and mail ready: each
        pair once, from a campaign taking signatures, under no earlier index key."""
        first = FirstSignatures()
        for n, request in enumerate(requests):
            pair = (request.campaign.id, request.email_key)
            if (
                pair in first.pairs
                or request.earlier_email_keys
                or not request.campaign.accepts_signatures(now)
            ):
                continue
            nonce = new_nonce()
            sealed = None
            if request.screening.send_mail:
                sealed = self._sealed(self._confirmation(request, nonce), now)
            first.add(n, pair, new_row(new_signature(request, nonce, now)), sealed)
        return first

    def _write(
        self, connection: Connection, requests: Sequence[SignRequest], now: datetime
    ) -> list[SignOutcome | Retry | BaseException]:
        """The full rules: the signatures on record for these addresses are read first."""
        outcomes: list[SignOutcome | Retry | BaseException | None] = [None] * len(requests)
        campaign_ids = sorted({r.campaign.id for r in requests})
        open_ids = set(connection.scalars(_OPEN, {"ids": campaign_ids}))
        existing = _on_record(connection, requests)
        batch, seen = _Batch(), set()
        for n, request in enumerate(requests):
            pair = (request.campaign.id, request.email_key)
            if request.campaign.id not in open_ids or not request.campaign.accepts_signatures(now):
                outcomes[n] = CampaignClosed(request.campaign.slug)
            elif pair in seen:
                outcomes[n] = RETRY  # the same address twice: the next batch sees the first
            else:
                seen.add(pair)
                outcomes[n] = self._judge(request, existing.get(pair), batch, now)
        inserted = _insert_new(connection, batch.new)
        for n, request in enumerate(requests):
            pair = (request.campaign.id, request.email_key)
            if outcomes[n] in (SignOutcome.CREATED, SignOutcome.MAIL_WITHHELD) and (
                pair not in existing
            ):
                if pair not in inserted:
                    # Signed at the same moment by another process (PostgreSQL): the next
                    # batch finds that row and takes the "already on record" path.
                    outcomes[n] = RETRY
                elif pair in batch.new_mail:
                    batch.outbox.append((inserted[pair], "confirm", batch.new_mail[pair]))
        if batch.resubmitted:
            connection.execute(_RESUBMIT, batch.resubmitted)
        if batch.mail_counts:
            connection.execute(_MAIL_COUNT, batch.mail_counts)
        if batch.outbox:
            rows = [
                outbox_row(self.keyring, mail, kind=kind, signature_id=sid, now=now)
                for sid, kind, mail in batch.outbox
            ]
            connection.execute(insert(OutboxMessage), rows)
        return outcomes  # type: ignore[return-value]

    def _confirmation(self, request: SignRequest, nonce: str) -> OutgoingMail:
        return self.mail.confirmation(
            request.campaign.texts(request.language).title,  # named in the signer's language
            request.email,
            nonce,
            language=request.language,
            edition=request.edition,
        )

    def _sealed(self, mail: OutgoingMail, now: datetime) -> str:
        payload: str = outbox_row(self.keyring, mail, kind="confirm", signature_id=None, now=now)[
            "payload"
        ]
        return payload

    def _judge(self, request: SignRequest, row: Any, batch: _Batch, now: datetime) -> SignOutcome:
        campaign, screening = request.campaign, request.screening
        review = screening.flagged or campaign.needs_review(request.signer_type)
        if row is None:
            nonce = new_nonce()
            batch.new.append(new_signature(request, nonce, now))
            if not screening.send_mail:
                return SignOutcome.MAIL_WITHHELD
            batch.new_mail[(campaign.id, request.email_key)] = self._confirmation(request, nonce)
            return SignOutcome.CREATED
        if not screening.send_mail:
            return SignOutcome.MAIL_WITHHELD
        if row.emails_sent >= self.max_emails:
            return SignOutcome.EMAIL_CAP_REACHED
        if row.status == "confirmed":
            mail = self.mail.already_signed(
                campaign.texts(request.language).title,
                campaign.slug,
                request.email,
                row.token_nonce,
                request.language,
            )
            batch.mail_counts.append({"b_id": row.id, "emails_sent": row.emails_sent + 1})
            batch.outbox.append((row.id, "already_signed", mail))
            return SignOutcome.ALREADY_CONFIRMED
        # Pending: the latest submission wins, and the owner of the address must confirm it.
        # A typo is fixed by signing again; the confirm page shows exactly what is confirmed.
        moderation, flag_reason = row.moderation, row.flag_reason
        if moderation == "none" and review:
            moderation, flag_reason = "held", "; ".join(screening.reasons) or None
        batch.resubmitted.append(
            {
                "b_id": row.id,
                "personal": request.personal,
                "link_edition": request.edition,
                "signer_type": request.signer_type,
                "display": request.display,
                "wants_updates": request.wants_updates,
                "moderation": moderation,
                "flag_reason": flag_reason,
                "emails_sent": row.emails_sent + 1,
                "language": request.language,
                "source": request.source,
                "updated_at": now,
                "link_sent_at": now,
            }
        )
        # The link names the new details: links sent for the details before confirm nothing.
        batch.outbox.append((row.id, "confirm", self._confirmation(request, row.token_nonce)))
        return SignOutcome.RESENT


def _fill(outcomes: list[Any], indexes: list[int], found: Sequence[Any]) -> None:
    for n, outcome in zip(indexes, found, strict=True):
        outcomes[n] = outcome


def _on_record(
    connection: Connection, requests: Sequence[SignRequest]
) -> dict[tuple[int, str], Any]:
    """The signatures already held for these addresses, by (campaign, email_key), locked until
    the batch commits (SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL needs
    the row locks). One still stored under an earlier index key is found by that hash too."""
    keys = {r.email_key for r in requests}
    current: dict[tuple[int, str], tuple[int, str]] = {}
    for request in requests:
        for earlier in request.earlier_email_keys:
            current[(request.campaign.id, earlier)] = (request.campaign.id, request.email_key)
            keys.add(earlier)
    rows = connection.execute(
        _ON_RECORD, {"ids": sorted({r.campaign.id for r in requests}), "keys": sorted(keys)}
    )
    found = {}
    for row in rows:
        pair = (row.campaign_id, row.email_key)
        found[current.get(pair, pair)] = row
    return found


def _insert_new(connection: Connection, rows: list[dict[str, Any]]) -> dict[tuple[int, str], int]:
    """Insert the new signatures; an address signed meanwhile by another process is skipped
    (not an error that would fail the whole batch). Returns the ids of the rows written."""
    if not rows:
        return {}
    statement = _INSERT_NEW[connection.dialect.name]
    result = connection.execute(statement, rows)
    return {(row.campaign_id, row.email_key): row.id for row in result}
