"""The one CSV writer for signatory lists (`signon export`, later the organizers' download).

Rows are read in keyset batches, each in its own short read transaction, so memory stays flat
however long the list is and a streaming HTTP response never depends on the request's session.
Every cell is neutralised against spreadsheet formula injection.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from signon.crypto import Keyring
from signon.db import Database
from signon.db.models import Signature
from signon.services.records import PersonalData

COLUMNS = (
    "id", "signer_type", "status", "moderation", "flag_reason", "name", "email", "organization",
    "website", "role", "city", "country", "comment", "display", "wants_updates", "created_at",
    "confirmed_at",
)  # fmt: skip
_STORED = ("id", "signer_type", "status", "moderation", "flag_reason")
_PERSONAL = ("name", "email", "organization", "website", "role", "city", "country", "comment")
# Characters that make a spreadsheet treat a cell as a formula (and their full-width forms).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
BATCH_SIZE = 2000


def safe_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    if isinstance(value, int):
        return text
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    # Quoting every cell keeps a ";" inside a cell from starting a new one in spreadsheets
    # that split on semicolons.
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return buffer.getvalue()


async def confirmed_signature_rows(
    db: Database, keyring: Keyring, campaign_id: int, batch_size: int = BATCH_SIZE
) -> AsyncIterator[list[Sequence[object]]]:
    """Confirmed signatures in id order, decrypted, one list per short read transaction."""
    after = 0
    while True:
        async with db.read() as session:
            batch = (
                await session.execute(
                    select(
                        *(getattr(Signature, name) for name in _STORED),
                        Signature.personal,
                        Signature.display,
                        Signature.wants_updates,
                        Signature.created_at,
                        Signature.confirmed_at,
                    )
                    .where(
                        Signature.campaign_id == campaign_id,
                        Signature.status == "confirmed",
                        Signature.id > after,
                    )
                    .order_by(Signature.id)
                    .limit(batch_size)
                )
            ).all()
        if not batch:
            return
        yield [_row(keyring, row) for row in batch]
        after = batch[-1].id


def _row(keyring: Keyring, row: Any) -> tuple[object, ...]:
    personal = PersonalData.open(keyring, row.personal)
    values = [getattr(personal, name) if personal else None for name in _PERSONAL]
    stored = [getattr(row, name) for name in _STORED]
    return (*stored, *values, row.display, row.wants_updates, row.created_at, row.confirmed_at)


async def signature_csv(db: Database, keyring: Keyring, campaign_id: int) -> AsyncIterator[str]:
    """The CSV of a campaign's confirmed signatures, header first, in chunks."""
    yield csv_text([COLUMNS])
    async for batch in confirmed_signature_rows(db, keyring, campaign_id):
        yield csv_text(batch)
