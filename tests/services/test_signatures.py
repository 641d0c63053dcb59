"""Signature rules at the service level, on the real database."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from signon.db.models import Campaign, Signature, utcnow
from signon.forms import SignatureInput
from signon.runtime import Runtime
from signon.services.campaigns import CampaignView
from signon.services.counts import recount
from signon.services.outcomes import ConfirmState, SignOutcome
from tests.support import nonce_of

pytestmark = pytest.mark.anyio


def person(number: int, **changes: object) -> SignatureInput:
    base = SignatureInput(
        "individual", f"Person {number}", f"p{number}@example.org", "public", False
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def test_the_database_refuses_a_second_signature_for_the_same_address(
    runtime: Runtime, campaign: CampaignView
) -> None:
    key = runtime.keyring.email_key("Same@Example.org")
    assert key == runtime.keyring.email_key("same@example.org")
    now = utcnow()

    def row(nonce: str) -> Signature:
        return Signature(
            campaign_id=campaign.id,
            signer_type="individual",
            status="pending",
            moderation="none",
            personal=None,
            email_key=key,
            display="public",
            wants_updates=False,
            listed=False,
            token_nonce=nonce,
            emails_sent=1,
            created_at=now,
            updated_at=now,
        )

    async with runtime.db.write() as session:
        session.add(row("nonce-one"))
    with pytest.raises(IntegrityError):
        async with runtime.db.write() as session:
            session.add(row("nonce-two"))
    async with runtime.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Signature)) == 1


async def test_same_address_signing_concurrently_leaves_one_row(
    runtime: Runtime, campaign: CampaignView
) -> None:
    outcomes = await asyncio.gather(
        *(runtime.signatures.sign(campaign, person(1, name=f"Try {n}")) for n in range(8))
    )
    assert outcomes.count(SignOutcome.CREATED) == 1
    async with runtime.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Signature)) == 1


async def test_many_concurrent_confirmations_keep_the_counters_equal_to_a_recount(
    runtime: Runtime, campaign: CampaignView
) -> None:
    people = [
        person(
            n,
            signer_type="organization" if n % 5 == 0 else "individual",
            organization=f"Org {n}" if n % 5 == 0 else None,
        )
        for n in range(40)
    ]
    for signer in people:
        await runtime.signatures.sign(campaign, signer)
    tokens = [runtime.signatures.tokens.issue(await nonce_of(runtime, p.email)) for p in people]

    # Every link clicked three times at once, all at the same moment.
    results = await asyncio.gather(*(runtime.signatures.confirm(t) for t in tokens * 3))
    confirmed_now = [r for r in results if r.state is ConfirmState.CONFIRMED]
    assert len(confirmed_now) == len(people)

    view = await runtime.campaigns.get("c")
    assert view is not None
    assert (view.individuals, view.organizations) == (32, 8)
    [check] = await recount(runtime.db, "c")
    assert not check.changed
    assert (check.individuals, check.organizations) == (32, 8)


async def test_recount_repairs_drifted_counters(runtime: Runtime, campaign: CampaignView) -> None:
    await runtime.signatures.sign(campaign, person(1))
    await runtime.signatures.confirm(
        runtime.signatures.tokens.issue(await nonce_of(runtime, "p1@example.org"))
    )
    async with runtime.db.write() as session:
        await session.execute(update(Campaign).values(individuals_count=999, organizations_count=7))
    [repaired] = await recount(runtime.db)
    assert repaired.changed and (repaired.individuals, repaired.organizations) == (1, 0)
    view = await runtime.campaigns.get("c")
    assert view is not None and (view.individuals, view.organizations) == (1, 0)


async def test_endorser_list_pages_by_keyset_without_gaps_or_repeats(
    runtime: Runtime, campaign: CampaignView
) -> None:
    people = [person(n, display="private" if n % 7 == 0 else "public") for n in range(130)]
    for signer in people:
        await runtime.signatures.sign(campaign, signer)
    for signer in people:
        token = runtime.signatures.tokens.issue(await nonce_of(runtime, signer.email))
        await runtime.signatures.confirm(token)

    names: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = await runtime.endorsers.page(
            campaign.id, "individual", cursor, limit=50, name_display="full"
        )
        names.extend(item.name for item in page.items)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    public = [p.name for p in people if p.display == "public"]
    assert pages == 3
    assert len(names) == len(set(names)) == len(public)
    assert names == list(reversed(public)), "newest confirmation first"


async def test_export_reads_in_batches_and_keeps_every_confirmed_row(
    runtime: Runtime, campaign: CampaignView
) -> None:
    from signon.exportrows import COLUMNS, confirmed_signature_rows

    people = [person(n) for n in range(23)]
    for signer in people:
        await runtime.signatures.sign(campaign, signer)
    for signer in people[:20]:  # three stay unconfirmed
        token = runtime.signatures.tokens.issue(await nonce_of(runtime, signer.email))
        await runtime.signatures.confirm(token)

    batches = [
        batch
        async for batch in confirmed_signature_rows(
            runtime.db, runtime.keyring, campaign.id, batch_size=7
        )
    ]
    assert [len(batch) for batch in batches] == [7, 7, 6]
    emails = [row[COLUMNS.index("email")] for batch in batches for row in batch]
    assert emails == [p.email for p in people[:20]]
