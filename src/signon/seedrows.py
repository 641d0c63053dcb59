"""The rows `signon dev seed` writes, made a batch at a time (see seed.py for how they are written).

Every row is what the app itself would have written: its own encrypted personal blob (own
nonce), the keyed email hash, a random link nonce, and the public copy that `listed` and the
campaign's name display call for.

The address hashes and link nonces are random and each has a unique index, so rows inserted in
random order change pages all over both indexes. So the whole seed goes out in address-hash
order: every address is hashed first (`hash_span`, spread over processes), bucket k of the hash
space becomes batch k, and each batch is sorted. Batch k draws its link nonces from the k-th
share of their range and sorts them (which random nonce a row gets does not matter), and times
count up in that order too, so every index of the table is appended to rather than written all
over.
"""

from __future__ import annotations

import base64
import os
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import NamedTuple

from signon.crypto import Keyring

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
NONCE_LENGTH = 22  # characters, as secrets.token_urlsafe(16) gives
NONCE_PREFIX = 3  # characters of a link nonce that place it in its batch (see batch_link_nonces)
_URLSAFE_ASCENDING = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
_DIGIT_PAIRS = [high + low for high in _URLSAFE_ASCENDING for low in _URLSAFE_ASCENDING]
HASHED = 32 + 5  # bytes a hashed address takes in a bucket: its HMAC, then its number
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


class Seeding(NamedTuple):
    """What making one seed's rows takes, sent once to each generating process. The app's rules
    come as values (which data key context seals the personal blob, how a name is listed), as
    those processes do not import the app."""

    plan: SeedPlan
    key_file: str
    personal_context: str  # the associated data the personal blob is sealed with
    listed_names: list[list[str]]  # the listed name of FIRST[i] LAST[j] under the name display
    ended: datetime  # the last row is made a second before
    sqlite: bool  # times as SQLite's text


ORGANIZATION, PUBLIC, UPDATES = 1, 2, 4  # the bits of a row's kind


class SeedColumns(NamedTuple):
    """One batch, column by column (cheaper to pass between processes than rows). A row's signer
    type, display, update wish and listing are one number, its kind (see kind_values); an empty
    public text stands for NULL (binding None or a bool costs SQLite's binding a failed adapter
    lookup, a number or a text does not). The columns every row shares (campaign, status,
    moderation, emails sent) are the writer's to add."""

    kinds: list[int]
    email_keys: list[str]
    personal: list[str]
    public_names: list[str]
    public_places: list[str]
    public_websites: list[str]
    token_nonces: list[str]
    stamps: list[object]  # created, updated and (when confirmed) confirmed at


def kind_values(kind: int, confirmed: bool) -> tuple[str, str, bool, bool]:
    """signer_type, display, wants_updates and listed of a row of this kind (seedsqlite's copy
    statement says the same in SQL)."""
    public = bool(kind & PUBLIC)
    return (
        "organization" if kind & ORGANIZATION else "individual",
        "public" if public else "private",
        bool(kind & UPDATES),
        public and confirmed,
    )


def organizations_among(kinds: list[int]) -> int:
    return sum(1 for kind in kinds if kind & ORGANIZATION)


COUNTER_UPDATE = (
    "UPDATE campaigns SET individuals_count = individuals_count + {individuals}, "
    "organizations_count = organizations_count + {organizations} WHERE id = {campaign}"
)


def counter_update(plan: SeedPlan, rows: int, organizations: int) -> str | None:
    """The statement that counts rows just written, in their transaction: confirmed seed rows
    (moderation "none") count as the app counts them; pending ones do not."""
    if plan.status != "confirmed" or not rows:
        return None
    return COUNTER_UPDATE.format(
        individuals=int(rows - organizations), organizations=int(organizations),
        campaign=int(plan.campaign_id),
    )  # fmt: skip


def _json_body(text: str) -> str:
    """The inside of a JSON string literal (escaping is per character, so bodies concatenate)."""
    return str(encode_basestring(text))[1:-1]


_FIRST = [(at, _json_body(name)) for at, name in enumerate(FIRST)]
_LAST = [(at, _json_body(name)) for at, name in enumerate(LAST)]
_ORG_KINDS = [(kind, _json_body(kind)) for kind in ORG_KINDS]
_PLACES = [
    (city, _json_body(city), _json_body(country), f"{city}, {country}") for city, country in PLACES
]
_SECONDS = [f"{second:02d}" for second in range(60)]


def email_of(n: int, run: str) -> str:
    return f"seed{n}.{run}@example.org"


def hash_span(keyring: Keyring, plan: SeedPlan, start: int, stop: int, buckets: int) -> list[bytes]:
    """The keyed hashes of the addresses of signatures start..stop-1, each followed by its
    number, spread over `buckets` equal ranges of the hash space (bucket k is batch k)."""
    keys = keyring.email_key_digests(email_of(n, plan.run) for n in range(start, stop))
    spread: list[list[bytes]] = [[] for _ in range(buckets)]
    for n, key in enumerate(keys, start):
        spread[int.from_bytes(key[:4]) * buckets >> 32].append(key + n.to_bytes(5))
    return [b"".join(part) for part in spread]


def batch_link_nonces(count: int, bucket: int, buckets: int) -> list[str]:
    """`count` link nonces for batch `bucket` of `buckets`, in ascending order and above those
    of every earlier batch, so that no batch has to wait for the others' to be drawn and sorted.

    Each is shaped like secrets.token_urlsafe(16), 22 characters of its alphabet: the last 19
    from os.urandom (114 bits), the first three drawn from this batch's share of their 262,144
    values.
    """
    span = len(_URLSAFE_ASCENDING) ** NONCE_PREFIX
    if buckets > span:
        raise ValueError(f"at most {span:,} batches")
    shares = range(bucket * span // buckets, (bucket + 1) * span // buckets)
    prefixes = random.Random(os.urandom(32)).choices(_nonce_prefixes(shares), k=count)
    tail = NONCE_LENGTH - NONCE_PREFIX  # of the 20 characters that 15 random bytes make
    text = base64.urlsafe_b64encode(os.urandom(15 * count)).decode()
    tails = [text[at : at + tail] for at in range(0, len(text), 20)]
    return sorted(map(str.__add__, prefixes, tails))


def _nonce_prefixes(values: range) -> list[str]:
    """The NONCE_PREFIX (3) characters that are each value in base 64, in ascending order of
    both: the first character, then the last two from a table of all 4,096 pairs."""
    return [_URLSAFE_ASCENDING[value >> 12] + _DIGIT_PAIRS[value & 4095] for value in values]


def _stamps(first: datetime, count: int, sqlite: bool) -> list[object]:
    """`count` times a second apart from `first`; on SQLite as the text SQLAlchemy itself stores
    (naive UTC, always microseconds), built a minute at a time rather than formatted per row."""
    if not sqlite:
        return [first + at * _SECOND for at in range(count)]
    stamps: list[object] = []
    at = first.astimezone(UTC).replace(tzinfo=None)
    fraction = f".{at.microsecond:06d}"
    while len(stamps) < count:
        minute = at.isoformat(" ")[:17]  # "YYYY-MM-DD HH:MM:"
        seconds = _SECONDS[at.second : at.second + count - len(stamps)]
        stamps.extend([f"{minute}{second}{fraction}" for second in seconds])
        at += len(seconds) * _SECOND
    return stamps


def batch_columns(
    job: Seeding, keyring: Keyring, hashed: bytes, position: int, bucket: int, buckets: int
) -> SeedColumns:
    """The rows of bucket `bucket` of `buckets` of hashed addresses (see hash_span), in hash
    order: `position` is how many rows of the plan come before them, and the row at position p
    was made `plan.count - p` seconds before `job.ended`."""
    plan, names = job.plan, job.listed_names
    records = sorted(hashed[at : at + HASHED] for at in range(0, len(hashed), HASHED))
    count = len(records)
    rng = random.Random(f"{plan.run}-{position}")
    listing, run_json = plan.status == "confirmed", _json_body(plan.run)
    every, share = plan.organization_every, plan.public_share
    kinds, payloads, public_names, public_places, public_websites = [], [], [], [], []
    picks = zip(
        records, rng.choices(_FIRST, k=count), rng.choices(_LAST, k=count),
        rng.choices(_PLACES, k=count), rng.choices(_ORG_KINDS, k=count), strict=True,
    )  # fmt: skip
    for record, (first, first_json), (last, last_json), place, (org_kind, org_json) in picks:
        n = int.from_bytes(record[32:])
        city, city_json, country_json, place_text = place
        if n % every:
            kind, name, website, organization = 0, names[first][last], "", 'null,"website":null'
        else:
            kind, name = ORGANIZATION, f"{city} {org_kind} {n}"
            website = f"https://org{n}.example.org"
            organization = f'"{city_json} {org_json} {n}","website":"{website}"'
        kind |= (rng.random() < share) * PUBLIC | (rng.random() < 0.3) * UPDATES
        kinds.append(kind)
        payloads.append(
            f'{{"name":"{first_json} {last_json}","email":"seed{n}.{run_json}@example.org",'
            f'"organization":{organization},"role":null,"city":"{city_json}",'
            f'"country":"{country_json}","comment":null}}'.encode()
        )
        if not (listing and kind & PUBLIC):
            name = place_text = website = ""  # no public copy (see SeedColumns)
        public_names.append(name)
        public_places.append(place_text)
        public_websites.append(website)
    return SeedColumns(
        kinds,
        [record[:32].hex() for record in records],
        keyring.encrypt_many(payloads, job.personal_context),
        public_names,
        public_places,
        public_websites,
        batch_link_nonces(count, bucket, buckets),
        _stamps(job.ended - (plan.count - position) * _SECOND, count, job.sqlite),
    )
