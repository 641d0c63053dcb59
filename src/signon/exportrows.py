"""The rows of a full export: which confirmed signatures, read how, and turned into CSV cells.

A full export may be a million rows, so the per-row work is kept to what cannot be done per
batch: rows are read as plain Core tuples (no ORM objects, no datetime round trip), decrypted by
one Keyring call and parsed by one JSON decoding per batch, and written by csvsafe.text_csv,
which neutralises and quotes a whole batch with a few C-level string operations.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from itertools import repeat
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import Row, Select, Text, bindparam, cast, func, select, type_coerce
from sqlalchemy.types import NullType

from signon.crypto import Keyring
from signon.csvsafe import text_csv_utf8
from signon.db import Database
from signon.db.models import Signature
from signon.i18n import gettext
from signon.services.records import PERSONAL

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

COLUMNS = (
    "id", "signer_type", "status", "moderation", "flag_reason", "name", "email", "organization",
    "website", "role", "city", "country", "comment", "display", "wants_updates", "created_at",
    "confirmed_at", "source",
)  # fmt: skip
_PERSONAL = ("name", "email", "organization", "website", "role", "city", "country", "comment")
_NOTHING: dict[str, str] = {}
_JSON_DECODE = msgspec.json.Decoder().decode
_EMPTY_FOR_NONE = {None: ""}.get  # used as map(_EMPTY_FOR_NONE, values, values)
_TABLE = Signature.__table__.c


def _read(sqlite: bool) -> tuple[Any, ...]:
    """What a full export reads, in this order. Timestamps come as naive UTC text (see
    _timestamps): as SQLite stores them, with microseconds; from PostgreSQL as its ISO text
    (the engine asks for ISO output: db/engine.py), which trims a fraction's trailing zeros.
    Either costs less than asyncpg's datetimes and an isoformat call for each, and the cast
    costs PostgreSQL a fifth of what to_char did (0.3 against 1.8 µs a row)."""
    if sqlite:
        created, confirmed = (
            type_coerce(c, NullType()) for c in (_TABLE.created_at, _TABLE.confirmed_at)
        )
    else:
        created, confirmed = (
            cast(func.timezone("UTC", c), Text) for c in (_TABLE.created_at, _TABLE.confirmed_at)
        )
    return (
        _TABLE.id, _TABLE.signer_type, _TABLE.status, _TABLE.moderation, _TABLE.flag_reason,
        _TABLE.personal, _TABLE.display, _TABLE.wants_updates, created, confirmed, _TABLE.source,
    )  # fmt: skip


BATCH_SIZE = 5000
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
            found.append(gettext("unknown signer type"))
        if self.status not in STATUS_FILTERS:
            found.append(gettext("unknown status"))
        return found

    def describe(self) -> str:
        values = {
            k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(self).items()
        }
        return json.dumps(values, sort_keys=True)


def _conditions(campaign_id: int, filters: ExportFilters, sqlite: bool) -> list[Any]:
    campaign, status = _TABLE.campaign_id, _TABLE.status
    if sqlite:
        # SQLite keeps no statistics: offered an equality on an indexed column it reads every
        # confirmed row through that index and sorts them, for every batch (quadratic). As
        # no-op expressions these columns leave it the primary key range, one batch at a time.
        campaign, status = campaign + 0, status + ""
    conditions = [campaign == campaign_id, status == "confirmed"]
    if filters.signer_type:
        conditions.append(_TABLE.signer_type == filters.signer_type)
    if moderation := STATUS_FILTERS[filters.status]:
        conditions.append(_TABLE.moderation.in_(moderation))
    if filters.confirmed_from:
        conditions.append(_TABLE.confirmed_at >= filters.confirmed_from)
    if filters.confirmed_until:
        conditions.append(_TABLE.confirmed_at < filters.confirmed_until)
    if filters.updates_only:
        conditions.append(_TABLE.wants_updates.is_(True))
    return conditions


def slice_query(campaign_id: int, filters: ExportFilters, sqlite: bool) -> Select[Any]:
    """The full export's rows with ids from the parameter "low" up to (not including) "high",
    in id order: what one `signon export` worker reads (see exportworkers)."""
    in_slice = (_TABLE.id >= bindparam("low"), _TABLE.id < bindparam("high"))
    conditions = _conditions(campaign_id, filters, sqlite)
    return select(*_read(sqlite)).where(*conditions, *in_slice).order_by(_TABLE.id)


async def id_span(db: Database, campaign_id: int) -> tuple[int, int] | None:
    """The first and last id of a campaign's signatures of any kind, or None if it has none:
    bounds for any of its exports."""
    campaign = _TABLE.campaign_id
    async with db.read() as session:
        if await session.scalar(select(_TABLE.id).where(campaign == campaign_id).limit(1)) is None:
            return None
        if db.is_sqlite:
            return await _sqlite_id_span(session, campaign_id)
        query = select(_TABLE.id).where(campaign == campaign_id).limit(1)
        first = await session.scalar(query.order_by(_TABLE.id))
        last = await session.scalar(query.order_by(_TABLE.id.desc()))
    return None if first is None or last is None else (first, last)


async def _sqlite_id_span(session: AsyncSession, campaign_id: int) -> tuple[int, int] | None:
    """SQLite keeps no statistics to choose between the primary key and the campaign's index.
    When the table's first and last rows are both the campaign's (as when it is the only one
    with signatures), they are its span, found at once. Otherwise the span comes from the
    campaign's own entries in its index (0.16 s for a million, a small share of exporting
    them), not from a walk of the primary key over every other campaign's rows before or after
    its own (0.25 s a million with the pages cached, and no bound)."""
    ends = select(_TABLE.id, _TABLE.campaign_id).limit(1)
    first = (await session.execute(ends.order_by(_TABLE.id))).one()
    last = (await session.execute(ends.order_by(_TABLE.id.desc()))).one()
    if first.campaign_id == last.campaign_id == campaign_id:
        return first.id, last.id
    own = select(func.min(_TABLE.id), func.max(_TABLE.id)).where(_TABLE.campaign_id == campaign_id)
    low, high = (await session.execute(own)).one()
    return None if low is None else (low, high)


async def _signature_batches(
    db: Database, campaign_id: int, filters: ExportFilters, batch_size: int
) -> AsyncIterator[Sequence[Row[Any]]]:
    """Rows as the driver returns them, in id order, one short read transaction per batch."""
    conditions, read = _conditions(campaign_id, filters, db.is_sqlite), _read(db.is_sqlite)
    after = 0
    while True:
        query = select(*read).where(*conditions, _TABLE.id > after)
        async with db.read() as session:
            batch = (await session.execute(query.order_by(_TABLE.id).limit(batch_size))).all()
        if batch:
            yield batch
        if len(batch) < batch_size:
            return
        after = batch[-1][0]


def _timestamp(value: datetime | str | None) -> str:
    """A timestamp as datetime.isoformat() writes it (in UTC), from what the driver returned."""
    if isinstance(value, str):  # the text form of a naive UTC time (see _read)
        text = _whole_fraction(value)
        if len(text) == 26 and text[19] == "." and not text.endswith("000000"):
            return text.replace(" ", "T", 1) + "+00:00"  # the usual form, without parsing
        value = datetime.fromisoformat(text)
    if value is None:
        return ""
    if value.tzinfo is not UTC:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat()


def _whole_fraction(text: str) -> str:
    """PostgreSQL's text of a time trims its fraction's trailing zeros ("…:05.1"): the fraction
    padded back to six digits, as SQLite stores it ("…:05.100000")."""
    return text.ljust(26, "0") if 20 < len(text) < 26 and text[19] == "." else text


def _timestamps(values: Sequence[datetime | str | None]) -> list[str]:
    """_timestamp of each value; the usual forms take a few C-level operations per batch."""
    count = len(values)
    try:
        text = "\x1f".join(values)  # type: ignore[arg-type]
    except TypeError:  # not all text: a NULL among them
        return list(map(_timestamp, values))
    if len(text) != 27 * count - 1:  # some from PostgreSQL with a trimmed fraction, perhaps
        texts: Sequence[str] = values  # type: ignore[assignment]  # all text: they joined
        values = [t if len(t) == 26 else _whole_fraction(t) for t in texts]
        text = "\x1f".join(values)  # type: ignore[arg-type]
    # The text is the usual form of _timestamp's shortcut everywhere if each value is
    # 26 characters with one space at 10 and a "." at 19 and does not end in "000000".
    usual = (
        len(text) == 27 * count - 1
        and text[26::27] == "\x1f" * (count - 1) == "\x1f" * text.count("\x1f")
        and text[10::27] == " " * count == " " * text.count(" ")
        and text[19::27] == "." * count
        and "000000\x1f" not in text + "\x1f"
    )
    if not usual:
        return list(map(_timestamp, values))
    return (text.replace(" ", "T").replace("\x1f", "+00:00\x1f") + "+00:00").split("\x1f")


def _json_list(text: bytes) -> list[Any]:
    """json.loads of a list of stored personal records, by msgspec's faster decoder; what it
    refuses (NaN, for one, which json.dumps can write) goes to json.loads."""
    try:
        return _JSON_DECODE(text)  # type: ignore[no-any-return]
    except msgspec.DecodeError:
        return json.loads(text)  # type: ignore[no-any-return]


def _signature_cells(keyring: Keyring, batch: Sequence[Sequence[Any]]) -> list[tuple[str, ...]]:
    """The CSV cells of a batch of rows read as _read gives them, as text.

    Decrypted with one Keyring call and parsed with one JSON decoding per batch, and built
    column by column with C-level map and zip: per-row Python would cost more than the work.
    """
    if not batch:
        return []
    sealed = keyring.decrypt_many([row[5] for row in batch], PERSONAL)
    people = _json_list(b"[" + b",".join(b"null" if s is None else s for s in sealed) + b"]")
    # Erased by retention or withdrawal (None), or stored before a field existed: "".
    people = [_NOTHING if person is None else person for person in people]
    ids, kinds, statuses, moderations, flags, _, displays, updates, created, confirmed, sources = (
        zip(*batch, strict=True)
    )
    personal = [list(map(dict.get, people, repeat(name))) for name in _PERSONAL]
    return list(
        zip(
            map(str, ids), kinds, statuses, moderations, map(_EMPTY_FOR_NONE, flags, flags),
            *[map(_EMPTY_FOR_NONE, values, values) for values in personal],
            displays, ["yes" if wanted else "no" for wanted in updates],
            _timestamps(created), _timestamps(confirmed),
            [source or "page" for source in sources],
            strict=True,
        )
    )  # fmt: skip


def signature_csv(keyring: Keyring, rows: Sequence[Sequence[Any]]) -> bytes:
    """The CSV lines, in UTF-8, of rows read as _read gives them (by slice_query)."""
    return text_csv_utf8(_signature_cells(keyring, rows))


async def confirmed_signature_rows(
    db: Database,
    keyring: Keyring,
    campaign_id: int,
    filters: ExportFilters | None = None,
    batch_size: int = BATCH_SIZE,
) -> AsyncIterator[list[tuple[Any, ...]]]:
    """Confirmed signatures in id order, decrypted, as their CSV cells (all text), one list per
    short read transaction."""
    batches = _signature_batches(db, campaign_id, filters or ExportFilters(), batch_size)
    async for batch in batches:
        yield _signature_cells(keyring, batch)
