"""`signon keys rotate`: re-encrypt all personal data under a new key while the app keeps serving.

1. The new key is written to the key file as the primary key, next to the old ones.
2. Running processes notice the changed file within crypto.RELOAD_SECONDS; after a grace
   period every process encrypts with the new key.
3. Every ciphertext under an old key is re-encrypted, in small transactions, with a
   compare-and-set so that a row changed meanwhile is simply picked up by the next sweep.
4. When a sweep finds nothing left under an old key, the old keys are removed from the file:
   from then on nothing in the database (or in backups taken afterwards) opens with them.

The address lookups' index key is rotated the same way (services/indexkeys.py). One rotation
at a time holds the key file (rotation_lock), so that neither writes over the other's keys.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import func, select, update

from signon.crypto import KeyFileError, Keyring, new_data_key, read_key_file, write_key_file
from signon.db import Database
from signon.db.models import ENCRYPTED_COLUMNS, crypto_context

BATCH = 500
MAX_SWEEPS = 5


@dataclass(frozen=True, slots=True)
class RotationReport:
    new_key_id: str
    retired_key_ids: list[str]
    reencrypted: int


@contextmanager
def rotation_lock(key_file: Path) -> Iterator[None]:
    """Hold the key file for one rotation; another one fails at once instead of waiting."""
    lock_path = key_file.with_name(f".{key_file.name}.rotating")
    handle = os.open(lock_path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise KeyFileError(f"another `signon keys rotate` is rotating {key_file}") from error
        yield
    finally:
        os.close(handle)  # releases the lock


async def _sweep(db: Database, keyring: Keyring, new_key_id: str) -> int:
    changed = 0
    prefix = f"{new_key_id}:"
    for model, name in ENCRYPTED_COLUMNS:
        column = getattr(model, name)
        context = crypto_context(model, name)
        after = 0
        while True:
            async with db.read() as session:
                rows = (
                    await session.execute(
                        select(model.id, column)
                        .where(model.id > after, column.is_not(None), ~column.startswith(prefix))
                        .order_by(model.id)
                        .limit(BATCH)
                    )
                ).all()
            if not rows:
                break
            async with db.write() as session:
                for row_id, old in rows:
                    fresh = keyring.encrypt(keyring.decrypt(old, context), context)
                    result = await session.execute(
                        update(model)
                        .where(model.id == row_id, column == old)
                        .values({name: fresh})
                        .execution_options(synchronize_session=False)
                    )
                    changed += result.rowcount or 0
            after = rows[-1][0]
    return changed


async def _left_under_old_keys(db: Database, new_key_id: str) -> int:
    left = 0
    async with db.read() as session:
        for model, name in ENCRYPTED_COLUMNS:
            column = getattr(model, name)
            query = select(func.count()).where(
                column.is_not(None), ~column.startswith(f"{new_key_id}:")
            )
            left += int(await session.scalar(query) or 0)
    return left


async def rotate_keys(db: Database, key_file: Path, grace_seconds: float = 5.0) -> RotationReport:
    with rotation_lock(key_file):
        return await _rotate_data_key(db, key_file, grace_seconds)


async def _rotate_data_key(db: Database, key_file: Path, grace_seconds: float) -> RotationReport:
    current = read_key_file(key_file)
    old_keys, new_key = current.keys, new_data_key()
    write_key_file(key_file, replace(current, keys=[new_key, *old_keys]))
    await asyncio.sleep(grace_seconds)  # let running processes start encrypting with it

    keyring = Keyring(key_file)
    total = 0
    for _ in range(MAX_SWEEPS):
        total += await _sweep(db, keyring, new_key.id)
        if await _left_under_old_keys(db, new_key.id) == 0:
            write_key_file(key_file, replace(current, keys=[new_key]))
            return RotationReport(new_key.id, [k.id for k in old_keys], total)
    raise RuntimeError(
        "values under the old keys keep appearing: is a process still running with an old "
        "key file? The old keys were kept; run the rotation again."
    )
