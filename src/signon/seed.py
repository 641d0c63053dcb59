"""`signon dev seed`: many realistic confirmed signatures, fast, for demos and benchmarks.

Every row is what the app itself would have written: its own encrypted personal blob (own
nonce), the keyed email hash, a link nonce, and the public copy that `listed` and the campaign's
name display call for. Rows are generated in batches (the per-row Python is mostly string
assembly; blobs are sealed by Keyring.encrypt_many, nonces come from one os.urandom call) and
written with one statement per batch: the `sqlite3` module's executemany on SQLite (committed
every COMMIT_EVERY rows), asyncpg's COPY on PostgreSQL. The campaign's counters are set with
`recount` at the end.

Generating a row costs about half of what writing it costs, so a second process generates the
next batches while this one writes. It is spawned, not forked (this process already runs
database threads), so a script that calls `seed` needs the `if __name__ == "__main__":` guard
multiprocessing asks for; the `signon` command has it.
"""

from __future__ import annotations

import asyncio
import base64
import multiprocessing
import os
import random
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import repeat
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from pathlib import Path

from signon.crypto import Keyring
from signon.db import Database
from signon.db.engine import SQLITE_BUSY_TIMEOUT_MS
from signon.db.models import utcnow
from signon.services.counts import recount
from signon.services.records import PERSONAL, first_name_and_initial

FIRST = [
    "Ana", "Maya", "Joan", "Sam", "Lea", "Omar", "Yusuf", "Fatima", "Nour", "Olena", "Dmytro",
    "Sofia", "Mateo", "Chen", "Wei", "Aiko", "Kenji", "Priya", "Arjun", "Zanele", "Kwame",
    "Eleni", "Ioana", "Jan", "Nina", "Lucas", "Amara", "Ines", "Tomás", "Hana",
    "نور", "ليلى", "أحمد", "Олена", "Іван", "李", "王芳", "佐藤", "Ελένη", "प्रिया", "שירה",
]  # fmt: skip
LAST = [
    "Lima", "Okafor", "Garcia", "Nguyen", "Kowalski", "Haddad", "Mensah", "Ivanova", "Rossi",
    "Dubois", "Müller", "Jansen", "Silva", "Kim", "Tanaka", "Singh", "Ndlovu", "Papadopoulou",
    "Popescu", "Yilmaz", "Ahmadi", "O'Brien", "van der Berg",
    "الهدى", "خليل", "Шевченко", "陈", "山田", "Παππάς", "शर्मा", "כהן",
]  # fmt: skip
PLACES = [
    ("Porto", "Portugal"), ("Leeds", "UK"), ("Lyon", "France"), ("Toronto", "Canada"),
    ("Beirut", "Lebanon"), ("Kyiv", "Ukraine"), ("Brussels", "Belgium"), ("Nairobi", "Kenya"),
    ("Osaka", "Japan"), ("Pune", "India"), ("Athens", "Greece"), ("Bogotá", "Colombia"),
]  # fmt: skip
ORG_KINDS = [
    "Tenants Union",
    "Solidarity Network",
    "Workers Centre",
    "Climate Collective",
    "Legal Aid Group",
    "Mutual Aid",
    "Prisoner Support",
    "Migrant Rights Association",
]
BATCH = 20_000
COMMIT_EVERY = 100_000  # rows per SQLite transaction (see _SqliteWriter)
AHEAD = 3  # batches the generating process may run ahead of the writer (memory stays bounded)
COLUMNS = (
    "campaign_id", "signer_type", "status", "moderation", "email_key", "personal", "display",
    "wants_updates", "listed", "public_name", "public_place", "public_website", "token_nonce",
    "emails_sent", "created_at", "updated_at", "confirmed_at",
)  # fmt: skip
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class SeedPlan:
    campaign_id: int
    name_display: str
    count: int
    run: str  # makes the generated addresses unique across seeding runs
    public_share: float = 0.8  # how many chose to be listed by name
    organization_every: int = 20  # one organization in this many signatures
    status: str = "confirmed"  # or "pending" (unconfirmed, for benchmarks of confirming)


def _json_body(text: str) -> str:
    """The inside of a JSON string literal (escaping is per character, so bodies concatenate)."""
    return str(encode_basestring(text))[1:-1]


_FIRST = [(name, _json_body(name)) for name in FIRST]
_LAST = [(name, _json_body(name)) for name in LAST]
_ORG_KINDS = [(kind, _json_body(kind)) for kind in ORG_KINDS]
_PLACES = [(city, country, _json_body(city), _json_body(country)) for city, country in PLACES]


def _link_nonces(count: int) -> list[str]:
    """`count` nonces shaped like secrets.token_urlsafe(16), from one os.urandom call: 18 random
    bytes make 24 base64 characters, of which the first 22 are kept (132 random bits)."""
    text = base64.urlsafe_b64encode(os.urandom(18 * count)).decode()
    return [text[at : at + 22] for at in range(0, len(text), 24)]


@dataclass(slots=True)
class _Texts:
    """The per-row part of a batch: all of it string assembly."""

    kinds: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    payloads: list[bytes] = field(default_factory=list)  # the personal data, as JSON
    shown: list[tuple[str, str, str | None]] = field(default_factory=list)  # public copy
    stamps: list[object] = field(default_factory=list)


def _texts(plan: SeedPlan, rng: random.Random, start: int, stop: int, when: datetime) -> _Texts:
    """Names drawn from the pools; `when` is the first row's time (naive: SQLite's text form)."""
    texts, count, initials = _Texts(), stop - start, plan.name_display == "initial"
    run_json = _json_body(plan.run)
    picks = zip(
        range(start, stop),
        rng.choices(_FIRST, k=count),
        rng.choices(_LAST, k=count),
        rng.choices(_PLACES, k=count),
        rng.choices(_ORG_KINDS, k=count),
        strict=True,
    )
    for n, (first, first_json), (last, last_json), place, (kind, kind_json) in picks:
        city, country, city_json, country_json = place
        if n % plan.organization_every == 0:
            texts.kinds.append("organization")
            website = f"https://org{n}.example.org"
            texts.shown.append((f"{city} {kind} {n}", f"{city}, {country}", website))
            extra = f'"organization":"{city_json} {kind_json} {n}","website":"{website}"'
        else:
            texts.kinds.append("individual")
            name = f"{first} {last}"
            texts.shown.append((first_name_and_initial(name) if initials else name,
                                f"{city}, {country}", None))  # fmt: skip
            extra = '"organization":null,"website":null'
        texts.emails.append(f"seed{n}.{plan.run}@example.org")
        texts.payloads.append(
            f'{{"name":"{first_json} {last_json}","email":"seed{n}.{run_json}@example.org",'
            f'{extra},"role":null,"city":"{city_json}","country":"{country_json}",'
            '"comment":null}'.encode()
        )
        texts.stamps.append(when if when.tzinfo else when.isoformat(" ", "microseconds"))
        when += _SECOND
    return texts


def _rows(
    plan: SeedPlan, keyring: Keyring, start: int, stop: int, ended: datetime, sqlite: bool
) -> list[tuple[object, ...]]:
    """Rows start..stop-1 of the plan, in COLUMNS order: signature n was made `plan.count - n`
    seconds before `ended`. Blobs and link nonces are made for the whole batch at once.

    The address hashes and link nonces are random, and each has a unique index: a batch
    inserted in random order changes pages all over both, while one in key order walks
    through them once. So a batch goes out in address-hash order, with its link nonces sorted
    too (which random nonce a row gets does not matter) and its times counting up in that order
    (so the time-ordered indexes only append)."""
    rng = random.Random(f"{plan.run}-{start}")
    count, confirmed = stop - start, plan.status == "confirmed"
    public = [rng.random() < plan.public_share for _ in range(count)]  # chose to be named
    updates = [rng.random() < 0.3 for _ in range(count)]
    when = ended - (plan.count - start) * _SECOND
    if sqlite:  # the text SQLAlchemy itself stores on SQLite: naive UTC, always microseconds
        when = when.astimezone(UTC).replace(tzinfo=None)
    texts = _texts(plan, rng, start, stop, when)
    keys = [keyring.email_key(email) for email in texts.emails]
    order = sorted(range(count), key=keys.__getitem__)
    public = [public[at] for at in order]
    listed = [chose and confirmed for chose in public]
    hidden = (None, None, None)
    copies = [texts.shown[at] if on else hidden for at, on in zip(order, listed, strict=True)]
    return list(zip(
        repeat(plan.campaign_id), [texts.kinds[at] for at in order], repeat(plan.status),
        repeat("none"), [keys[at] for at in order],
        keyring.encrypt_many([texts.payloads[at] for at in order], PERSONAL),
        ["public" if chose else "private" for chose in public],
        [updates[at] for at in order], listed, *zip(*copies, strict=True),
        sorted(_link_nonces(count)), repeat(1), texts.stamps, texts.stamps,
        texts.stamps if confirmed else repeat(None),
    ))  # fmt: skip


_keyring: Keyring | None = None  # in the generating process


def _start_generating(key_file: str) -> None:
    global _keyring
    _keyring = Keyring(Path(key_file))


def _generate(
    plan: SeedPlan, start: int, stop: int, ended: datetime, sqlite: bool
) -> list[tuple[object, ...]]:
    assert _keyring is not None, "runs in the generating process only"
    return _rows(plan, _keyring, start, stop, ended, sqlite)


async def _batches(
    plan: SeedPlan, keyring: Keyring, ended: datetime, sqlite: bool, batch_size: int
) -> AsyncIterator[list[tuple[object, ...]]]:
    """The plan's rows batch by batch, in order. This process makes the first batch while the
    generating process starts (about a second: it imports the app); that one makes the rest,
    at most AHEAD batches ahead of the writer."""
    spans = deque((at, min(at + batch_size, plan.count)) for at in range(0, plan.count, batch_size))
    first = spans.popleft()
    if not spans:
        yield _rows(plan, keyring, *first, ended, sqlite)
        return
    pool = ProcessPoolExecutor(
        1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_generating,
        initargs=(str(keyring.path),),
    )
    pending: deque[Future[list[tuple[object, ...]]]] = deque()
    try:
        while spans and len(pending) < AHEAD:
            pending.append(pool.submit(_generate, plan, *spans.popleft(), ended, sqlite))
        yield _rows(plan, keyring, *first, ended, sqlite)
        while pending:
            rows = await asyncio.wrap_future(pending.popleft())
            if spans:
                pending.append(pool.submit(_generate, plan, *spans.popleft(), ended, sqlite))
            yield rows
    finally:
        pool.shutdown(cancel_futures=True)


class _SqliteWriter:
    """Inserts through the `sqlite3` module, committing every COMMIT_EVERY rows.

    The address hashes and link nonces are random, so each of their indexes has most of its
    pages changed by any large batch, and WAL mode writes every changed page once per commit:
    fewer, larger transactions write far less (measured: 100,000 rows per commit inserts about
    half again as fast as 20,000). A transaction of that size holds the write lock a second
    or two, which the app's writers wait out (busy timeout).
    """

    def __init__(self, path: str) -> None:
        self._connection = sqlite3.connect(
            path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        # Keep the indexes' pages in memory (the random keys land all over them).
        self._connection.execute("PRAGMA cache_size=-262144")
        placeholders = ", ".join("?" for _ in COLUMNS)
        self._statement = f"INSERT INTO signatures ({', '.join(COLUMNS)}) VALUES ({placeholders})"
        self._uncommitted = 0

    def write(self, rows: list[tuple[object, ...]]) -> None:
        if not self._connection.in_transaction:
            self._connection.execute("BEGIN IMMEDIATE")
        self._connection.executemany(self._statement, rows)
        self._uncommitted += len(rows)
        if self._uncommitted >= COMMIT_EVERY:
            self.commit()

    def commit(self) -> None:
        if self._connection.in_transaction:
            self._connection.execute("COMMIT")
        self._uncommitted = 0

    def close(self) -> None:
        """Roll back what was not committed (after an error), and close."""
        if self._connection.in_transaction:
            self._connection.execute("ROLLBACK")
        self._connection.close()


async def seed(
    db: Database,
    keyring: Keyring,
    plan: SeedPlan,
    progress: Callable[[int], None] = lambda _: None,
    batch_size: int = BATCH,
) -> int:
    """Insert `plan.count` signatures; returns how many. Counters are recounted."""
    batches = _batches(plan, keyring, utcnow(), db.is_sqlite, batch_size)
    if db.is_sqlite:
        writer = _SqliteWriter(db.url.split("///", 1)[1])
        try:
            async with aclosing(batches):
                async for rows in batches:
                    writer.write(rows)
                    progress(len(rows))
            writer.commit()
        finally:
            writer.close()
    else:
        async with db.engine.connect() as connection, aclosing(batches):
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            async for rows in batches:
                await driver.copy_records_to_table("signatures", records=rows, columns=COLUMNS)
                progress(len(rows))
            # Fresh statistics: right after a bulk load the planner may otherwise pick a sort
            # over the list index for the first page of a million-row list.
            await driver.execute("ANALYZE signatures")
    await asyncio.sleep(0)
    await recount(db)
    return plan.count
