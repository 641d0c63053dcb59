"""`signon keys rotate`, the address lookups: every stored address hash redone under a new
index key, while the app keeps serving.

An address's keyed hash (`signatures.email_key`, `users.email_key`) finds its signature or
account without the address being stored in clear. Someone holding the index key can test a
list of addresses against a copy of the database, so it is rotated with the data keys:

1. The new index key is written to the key file, the old one kept among `earlier_index_keys`.
   Within crypto.RELOAD_SECONDS every process stores the new hash and looks an address up by
   its hash under each of the keys (Keyring.email_lookup_keys).
2. After a grace period, every hash is recomputed from the address it was made of (decrypted
   from the signature's personal data, or the account's sealed address) and rewritten when it
   differs, compare-and-set, a batch to a transaction.
3. When a whole pass finds nothing left to redo, the earlier keys are removed from the file.

Only in the grace period's first seconds, one address signing one campaign twice at the same
moment, once in a process that has not yet reloaded the key file, could be stored under both
hashes (the unique index compares one). The sweep keeps the signature stored under the new
hash as the address's, and leaves the other without a lookup hash, in the report for the
organizers to see to; accounts are made one at a time and checked under every key.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from signon.crypto import Keyring, new_index_key, read_key_file, write_key_file
from signon.db import Database
from signon.db.models import Signature, User
from signon.services.accounts import USER_EMAIL
from signon.services.keys import MAX_SWEEPS, rotation_lock
from signon.services.records import PERSONAL

BATCH = 1_000
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Hashed:
    """A table of stored address hashes, and where each row's address is sealed."""

    table: Table
    sealed: str  # the column
    context: str  # its associated data
    scope: str | None  # the column the hash is unique within (None: the whole table)

    def address(self, opened: bytes) -> str:
        return str(json.loads(opened)["email"]) if self.table is _SIGNATURES else opened.decode()


_SIGNATURES, _USERS = Signature.__table__, User.__table__
HASHED = (
    _Hashed(_SIGNATURES, "personal", PERSONAL, "campaign_id"),
    _Hashed(_USERS, "email", USER_EMAIL, None),
)


@dataclass(slots=True)
class IndexRotationReport:
    rehashed: int = 0  # stored hashes found under an earlier key and rewritten
    # (detached, kept): a signature whose address another signature of the same campaign
    # (kept) holds under the new key, signed twice during the grace period; the detached one
    # is left without a lookup hash.
    detached: list[tuple[int, int]] = field(default_factory=list)


async def rotate_index_key(
    db: Database, key_file: Path, grace_seconds: float = 5.0
) -> IndexRotationReport:
    with rotation_lock(key_file):
        current = read_key_file(key_file)
        earlier = (current.index_key, *current.earlier_index_keys)
        write_key_file(
            key_file, replace(current, index_key=new_index_key(), earlier_index_keys=earlier)
        )
        await asyncio.sleep(grace_seconds)  # let running processes store the new hashes

        keyring, report = Keyring(key_file), IndexRotationReport()
        for _ in range(MAX_SWEEPS):
            redone = 0
            for hashed in HASHED:
                redone += await _rehash(db, keyring, hashed, report)
            if not redone:
                write_key_file(key_file, replace(read_key_file(key_file), earlier_index_keys=()))
                return report
            report.rehashed += redone
    raise RuntimeError(
        "hashes under the earlier index keys keep appearing: is a process still running with "
        "an old key file? The earlier keys were kept (lookups still use them); run the "
        "rotation again."
    )


async def _rehash(
    db: Database, keyring: Keyring, hashed: _Hashed, report: IndexRotationReport
) -> int:
    """One pass over a table's stored hashes; returns how many it rewrote."""
    c = hashed.table.c
    scope = c[hashed.scope] if hashed.scope else literal_column("0")
    query = select(c.id, c.email_key, c[hashed.sealed], scope.label("scope"))
    redone, after = 0, 0
    while True:
        async with db.read() as session:
            rows = (
                await session.execute(
                    query.where(c.id > after, c.email_key.is_not(None)).order_by(c.id).limit(BATCH)
                )
            ).all()
        if not rows:
            return redone
        after = rows[-1].id
        opened = keyring.decrypt_many([row[2] for row in rows], hashed.context)
        fresh = [None if o is None else keyring.email_key(hashed.address(o)) for o in opened]
        stale = [(row, key) for row, key in zip(rows, fresh, strict=True) if key != row.email_key]
        if stale:
            async with db.write() as session:
                taken = await _taken(session, hashed, stale)
                changes = _changes(hashed, stale, taken, report)
                await session.execute(_rehash_statement(hashed.table), changes)
            redone += len(stale)


async def _taken(
    session: AsyncSession, hashed: _Hashed, stale: list[tuple[Any, str | None]]
) -> dict[tuple[int, str], int]:
    """The rows already holding one of the stale rows' new hashes: their id by (scope, hash)."""
    c = hashed.table.c
    keys = [key for _, key in stale if key is not None]
    if hashed.scope:
        scope = c[hashed.scope]
        query = select(scope, c.email_key, c.id).where(
            scope.in_({row.scope for row, _ in stale}), c.email_key.in_(keys)
        )
    else:
        query = select(literal_column("0"), c.email_key, c.id).where(c.email_key.in_(keys))
    return {(scope, key): row_id for scope, key, row_id in await session.execute(query)}


def _changes(
    hashed: _Hashed,
    stale: list[tuple[Any, str | None]],
    taken: dict[tuple[int, str], int],
    report: IndexRotationReport,
) -> list[dict[str, Any]]:
    """The compare-and-set parameters of the stale rows. A signature whose new hash another
    signature of its campaign holds already is detached (see the module's docstring); an
    account whose new hash another account holds stops the rotation."""
    changes = []
    for row, key in stale:
        if key is not None and (row.scope, key) in taken:
            if hashed.table is _USERS:
                raise RuntimeError(
                    f"two accounts have one address (account {row.id} is one): disable one "
                    "and run the rotation again"
                )
            report.detached.append((row.id, taken[(row.scope, key)]))
            log.warning(
                "key rotation: signature %d has the address of signature %d in the same "
                "campaign (signed twice as the rotation began); it keeps no lookup hash",
                row.id,
                taken[(row.scope, key)],
            )
            key = None
        if key is not None:
            taken[(row.scope, key)] = row.id
        changes.append({"b_id": row.id, "b_old": row.email_key, "b_new": key})
    return changes


def _rehash_statement(table: Table) -> Any:
    return (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.email_key == bindparam("b_old"))
        .values(email_key=bindparam("b_new"))
    )
