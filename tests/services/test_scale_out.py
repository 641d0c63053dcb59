"""Several processes at once: mail workers sharing one outbox, and counters under a storm of
confirmations and withdrawals."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import pytest
from sqlalchemy import select

from signon.db.models import Signature
from signon.forms import SignatureInput
from signon.runtime import Runtime
from signon.services.campaigns import CampaignSpec
from signon.services.counts import recount
from signon.settings import Settings
from tests.support import SmtpSink

pytestmark = pytest.mark.anyio


async def test_two_mail_workers_deliver_every_message_exactly_once(
    settings: Settings, smtp_server: SmtpSink
) -> None:
    # Two runtimes: two engines and connection pools, as two worker processes would have; small
    # batches, so that their claims interleave, each batch shared by several SMTP connections.
    first = Runtime.start(settings.with_changes(mail_batch_size=20))
    second = Runtime.start(settings.with_changes(mail_batch_size=7))
    try:
        campaign = await first.campaigns.create(CampaignSpec("c", "C", "Statement"))
        for n in range(150):
            person = SignatureInput("individual", f"P {n}", f"p{n}@example.org", "public", False)
            await first.signatures.sign(campaign, person)
        reports = await asyncio.gather(first.mail_worker.drain(), second.mail_worker.drain())
    finally:
        await first.close()
        await second.close()
    assert sum(r.sent for r in reports) == 150 and all(r.failed == 0 for r in reports)
    received = Counter(str(m["To"]) for m in smtp_server.messages)
    assert len(received) == 150 and set(received.values()) == {1}


async def test_counters_survive_concurrent_confirmations_and_withdrawals(
    settings: Settings,
) -> None:
    runtime = Runtime.start(settings)
    try:
        campaign = await runtime.campaigns.create(
            CampaignSpec("c", "C", "Statement", moderate_organizations=False)
        )
        people = [
            SignatureInput(
                "organization" if n % 4 == 0 else "individual",
                f"P {n}",
                f"p{n}@example.org",
                "public",
                False,
                organization=f"Org {n}" if n % 4 == 0 else None,
            )
            for n in range(60)
        ]
        for person in people:
            await runtime.signatures.sign(campaign, person)
        async with runtime.db.read() as session:
            nonces = list(await session.scalars(select(Signature.token_nonce)))
        confirm = [runtime.signatures.confirm(runtime.signatures.tokens.issue(n)) for n in nonces]
        withdraw = [
            runtime.selfservice.withdraw(runtime.signatures.manage_tokens.issue(n))
            for n in random.Random(7).sample(nonces, 25)
        ]
        calls = confirm * 2 + withdraw
        random.Random(3).shuffle(calls)
        await asyncio.gather(*calls)
        [check] = await recount(runtime.db, "c")
        assert not check.changed, "the counters drifted from the signatures"
        view = await runtime.campaigns.get("c")
        assert view is not None and view.total == check.individuals + check.organizations
    finally:
        await runtime.close()
