"""A sign batch's common case: addresses new to their campaign, written with their mail at once.

In a crowd nearly every signature is a first one: a new row and its confirmation mail. Those are
inserted here straight through the driver, without SQLAlchemy, each batch's new signatures and
their queued mail together:

- on PostgreSQL as one statement (an INSERT of the signatures whose campaign is open, and the
  outbox rows of those inserted, as data-modifying parts of one query), so a batch costs one
  round trip, committed on its own before it returns, instead of six;
- on SQLite as three statements inside the batch's transaction.

A row whose address is already on record for the campaign is skipped by the unique constraint
(`ON CONFLICT DO NOTHING`), and so is one whose campaign is no longer open; the caller sends
what was not inserted through the full rules of services/signrules.py, which read the
signatures on record first.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from signon.services.outcomes import SignOutcome

if TYPE_CHECKING:
    from signon.services.signbatch import SignRequest

# The values a new signature is given per row; the rest are the same for every row of a batch.
COLUMNS = (
    "campaign_id",
    "signer_type",
    "moderation",
    "flag_reason",
    "email_key",
    "personal",
    "display",
    "wants_updates",
    "token_nonce",
    "link_edition",
    "language",
    "source",
    "emails_sent",
)
_PG_TYPES = (
    "bigint", "text", "text", "text", "text", "text", "text", "boolean", "text", "text", "text",
    "text", "integer",
)  # fmt: skip
_FIXED = ("status", "listed", "created_at", "updated_at", "link_sent_at")
_INSERTED = "id, campaign_id, email_key"
_CAMPAIGN, _EMAIL_KEY = COLUMNS.index("campaign_id"), COLUMNS.index("email_key")

Pair = tuple[int, str]  # (campaign, email_key): one signature each


def new_signature(request: SignRequest, nonce: str, now: datetime) -> dict[str, Any]:
    """A new signature's values, the same through either path."""
    campaign, screening = request.campaign, request.screening
    review = screening.flagged or campaign.needs_review(request.signer_type)
    return {
        "campaign_id": campaign.id,
        "signer_type": request.signer_type,
        "status": "pending",
        "moderation": "held" if review else "none",
        "flag_reason": "; ".join(screening.reasons) or None,
        "email_key": request.email_key,
        "personal": request.personal,
        "display": request.display,
        "wants_updates": request.wants_updates,
        "listed": False,
        "token_nonce": nonce,
        "link_edition": request.edition,
        "language": request.language,
        "source": request.source,
        "emails_sent": 1 if screening.send_mail else 0,
        "created_at": now,
        "updated_at": now,
        "link_sent_at": now,
    }


class FirstSignatures:
    """The requests of a batch that may be first signatures (by their index in the batch),
    with their rows (COLUMNS order) and their sealed confirmation mail (None: withheld)."""

    def __init__(self) -> None:
        self.requests: list[int] = []
        self.pairs: set[Pair] = set()
        self.rows: list[tuple[Any, ...]] = []
        self.payloads: list[str | None] = []

    def add(self, n: int, pair: Pair, row: tuple[Any, ...], payload: str | None) -> None:
        self.requests.append(n)
        self.pairs.add(pair)
        self.rows.append(row)
        self.payloads.append(payload)

    def outcomes(
        self, requests: Sequence[SignRequest], inserted: dict[Pair, int]
    ) -> tuple[list[SignOutcome | None], list[int]]:
        """The outcomes of the requests whose signature was inserted, and the rest's indexes."""
        outcomes: list[SignOutcome | None] = [None] * len(requests)
        for n, payload in zip(self.requests, self.payloads, strict=True):
            request = requests[n]
            if (request.campaign.id, request.email_key) in inserted:
                outcomes[n] = SignOutcome.CREATED if payload else SignOutcome.MAIL_WITHHELD
        return outcomes, [n for n, outcome in enumerate(outcomes) if outcome is None]


def new_row(values: dict[str, Any]) -> tuple[Any, ...]:
    """A new signature's values (a dict with at least COLUMNS) in COLUMNS order."""
    return tuple(values[name] for name in COLUMNS)


def _postgres_statement() -> str:
    given = ", ".join(f"${n}::{kind}[]" for n, kind in enumerate(_PG_TYPES, start=1))
    payload, now = len(COLUMNS) + 1, len(COLUMNS) + 2
    return f"""
WITH given AS (
    SELECT * FROM unnest({given}, ${payload}::text[]) AS g({", ".join(COLUMNS)}, payload)
), new AS (
    INSERT INTO signatures ({", ".join(COLUMNS + _FIXED)})
    SELECT {", ".join(f"g.{name}" for name in COLUMNS)}, 'pending', false, ${now}, ${now}, ${now}
    FROM given g JOIN campaigns c ON c.id = g.campaign_id AND c.status = 'open'
    ORDER BY g.campaign_id, g.email_key  -- concurrent batches take the index's locks in order
    ON CONFLICT (campaign_id, email_key) DO NOTHING
    RETURNING {_INSERTED}
), mail AS (
    INSERT INTO outbox (kind, payload, signature_id, attempts, created_at, next_attempt_at)
    SELECT 'confirm', g.payload, new.id, 0, ${now}, ${now}
    FROM new JOIN given g USING (campaign_id, email_key)
    WHERE g.payload IS NOT NULL
)
SELECT {_INSERTED} FROM new
"""


POSTGRES_STATEMENT = _postgres_statement()


async def insert_postgres(
    driver: Any, rows: Sequence[tuple[Any, ...]], payloads: Sequence[str | None], now: datetime
) -> dict[Pair, int]:
    """Insert the rows (COLUMNS order) and, for each inserted, its sealed confirmation mail
    (None: none is sent), through an asyncpg connection outside any transaction: the statement
    is its own, committed before this returns. Returns the ids inserted, by pair."""
    columns = [list(column) for column in zip(*rows, strict=True)]
    records = await driver.fetch(POSTGRES_STATEMENT, *columns, list(payloads), now)
    return {(r["campaign_id"], r["email_key"]): r["id"] for r in records}


@cache
def _sqlite_insert(count: int) -> str:
    placeholders = ", ".join("?" * (len(COLUMNS) + len(_FIXED)))
    values = ", ".join(f"({placeholders})" for _ in range(count))
    return (
        f"INSERT INTO signatures ({', '.join(COLUMNS + _FIXED)}) VALUES {values} "
        f"ON CONFLICT (campaign_id, email_key) DO NOTHING RETURNING {_INSERTED}"
    )


@cache
def _sqlite_open(count: int) -> str:
    return f"SELECT id FROM campaigns WHERE status = 'open' AND id IN ({', '.join('?' * count)})"


_SQLITE_OUTBOX = (
    "INSERT INTO outbox (kind, payload, signature_id, attempts, created_at, next_attempt_at) "
    "VALUES ('confirm', ?, ?, 0, ?, ?)"
)


def sqlite_time(moment: datetime) -> str:
    """A time as SQLAlchemy stores it in SQLite (UTC, naive, microseconds always)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def insert_sqlite(
    connection: sqlite3.Connection,
    rows: Sequence[tuple[Any, ...]],
    payloads: Sequence[str | None],
    now: datetime,
) -> dict[Pair, int]:
    """As insert_postgres, inside the caller's transaction on a `sqlite3` connection."""
    campaign_ids = sorted({row[_CAMPAIGN] for row in rows})
    open_ids = {id_ for (id_,) in connection.execute(_sqlite_open(len(campaign_ids)), campaign_ids)}
    stamp = sqlite_time(now)
    fixed = ("pending", False, stamp, stamp, stamp)
    chosen = [n for n, row in enumerate(rows) if row[_CAMPAIGN] in open_ids]
    if not chosen:
        return {}
    values = [value for n in chosen for value in (*rows[n], *fixed)]
    inserted = {
        (campaign_id, email_key): id_
        for id_, campaign_id, email_key in connection.execute(_sqlite_insert(len(chosen)), values)
    }
    mail = []
    for n in chosen:
        id_ = inserted.get((rows[n][_CAMPAIGN], rows[n][_EMAIL_KEY]))
        if id_ is not None and payloads[n] is not None:
            mail.append((payloads[n], id_, stamp, stamp))
    connection.executemany(_SQLITE_OUTBOX, mail)
    return inserted
