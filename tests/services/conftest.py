"""What the service tests share: a runtime on the test database, and an open campaign."""

from __future__ import annotations

import pytest

from signon.runtime import Runtime
from signon.services.campaigns import CampaignSpec, CampaignView
from signon.settings import Settings


@pytest.fixture
async def runtime(settings: Settings):  # type: ignore[no-untyped-def]
    runtime = Runtime.start(settings)
    yield runtime
    await runtime.close()


@pytest.fixture
async def campaign(runtime: Runtime) -> CampaignView:
    spec = CampaignSpec("c", "A campaign", "Statement", moderate_organizations=False)
    return await runtime.campaigns.create(spec)
