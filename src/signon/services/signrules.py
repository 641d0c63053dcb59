"""The full rules of a sign batch (see services/signbatch.py): the signatures on record for its
addresses are read first, locked, and each request is judged against its own. A fixed number of
statements whatever the batch's size: one read of the campaigns, one of the addresses already
on record, one insert of new signatures, one update of the existing ones, one insert of the
queued mail.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from signon.crypto import Keyring
from signon.db.models import Campaign, OutboxMessage, Signature
from signon.mail import OutgoingMail
from signon.services.groupcommit import RETRY, Retry
from signon.services.newsigners import new_signature
from signon.services.outbox import outbox_row
from signon.services.outcomes import CampaignClosed, SignOutcome
from signon.services.signermail import SignerMail
from signon.tokens import new_nonce

if TYPE_CHECKING:
    from signon.services.signbatch import SignRequest

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


def confirmation(mail: SignerMail, request: SignRequest, nonce: str) -> OutgoingMail:
    """The confirmation mail of a signature, in the signer's language."""
    return mail.confirmation(
        request.campaign.texts(request.language).title,
        request.email,
        nonce,
        language=request.language,
        edition=request.edition,
    )


class FullRules:
    """Writes a batch's requests by the full rules, inside the caller's transaction."""

    def __init__(self, keyring: Keyring, mail: SignerMail, max_emails: int) -> None:
        self.keyring = keyring
        self.mail = mail
        self.max_emails = max_emails

    def write(
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

    def _judge(self, request: SignRequest, row: Any, batch: _Batch, now: datetime) -> SignOutcome:
        campaign, screening = request.campaign, request.screening
        review = screening.flagged or campaign.needs_review(request.signer_type)
        if row is None:
            nonce = new_nonce()
            batch.new.append(new_signature(request, nonce, now))
            if not screening.send_mail:
                return SignOutcome.MAIL_WITHHELD
            mail = confirmation(self.mail, request, nonce)
            batch.new_mail[(campaign.id, request.email_key)] = mail
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
        batch.outbox.append((row.id, "confirm", confirmation(self.mail, request, row.token_nonce)))
        return SignOutcome.RESENT


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
