"""The id span an export reads is a campaign's first and last row, wherever they lie among
other campaigns' rows (SQLite finds it one way when the campaign holds the table's two ends,
another when it does not)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from signon.db.models import Signature
from signon.exportrows import id_span
from signon.runtime import Runtime
from signon.seed import SeedPlan, seed
from signon.services.campaigns import CampaignSpec

pytestmark = pytest.mark.anyio


async def _span(runtime: Runtime, campaign_id: int) -> tuple[int, int] | None:
    async with runtime.db.read() as session:
        low, high = (
            await session.execute(
                select(func.min(Signature.id), func.max(Signature.id)).where(
                    Signature.campaign_id == campaign_id
                )
            )
        ).one()
    return None if low is None else (low, high)


async def test_a_campaigns_span_is_its_first_and_last_row_wherever_they_lie(
    runtime: Runtime,
) -> None:
    a, b, c, empty = [
        await runtime.campaigns.create(CampaignSpec(slug, slug.upper(), "S"))
        for slug in ("a", "b", "c", "empty")
    ]
    for n, (campaign, count) in enumerate([(a, 30), (b, 20), (a, 30), (c, 10)]):
        await seed(runtime.db, runtime.keyring, SeedPlan(campaign.id, "full", count, f"r{n}"))
    # a holds the table's first row, c its last, b neither
    for campaign in (a, b, c):
        assert await id_span(runtime.db, campaign.id) == await _span(runtime, campaign.id)
    assert await id_span(runtime.db, empty.id) is None

    await seed(runtime.db, runtime.keyring, SeedPlan(a.id, "full", 5, "last", status="pending"))
    # now a holds both ends of the table, pending rows included
    for campaign in (a, b, c):
        assert await id_span(runtime.db, campaign.id) == await _span(runtime, campaign.id)
    span = await id_span(runtime.db, a.id)
    assert span is not None and span[1] - span[0] + 1 == 30 + 20 + 30 + 10 + 5
