"""`signon dev seed`: many realistic confirmed signatures, fast, for demos and benchmarks.

Rows are built in plain Python (names in several scripts, encrypted personal data, the keyed
email hash, the public copy) and written in large batches: through the `sqlite3` module's
executemany on SQLite, through asyncpg's COPY on PostgreSQL. The campaign's counters are set
with `recount` at the end.
"""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from signon.crypto import Keyring
from signon.db import Database
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
COLUMNS = (
    "campaign_id", "signer_type", "status", "moderation", "email_key", "personal", "display",
    "wants_updates", "listed", "public_name", "public_place", "public_website", "token_nonce",
    "emails_sent", "created_at", "updated_at", "confirmed_at",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SeedPlan:
    campaign_id: int
    name_display: str
    count: int
    run: str  # makes the generated addresses unique across seeding runs
    public_share: float = 0.8  # how many chose to be listed by name
    organization_every: int = 20  # one organization in this many signatures
    status: str = "confirmed"  # or "pending" (unconfirmed, for benchmarks of confirming)


def _rows(plan: SeedPlan, keyring: Keyring, start: int, stop: int) -> list[tuple[object, ...]]:
    rng = random.Random(f"{plan.run}-{start}")
    now = utcnow()
    rows = []
    for n in range(start, stop):
        organization = None
        website = None
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, country = rng.choice(PLACES)
        email = f"seed{n}.{plan.run}@example.org"
        kind = "organization" if n % plan.organization_every == 0 else "individual"
        if kind == "organization":
            organization = f"{city} {rng.choice(ORG_KINDS)} {n}"
            website = f"https://org{n}.example.org"
        personal = {
            "name": f"{first} {last}", "email": email, "organization": organization,
            "website": website, "role": None, "city": city, "country": country, "comment": None,
        }  # fmt: skip
        sealed = keyring.encrypt(json.dumps(personal, ensure_ascii=False).encode(), PERSONAL)
        public = rng.random() < plan.public_share
        confirmed = plan.status == "confirmed"
        if kind == "organization":
            shown = organization
        else:
            full = f"{first} {last}"
            shown = first_name_and_initial(full) if plan.name_display == "initial" else full
        when = now - timedelta(seconds=(plan.count - n))
        listed = public and confirmed
        rows.append((
            plan.campaign_id, kind, plan.status, "none", keyring.email_key(email), sealed,
            "public" if public else "private", rng.random() < 0.3, listed,
            shown if listed else None, f"{city}, {country}" if listed else None,
            website if listed else None, secrets.token_urlsafe(16), 1, when, when,
            when if confirmed else None,
        ))  # fmt: skip
    return rows


def _sqlite_writer(
    path: str,
) -> tuple[Callable[[list[tuple[object, ...]]], None], Callable[[], None]]:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    # Random keys (address hashes, link nonces) land all over their indexes: keep them in memory.
    connection.execute("PRAGMA cache_size=-262144")
    placeholders = ", ".join("?" for _ in COLUMNS)
    statement = f"INSERT INTO signatures ({', '.join(COLUMNS)}) VALUES ({placeholders})"

    def write(rows: list[tuple[object, ...]]) -> None:
        # The text form SQLAlchemy itself stores on SQLite (naive UTC, always microseconds).
        converted = [
            tuple(v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v for v in row)
            for row in rows
        ]
        with connection:
            connection.executemany(statement, converted)

    return write, connection.close


async def seed(
    db: Database,
    keyring: Keyring,
    plan: SeedPlan,
    progress: Callable[[int], None] = lambda _: None,
) -> int:
    """Insert `plan.count` confirmed signatures; returns how many. Counters are recounted."""
    batches: Iterator[tuple[int, int]] = (
        (start, min(start + BATCH, plan.count)) for start in range(0, plan.count, BATCH)
    )
    if db.is_sqlite:
        path = db.url.split("///", 1)[1]
        write, close = _sqlite_writer(path)
        try:
            for start, stop in batches:
                write(_rows(plan, keyring, start, stop))
                progress(stop - start)
        finally:
            close()
    else:
        async with db.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            for start, stop in batches:
                rows = _rows(plan, keyring, start, stop)
                await driver.copy_records_to_table("signatures", records=rows, columns=COLUMNS)
                progress(stop - start)
    await asyncio.sleep(0)
    await recount(db)
    return plan.count
