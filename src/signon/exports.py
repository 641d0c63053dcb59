"""Exports of signatory lists, streamed and logged: the organizers' full CSV (rows from
exportrows, by worker processes for `signon export`) and the delivery list of what is public.

Rows are read in keyset batches, each in its own short read transaction, so memory stays flat
however long the list is and a streaming HTTP response never depends on the request's session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from signon.crypto import Keyring
from signon.csvsafe import csv_text, text_csv
from signon.db import Database
from signon.db.models import ExportRecord, Signature, utcnow
from signon.exportrows import (
    BATCH_SIZE,
    COLUMNS,
    ExportFilters,
    confirmed_signature_rows,
    id_span,
)
from signon.services.records import shown_name

if TYPE_CHECKING:
    from signon.exportworkers import ExportWorkers

DELIVERY_COLUMNS = ("type", "name", "place", "website")


async def listed_rows(
    db: Database, campaign_id: int, name_display: str, batch_size: int = BATCH_SIZE
) -> AsyncIterator[list[Sequence[object]]]:
    """What the public sees, organizations first: for handing the list to a campaign's target.
    `name_display`: the campaign's (see records.shown_name)."""
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
            yield [
                (
                    signer_type,
                    shown_name(signer_type, r.public_name or "", name_display),
                    r.public_place,
                    r.public_website,
                )
                for r in batch
            ]
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
        async for cells in confirmed_signature_rows(self.db, self.keyring, campaign_id, filters):
            rows += len(cells)
            yield text_csv(cells)
        await self._finish(record, rows)

    async def full_csv_by(
        self,
        workers: ExportWorkers,
        campaign_id: int,
        user_id: int | None,
        filters: ExportFilters | None = None,
        progress: Callable[[int], None] = lambda _: None,
    ) -> AsyncIterator[bytes]:
        """full_csv, the same bytes in UTF-8, read and formatted by worker processes; progress
        is told how many signatures each chunk holds.

        The workers' answers are waited for without yielding to the event loop: this is for
        `signon export`, whose loop has nothing else to do.
        """
        filters = filters or ExportFilters()
        record = await self._start(campaign_id, user_id, "full", filters.describe())
        rows = 0
        yield csv_text([COLUMNS]).encode()
        span = await id_span(self.db, campaign_id)
        for count, data in workers.slices(campaign_id, filters, *span) if span else ():
            rows += count
            yield data
            progress(count)
        await self._finish(record, rows)

    async def delivery_csv(
        self, campaign_id: int, user_id: int | None, name_display: str
    ) -> AsyncIterator[str]:
        record = await self._start(campaign_id, user_id, "delivery", "{}")
        rows = 0
        yield csv_text([DELIVERY_COLUMNS])
        async for batch in listed_rows(self.db, campaign_id, name_display):
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
