"""The letter reads every listed endorser in batches: each once, oldest first, none unlisted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert

from signon.db.models import Signature, utcnow
from signon.runtime import Runtime
from signon.services.campaigns import CampaignView

pytestmark = pytest.mark.anyio


async def test_every_listed_endorser_once_in_batches_oldest_first(
    runtime: Runtime, campaign: CampaignView
) -> None:
    start = utcnow() - timedelta(days=1)
    rows = []
    for n in range(23):
        listed = n % 4 != 3  # every fourth is counted but not named
        rows.append({
            "campaign_id": campaign.id, "signer_type": "individual", "status": "confirmed",
            "display": "public" if listed else "private", "listed": listed,
            "public_name": f"Person {n:02}" if listed else None, "token_nonce": f"nonce-{n}",
            # Pairs share a confirmation time: the id breaks the tie across batch edges.
            "confirmed_at": start + timedelta(seconds=n // 2),
        })  # fmt: skip
    rows.append({**rows[0], "signer_type": "organization", "public_name": "An Org",
                 "token_nonce": "org"})  # fmt: skip
    async with runtime.db.write() as session:
        await session.execute(insert(Signature), rows)

    batches = [batch async for batch in runtime.letters.section(campaign.id, "individual", "full")]
    assert len(batches) == 1
    names = [e.name for batch in batches for e in batch]
    expected = [f"Person {n:02}" for n in range(23) if n % 4 != 3]
    assert names == expected

    small = [
        b
        async for b in runtime.endorsers.every(
            campaign.id, "individual", batch_size=4, name_display="full"
        )
    ]
    assert [len(b) for b in small] == [4, 4, 4, 4, 2]
    assert [e.name for b in small for e in b] == expected
    organizations = [
        b async for b in runtime.endorsers.every(campaign.id, "organization", name_display="full")
    ]
    assert [[e.name for e in b] for b in organizations] == [["An Org"]]
