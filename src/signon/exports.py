"""The one CSV writer for signatory lists: `signon export`, and the organizers' downloads.

Rows are read in keyset batches, each in its own short read transaction, so memory stays flat
however long the list is and a streaming HTTP response never depends on the request's session.
Every cell is neutralised against spreadsheet formula injection.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from signon.crypto import Keyring
from signon.db import Database
from signon.db.models import ExportRecord, Signature, utcnow
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
DELIVERY_COLUMNS = ("type", "name", "place", "website")
# Which confirmed signatures a full export holds, by moderation state.
STATUS_FILTERS = {
    "confirmed": None,
    "counted": ("none", "approved", "hidden"),
    "held": ("held",),
    "rejected": ("rejected",),
    "hidden": ("hidden",),
}
SIGNER_TYPES = ("individual", "organization")


@dataclass(frozen=True, slots=True)
class ExportFilters:
    signer_type: str | None = None
    status: str = "confirmed"
    confirmed_from: datetime | None = None
    confirmed_until: datetime | None = None
    updates_only: bool = False

    def problems(self) -> list[str]:
        found = []
        if self.signer_type not in (None, *SIGNER_TYPES):
            found.append("unknown signer type")
        if self.status not in STATUS_FILTERS:
            found.append("unknown status")
        return found

    def describe(self) -> str:
        values = {
            k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(self).items()
        }
        return json.dumps(values, sort_keys=True)


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
    db: Database,
    keyring: Keyring,
    campaign_id: int,
    filters: ExportFilters | None = None,
    batch_size: int = BATCH_SIZE,
) -> AsyncIterator[list[Sequence[object]]]:
    """Confirmed signatures in id order, decrypted, one list per short read transaction."""
    filters = filters or ExportFilters()
    conditions = [Signature.campaign_id == campaign_id, Signature.status == "confirmed"]
    if filters.signer_type:
        conditions.append(Signature.signer_type == filters.signer_type)
    if moderation := STATUS_FILTERS[filters.status]:
        conditions.append(Signature.moderation.in_(moderation))
    if filters.confirmed_from:
        conditions.append(Signature.confirmed_at >= filters.confirmed_from)
    if filters.confirmed_until:
        conditions.append(Signature.confirmed_at < filters.confirmed_until)
    if filters.updates_only:
        conditions.append(Signature.wants_updates.is_(True))
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
                    .where(*conditions, Signature.id > after)
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


async def listed_rows(
    db: Database, campaign_id: int, batch_size: int = BATCH_SIZE
) -> AsyncIterator[list[Sequence[object]]]:
    """What the public sees, organizations first: for handing the list to a campaign's target."""
    for signer_type in ("organization", "individual"):
        after = 0
        while True:
            async with db.read() as session:
                batch = (
                    await session.execute(
                        select(
                            Signature.id,
                            Signature.public_name,
                            Signature.public_place,
                            Signature.public_website,
                        )
                        .where(
                            Signature.campaign_id == campaign_id,
                            Signature.signer_type == signer_type,
                            Signature.listed.is_(True),
                            Signature.id > after,
                        )
                        .order_by(Signature.id)
                        .limit(batch_size)
                    )
                ).all()
            if not batch:
                break
            yield [(signer_type, r.public_name, r.public_place, r.public_website) for r in batch]
            after = batch[-1].id


class ExportService:
    """Streams exports and keeps their audit log (who, when, which filters, how many rows)."""

    def __init__(self, db: Database, keyring: Keyring) -> None:
        self.db = db
        self.keyring = keyring

    async def _start(self, campaign_id: int, user_id: int | None, kind: str, filters: str) -> int:
        async with self.db.write() as session:
            record = ExportRecord(
                campaign_id=campaign_id,
                user_id=user_id,
                kind=kind,
                filters=filters,
                row_count=None,
                created_at=utcnow(),
            )
            session.add(record)
        return record.id

    async def _finish(self, record_id: int, rows: int) -> None:
        async with self.db.write() as session:
            await session.execute(
                update(ExportRecord).where(ExportRecord.id == record_id).values(row_count=rows)
            )

    async def full_csv(
        self, campaign_id: int, user_id: int | None, filters: ExportFilters | None = None
    ) -> AsyncIterator[str]:
        filters = filters or ExportFilters()
        # Logged before the first byte: an interrupted download still shows in the log.
        record = await self._start(campaign_id, user_id, "full", filters.describe())
        rows = 0
        yield csv_text([COLUMNS])
        async for batch in confirmed_signature_rows(self.db, self.keyring, campaign_id, filters):
            rows += len(batch)
            yield csv_text(batch)
        await self._finish(record, rows)

    async def delivery_csv(self, campaign_id: int, user_id: int | None) -> AsyncIterator[str]:
        record = await self._start(campaign_id, user_id, "delivery", "{}")
        rows = 0
        yield csv_text([DELIVERY_COLUMNS])
        async for batch in listed_rows(self.db, campaign_id):
            rows += len(batch)
            yield csv_text(batch)
        await self._finish(record, rows)

    async def log(self, campaign_id: int, limit: int = 50) -> list[ExportRecord]:
        async with self.db.read() as session:
            return list(
                await session.scalars(
                    select(ExportRecord)
                    .where(ExportRecord.campaign_id == campaign_id)
                    .order_by(ExportRecord.id.desc())
                    .limit(limit)
                )
            )
