"""Public endorser lists: only confirmed signatures whose owners chose to be listed, by keyset."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, tuple_

from signon.db import Database
from signon.db.models import Signature
from signon.services.listcursors import ListCursors
from signon.services.pagecache import PageCache
from signon.services.records import shown_name

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class Endorser:
    """Exactly what the public may see of one signature; nothing else leaves the service."""

    type: str
    name: str
    website: str | None = None
    place: str | None = None


@dataclass(frozen=True, slots=True)
class EndorserPage:
    items: list[Endorser]
    next_cursor: str | None


# Built once: the statements' shapes never change, only their parameters.
_FIRST_PAGE = (
    select(
        Signature.id,
        Signature.signer_type,
        Signature.public_name,
        Signature.public_place,
        Signature.public_website,
        Signature.confirmed_at,
    )
    .where(
        Signature.campaign_id == bindparam("campaign_id"),
        Signature.signer_type == bindparam("signer_type"),
        Signature.listed.is_(True),
    )
    .order_by(Signature.confirmed_at.desc(), Signature.id.desc())
    .limit(bindparam("limit"))
)
# A row-value comparison, which both SQLite and PostgreSQL answer with a range scan of the list
# index (an OR of two conditions can make SQLite scan instead).
_NEXT_PAGE = _FIRST_PAGE.where(
    tuple_(Signature.confirmed_at, Signature.id)
    < tuple_(
        bindparam("after_time", type_=Signature.confirmed_at.type),
        bindparam("after_id", type_=Signature.id.type),
    )
)

# The whole list in the order people joined it (oldest first), for the delivery letter.
_ALL_FIRST = _FIRST_PAGE.order_by(None).order_by(Signature.confirmed_at, Signature.id)
_ALL_NEXT = _ALL_FIRST.where(
    tuple_(Signature.confirmed_at, Signature.id)
    > tuple_(
        bindparam("after_time", type_=Signature.confirmed_at.type),
        bindparam("after_id", type_=Signature.id.type),
    )
)


class EndorserService:
    def __init__(self, db: Database, cursors: ListCursors, cache: PageCache | None = None) -> None:
        self.db = db
        self.cursors = cursors
        self.cache = cache or PageCache(0)

    async def latest(
        self, campaign_id: int, signer_type: str, limit: int, *, name_display: str
    ) -> EndorserPage:
        """The newest endorsers, as every visitor of the campaign page sees them: held briefly."""
        key = ("endorsers", campaign_id, signer_type, limit, name_display)
        return await self.cache.get(
            key,
            lambda: self.page(campaign_id, signer_type, None, limit, name_display=name_display),
        )

    async def page(
        self,
        campaign_id: int,
        signer_type: str,
        cursor: str | None = None,
        limit: int = PAGE_SIZE,
        *,
        name_display: str,
    ) -> EndorserPage:
        """One page of the list, read afresh: the first page costs what a deep one does.
        `name_display`: the campaign's (see records.shown_name)."""
        params: dict[str, object] = {
            "campaign_id": campaign_id,
            "signer_type": signer_type,
            "limit": limit + 1,
        }
        query = _FIRST_PAGE
        if cursor:
            params["after_time"], params["after_id"] = self.cursors.decode(
                campaign_id, signer_type, cursor
            )
            query = _NEXT_PAGE
        rows = await self.db.query(lambda connection: connection.execute(query, params).all())
        more = len(rows) > limit
        rows = rows[:limit]
        items = _endorsers(rows, name_display)
        next_cursor = (
            self.cursors.encode(campaign_id, signer_type, rows[-1].confirmed_at, rows[-1].id)
            if more
            else None
        )
        return EndorserPage(items=items, next_cursor=next_cursor)

    async def every(
        self, campaign_id: int, signer_type: str, batch_size: int = 1000, *, name_display: str
    ) -> AsyncIterator[list[Endorser]]:
        """Every listed endorser of one type, oldest first, one short read per batch: memory
        stays flat however long the list, and no transaction stays open between batches."""
        params: dict[str, object] = {
            "campaign_id": campaign_id,
            "signer_type": signer_type,
            "limit": batch_size,
        }
        query = _ALL_FIRST
        while True:
            rows = await self.db.query(
                lambda connection, query=query: connection.execute(query, params).all()
            )
            if rows:
                yield _endorsers(rows, name_display)
            if len(rows) < batch_size:
                return
            params["after_time"], params["after_id"] = rows[-1].confirmed_at, rows[-1].id
            query = _ALL_NEXT


def _endorsers(rows: list[Any], name_display: str) -> list[Endorser]:
    return [
        Endorser(
            r.signer_type,
            shown_name(r.signer_type, r.public_name or "", name_display),
            r.public_website,
            r.public_place,
        )
        for r in rows
    ]
