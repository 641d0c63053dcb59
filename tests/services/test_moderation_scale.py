"""The moderation queue of a large campaign: each view shows the same signatures, newest first,
and reads them through an index that stops at the queue's limit, on both databases; the
dashboard counts the waiting ones the same way."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from signon.db.models import Signature
from signon.runtime import Runtime
from signon.seed import SeedPlan, seed
from signon.services.accounts import Organizer
from signon.services.campaigns import CampaignView
from signon.services.moderation import FILTERS, QUEUE_LIMIT, queue_query

pytestmark = pytest.mark.anyio
COUNT = 3_000  # seeded confirmed signatures, one in twenty an organization


async def _seed_and_moderate(runtime: Runtime, campaign: CampaignView) -> dict[str, list[int]]:
    """Seed the campaign and put a few signatures in each moderation state; returns the ids
    each view should show, newest first."""
    plan = SeedPlan(campaign.id, "full", COUNT, "moderation")
    await seed(runtime.db, runtime.keyring, plan, batch_size=1_000)
    async with runtime.db.write() as session:
        rows = (
            await session.execute(
                select(Signature.id, Signature.signer_type)
                .where(Signature.campaign_id == campaign.id)
                .order_by(Signature.id)
            )
        ).all()
        ids = [row.id for row in rows]
        states = {"held": ids[10:15], "hidden": ids[100:103], "rejected": ids[2000:2002]}
        for state, chosen in states.items():
            await session.execute(
                update(Signature).where(Signature.id.in_(chosen)).values(moderation=state)
            )
        flagged = [ids[12], ids[2500], ids[2999]]
        await session.execute(
            update(Signature).where(Signature.id.in_(flagged)).values(flag_reason="too fast")
        )
        withdrawn = ids[14]  # held, then withdrawn: in no view
        await session.execute(
            update(Signature).where(Signature.id == withdrawn).values(status="withdrawn")
        )
    newest = sorted(ids, reverse=True)
    kinds = {row.id: row.signer_type for row in rows}
    shown = {
        "waiting": states["held"],
        "hidden": states["hidden"],
        "rejected": states["rejected"],
        "suspicious": flagged,
        "organizations": [i for i in newest if kinds[i] == "organization"],
        "individuals": [i for i in newest if kinds[i] == "individual"],
    }
    return {
        view: sorted((i for i in chosen if i != withdrawn), reverse=True)[:QUEUE_LIMIT]
        for view, chosen in shown.items()
    }


async def test_every_view_shows_its_signatures_newest_first(
    runtime: Runtime, campaign: CampaignView
) -> None:
    expected = await _seed_and_moderate(runtime, campaign)
    assert set(expected) == set(FILTERS)
    for view in FILTERS:
        items = await runtime.moderation.queue(campaign.id, view)
        assert [item.id for item in items] == expected[view], view
    organizations = await runtime.moderation.queue(campaign.id, "organizations")
    assert len(organizations) >= COUNT // 20 - 1, "all of them (one may be the withdrawn one)"
    assert all(item.personal and item.personal.organization for item in organizations)
    assert all(item.domain_matches is not None for item in organizations), "seeded with sites"

    admin = Organizer(user_id=0, email="admin@example.org", is_admin=True, session_id=0)
    [row] = await runtime.access.dashboard(admin)
    assert row.awaiting_review == 4, "the held ones, less the withdrawn one"


async def test_the_views_of_moderated_and_flagged_signatures_read_their_partial_indexes(
    runtime: Runtime, campaign: CampaignView
) -> None:
    await _seed_and_moderate(runtime, campaign)
    indexes = {
        "waiting": "ix_signatures_moderated",
        "hidden": "ix_signatures_moderated",
        "rejected": "ix_signatures_moderated",
        "suspicious": "ix_signatures_flagged",
    }
    for view, index in indexes.items():
        plan = await _plan(runtime, queue_query(campaign.id, view, runtime.db.is_sqlite))
        assert index in plan, (view, plan)
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, (view, plan)


async def test_the_newest_of_a_type_are_read_without_sorting_the_campaign_on_sqlite(
    runtime: Runtime, campaign: CampaignView
) -> None:
    if not runtime.db.is_sqlite:
        pytest.skip("PostgreSQL chooses by its statistics")
    await _seed_and_moderate(runtime, campaign)
    for view in ("organizations", "individuals"):
        plan = await _plan(runtime, queue_query(campaign.id, view, sqlite=True))
        assert plan.startswith("SCAN signatures") and "TEMP B-TREE" not in plan, (view, plan)


async def _plan(runtime: Runtime, query: Any) -> str:
    """The database's plan for the query, with its parameters bound as the app binds them."""
    async with runtime.db.engine.connect() as connection:
        if runtime.db.is_sqlite:
            compiled = query.compile(dialect=sqlite.dialect())
            values = tuple(compiled.params[name] for name in compiled.positiontup)
            rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", values)
            return "\n".join(row[-1] for row in rows)
        await connection.exec_driver_sql("ANALYZE signatures")
        compiled = query.compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
        rows = await connection.exec_driver_sql(f"EXPLAIN {compiled}")
        return "\n".join(row[0] for row in rows)
