"""Public JSON: counts and endorser lists, exactly what the public pages show."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter

from signon.db.models import utcnow
from signon.runtime import Runtime
from signon.services.endorsers import BadCursor
from signon.web.errors import NO_CSRF, BadRequest
from signon.web.public import SIGNER_TYPES, campaign_or_404


class ApiController(Controller):
    opt = NO_CSRF
    path = "/api/campaigns"

    @get("/{slug:str}", name="api_campaign")
    async def campaign(
        self, slug: FromPath[str], runtime: NamedDependency[Runtime]
    ) -> dict[str, Any]:
        campaign = await campaign_or_404(runtime, slug)
        return {
            "slug": campaign.slug,
            "title": campaign.title,
            "status": campaign.effective_status(utcnow()),
            "goal": campaign.goal,
            "deadline": campaign.deadline.isoformat() if campaign.deadline else None,
            "counts": {
                "individuals": campaign.individuals,
                "organizations": campaign.organizations,
                "total": campaign.total,
            },
        }

    @get("/{slug:str}/endorsers", name="api_endorsers")
    async def endorsers(
        self,
        slug: FromPath[str],
        runtime: NamedDependency[Runtime],
        signer_type: Annotated[str, QueryParameter(name="type")] = "individual",
        cursor: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        campaign = await campaign_or_404(runtime, slug)
        if signer_type not in SIGNER_TYPES:
            raise BadRequest("type must be individual or organization")
        try:
            page = await runtime.endorsers.page(campaign.id, signer_type, cursor)
        except BadCursor as error:
            raise BadRequest("unknown cursor") from error
        return {
            "type": signer_type,
            "items": [
                {k: v for k, v in asdict(item).items() if v is not None} for item in page.items
            ],
            "next_cursor": page.next_cursor,
        }
