"""Signing, as a batch: the sign requests that arrived together, written together.

The rules are those of one signature per address per campaign (see services/signatures.py); here
they are applied set-wise, with a fixed number of statements per batch whatever its size.

First signatures, nearly all of a crowd's, go the short way (services/newsigners.py): each
batch's are inserted with their mail at once, straight through the driver. The requests that
did not go in that way (an address on record, a campaign closed meanwhile, the same address
twice in one batch) then take the full rules (services/signrules.py), which read the signatures
on record first. On SQLite both are one transaction; on PostgreSQL the short way is a statement
of its own, committed before the rest are written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from signon.abuse.screening import Screening
from signon.crypto import Keyring
from signon.db import Database
from signon.db.models import utcnow
from signon.services.campaigns import CampaignView
from signon.services.groupcommit import Retry
from signon.services.newsigners import (
    FirstSignatures,
    insert_postgres,
    insert_sqlite,
    new_row,
    new_signature,
)
from signon.services.outbox import sealed_payload
from signon.services.outcomes import SignOutcome
from signon.services.signermail import SignerMail
from signon.services.signrules import FullRules, confirmation
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


class SignBatch:
    def __init__(self, db: Database, keyring: Keyring, mail: SignerMail, max_emails: int) -> None:
        self.db = db
        self.keyring = keyring
        self.mail = mail
        self.rules = FullRules(keyring, mail, max_emails)

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
                    lambda connection: self.rules.write(
                        connection, [requests[n] for n in rest], now
                    )
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
                lambda connection: self.rules.write(connection, [request], now)
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
            _fill(outcomes, rest, self.rules.write(connection, [requests[n] for n in rest], now))
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
                sealed = sealed_payload(self.keyring, confirmation(self.mail, request, nonce))
            first.add(n, pair, new_row(new_signature(request, nonce, now)), sealed)
        return first


def _fill(outcomes: list[Any], indexes: list[int], found: Sequence[Any]) -> None:
    for n, outcome in zip(indexes, found, strict=True):
        outcomes[n] = outcome
