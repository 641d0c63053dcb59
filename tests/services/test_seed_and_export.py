"""`signon dev seed` writes rows the app can use, and the full export reads every one of them
back (in many batches, each its own transaction) exactly as the one-row-at-a-time code did."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest
from sqlalchemy import select, update

from signon.csvsafe import csv_text
from signon.db.models import Campaign, Signature, utcnow
from signon.exportrows import COLUMNS, ExportFilters, confirmed_signature_rows
from signon.exports import ExportService
from signon.runtime import Runtime
from signon.seed import SeedPlan, seed
from signon.services.campaigns import CampaignView
from signon.services.records import PersonalData, is_listed, public_fields
from tests.support import signatures_of

pytestmark = pytest.mark.anyio
COUNT = 2_500  # three batches of 1,000, made by the generating processes


async def test_seeded_rows_are_valid_signatures_and_are_counted(
    runtime: Runtime, campaign: CampaignView
) -> None:
    plan = SeedPlan(campaign.id, "initial", COUNT, "t1")
    assert await seed(runtime.db, runtime.keyring, plan, batch_size=1_000) == COUNT

    rows = await signatures_of(runtime, campaign.id)
    assert len(rows) == COUNT
    assert len({row.personal for row in rows}) == COUNT, "every blob sealed on its own"
    assert len({row.token_nonce for row in rows}) == COUNT
    assert all(len(row.token_nonce) == 22 for row in rows)
    people = [PersonalData.open(runtime.keyring, row.personal) for row in rows]
    assert len({p.email for p in people if p}) == COUNT
    for row, person in zip(rows, people, strict=True):
        assert person is not None and row.email_key == runtime.keyring.email_key(person.email)
        assert row.status == "confirmed" and row.confirmed_at == row.created_at
        assert row.listed == is_listed(row.status, row.moderation, row.display)
        public = (row.public_name, row.public_place, row.public_website)
        expected = public_fields(row.signer_type, person, "initial") if row.listed else {}
        assert public == (
            expected.get("public_name"),
            expected.get("public_place"),
            expected.get("public_website"),
        )
        assert (row.signer_type == "organization") == (person.organization is not None)
    kinds = Counter(row.signer_type for row in rows)
    assert kinds == {"organization": COUNT // 20, "individual": COUNT - COUNT // 20}
    assert 0.7 < sum(row.listed for row in rows) / COUNT < 0.9
    assert len({p.name.split()[0] for p in people if p}) > 20, "names from several scripts"
    times = [row.created_at for row in rows]
    assert times == sorted(times) and times[-1] <= utcnow()
    async with runtime.db.read() as session:
        counters = await session.get(Campaign, campaign.id)
    assert counters is not None
    assert (counters.individuals_count, counters.organizations_count) == (
        kinds["individual"],
        kinds["organization"],
    )


async def test_a_pending_seed_is_neither_listed_nor_counted(
    runtime: Runtime, campaign: CampaignView
) -> None:
    await seed(
        runtime.db, runtime.keyring, SeedPlan(campaign.id, "full", 300, "p", status="pending")
    )

    rows = await signatures_of(runtime, campaign.id)
    assert {(row.status, row.listed, row.confirmed_at, row.public_name) for row in rows} == {
        ("pending", False, None, None)
    }
    assert [
        b async for b in confirmed_signature_rows(runtime.db, runtime.keyring, campaign.id)
    ] == []


def reference_rows(runtime: Runtime, rows: list[Signature]) -> list[list[str]]:
    """The export as the one-signature-at-a-time code wrote it (ORM objects, PersonalData)."""
    written = []
    for row in rows:
        person = PersonalData.open(runtime.keyring, row.personal)
        values = [getattr(person, name) if person else None for name in COLUMNS[5:13]]
        stored = [row.id, row.signer_type, row.status, row.moderation, row.flag_reason]
        extra = [row.display, row.wants_updates, row.created_at, row.confirmed_at]
        extra.append(row.source or "page")
        written.append([*stored, *values, *extra])
    return written


async def test_the_export_holds_every_confirmed_row_once_as_the_slow_path_wrote_it(
    runtime: Runtime, campaign: CampaignView
) -> None:
    await seed(runtime.db, runtime.keyring, SeedPlan(campaign.id, "full", COUNT, "t2"))
    await seed(
        runtime.db, runtime.keyring, SeedPlan(campaign.id, "full", 40, "p", status="pending")
    )
    # What seeding never makes: erased data, a whole second, flags, formulas, separators.
    awkward = PersonalData('=HYPERLINK("x")', "a\x1fb@example.org", comment="\t+1\x1e")
    async with runtime.db.write() as session:
        ids = select(Signature.id).where(Signature.campaign_id == campaign.id)
        first, second = (await session.scalars(ids.order_by(Signature.id).limit(2))).all()
        await session.execute(update(Signature).where(Signature.id == first).values(
            personal=None, flag_reason="=looks odd", confirmed_at=utcnow().replace(microsecond=0)
        ))  # fmt: skip
        sealed = awkward.seal(runtime.keyring)
        await session.execute(
            update(Signature).where(Signature.id == second).values(personal=sealed)
        )
    confirmed = [r for r in await signatures_of(runtime, campaign.id) if r.status == "confirmed"]

    batches = [
        batch
        async for batch in confirmed_signature_rows(
            runtime.db, runtime.keyring, campaign.id, batch_size=97
        )
    ]
    assert len(batches) == -(-len(confirmed) // 97)
    ids = [int(row[0]) for batch in batches for row in batch]
    assert ids == [row.id for row in confirmed], "in id order, no gaps, no duplicates"

    chunks = [
        c async for c in ExportService(runtime.db, runtime.keyring).full_csv(campaign.id, None)
    ]
    assert "".join(chunks) == csv_text([COLUMNS, *reference_rows(runtime, confirmed)])
    parsed = list(csv.DictReader(io.StringIO("".join(chunks))))
    assert parsed[0]["flag_reason"] == "'=looks odd" and parsed[0]["email"] == ""
    assert parsed[1]["name"] == '\'=HYPERLINK("x")' and parsed[1]["comment"] == "'\t+1\x1e"

    organizations = ExportService(runtime.db, runtime.keyring).full_csv(
        campaign.id, None, ExportFilters(signer_type="organization", updates_only=True)
    )
    wanted = [r for r in confirmed if r.signer_type == "organization" and r.wants_updates]
    text = "".join([c async for c in organizations])
    assert text == csv_text([COLUMNS, *reference_rows(runtime, wanted)])
    log = await ExportService(runtime.db, runtime.keyring).log(campaign.id)
    assert [entry.row_count for entry in log] == [len(wanted), len(confirmed)]
