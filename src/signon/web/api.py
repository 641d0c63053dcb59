"""Public JSON: counts and endorser lists, exactly what the public pages show."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Annotated, Any

from litestar import Controller, MediaType, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response.base import ASGIResponse

from signon import i18n
from signon.db.models import utcnow
from signon.runtime import Runtime
from signon.services.campaigns import CampaignView
from signon.services.listcursors import BadCursor
from signon.web.errors import NO_CSRF, BadRequest
from signon.web.public import SIGNER_TYPES, campaign_or_404

COUNT_MAX_AGE = 1
_COUNT_CACHE = f"public, max-age={COUNT_MAX_AGE}"


def _count_json(campaign: CampaignView, status: str, title: str) -> tuple[bytes, str]:
    """The count JSON's body, encoded once per change, and its ETag."""
    body = {
        "slug": campaign.slug,
        "title": title,
        "status": status,
        # The goal shown now (stepped up once reached, if the campaign says so), and as set.
        "goal": campaign.shown_goal,
        "first_goal": campaign.goal,
        "deadline": campaign.deadline.isoformat() if campaign.deadline else None,
        "counts": {
            "individuals": campaign.individuals,
            "organizations": campaign.organizations,
            "total": campaign.total,
        },
    }
    encoded = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return encoded, '"' + hashlib.sha256(encoded).hexdigest()[:20] + '"'


@get("/api/campaigns/{slug:str}", name="api_campaign", opt=NO_CSRF)
async def campaign_counts(request: Request) -> ASGIResponse:
    """The count JSON, which watchers poll: no dependency but the request and a response built
    from bytes encoded once per change (the app's before-send hook still adds the security
    headers). Watchers may revalidate with the ETag; a second of caching lets a reverse proxy
    or CDN absorb them."""
    state = request.app.state
    slug = request.path_params["slug"]
    campaign = await campaign_or_404(state.runtime, slug)
    status = campaign.effective_status(utcnow())
    language, title = campaign.language, campaign.title
    if campaign.translations:  # only then does the reader's language matter (the hot path)
        query, accept = request.query_params.get("lang"), request.headers.get("accept-language")
        texts = campaign.texts(i18n.choose(query, accept))
        language, title = texts.language, texts.title
    body, etag = state.renders.get(
        ("count", slug, language), (campaign, status), lambda: _count_json(campaign, status, title)
    )
    headers = {"cache-control": _COUNT_CACHE, "etag": etag}
    if campaign.translations:  # the title, hence the body, depends on the reader's language
        headers["vary"] = "Accept-Language"
    if request.headers.get("if-none-match") == etag:
        return ASGIResponse(body=b"", status_code=304, headers=headers)
    return ASGIResponse(body=body, media_type=MediaType.JSON, headers=headers)


class ApiController(Controller):
    opt = NO_CSRF
    path = "/api/campaigns"

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
            page = await runtime.endorsers.page(
                campaign.id, signer_type, cursor, name_display=campaign.name_display
            )
        except BadCursor as error:
            raise BadRequest("unknown cursor") from error
        return {
            "type": signer_type,
            "items": [
                {k: v for k, v in asdict(item).items() if v is not None} for item in page.items
            ],
            "next_cursor": page.next_cursor,
        }
