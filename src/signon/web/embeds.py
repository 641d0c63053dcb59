"""Embeds: a campaign's sign form and its counter, compact, for iframes on partner sites.

The form is the campaign page's own (the same fields, token, proof of work and sign path);
only the page around it is smaller. Each response may be framed by the sites the organizers
listed for that campaign (and the site itself), decided per request; see signon.embeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, MediaType, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from signon import embeds, i18n
from signon.db.models import utcnow
from signon.runtime import Runtime
from signon.services.campaigns import CampaignView
from signon.web.errors import NO_CSRF
from signon.web.languages import choose_language, localized
from signon.web.public import SignFormData, campaign_or_404, take_signature
from signon.web.security import allow_framing
from signon.web.stencil import SLOT, Stencil


@dataclass
class EmbedSignFormData(SignFormData):
    # The origin of the page that framed the form, as its first request told it.
    embed_origin: str = ""


async def _framable_campaign(request: Request, runtime: Runtime, slug: str) -> CampaignView:
    """The published campaign, with this response framable by the sites it lists."""
    campaign = await campaign_or_404(runtime, slug)
    allow_framing(
        request.scope, embeds.frame_ancestors(campaign.embed_origins, campaign.embed_anywhere)
    )
    return campaign


def _carried_origin(source: str) -> str:
    """The host page's origin again, from a recorded source (only one that may frame us)."""
    prefix = embeds.SOURCE_PREFIX + ":"
    return source.removeprefix(prefix) if source.startswith(prefix) else ""


class EmbedController(Controller):
    path = "/embed"
    opt = NO_CSRF
    before_request = choose_language  # as the public pages: ?lang=, then the browser

    @get("/{slug:str}/form", name="embed_form", media_type=MediaType.HTML)
    async def form(
        self, request: Request, slug: FromPath[str], runtime: NamedDependency[Runtime]
    ) -> str:
        campaign = await _framable_campaign(request, runtime, slug)
        context: dict[str, Any] = {
            "campaign": campaign,
            "texts": campaign.texts(i18n.current()),
            "open": campaign.accepts_signatures(utcnow()),
            "values": {},
            "errors": {},
            "notice": None,
            "embed_origin": SLOT,
        }

        def render() -> Stencil:
            template = request.app.template_engine.get_template("embed/form.html")  # type: ignore[union-attr]
            return Stencil.render(
                lambda challenge: template.render(**context, challenge=challenge, request=request),
                runtime.settings.abuse.pow_bits,
            )

        # Shared by every reader in this language, as the campaign page's; the host page's
        # origin is the one part that differs per request besides the form's token.
        key = ("embed-form", slug, i18n.current())
        stencil = request.app.state.renders.get(key, (campaign, context["open"]), render)
        origin = embeds.origin_of_referer(request.headers.get("referer")) or ""
        return stencil.fill(runtime.screener.new_form(campaign.slug, utcnow()), origin)

    @post("/{slug:str}/sign", name="embed_sign")
    async def sign(
        self,
        request: Request,
        slug: FromPath[str],
        data: URLEncodedBody[EmbedSignFormData],
        runtime: NamedDependency[Runtime],
    ) -> Template | Redirect:
        campaign = await _framable_campaign(request, runtime, slug)
        source = embeds.signature_source(
            data.embed_origin, campaign.embed_origins, campaign.embed_anywhere
        )
        problem = await take_signature(request, runtime, campaign, data, source)
        if problem is None:
            target = request.app.route_reverse("embed_check_email", slug=campaign.slug)
            return Redirect(localized(target), status_code=303)
        now = utcnow()
        challenge = (
            runtime.screener.form_for_retry(campaign.slug, problem.retry_token, now)
            if problem.retry_token
            else runtime.screener.new_form(campaign.slug, now)
        )
        context = {
            "campaign": campaign,
            "texts": campaign.texts(i18n.current()),
            "open": campaign.accepts_signatures(now),
            "values": problem.form.values,
            "errors": problem.form.errors,
            "notice": problem.notice,
            "challenge": challenge,
            "embed_origin": _carried_origin(source),
        }
        return Template("embed/form.html", context=context, status_code=422)

    @get("/{slug:str}/check-email", name="embed_check_email")
    async def check_email(
        self, request: Request, slug: FromPath[str], runtime: NamedDependency[Runtime]
    ) -> Template:
        campaign = await _framable_campaign(request, runtime, slug)
        context = {"campaign": campaign, "texts": campaign.texts(i18n.current())}
        return Template("embed/check_email.html", context=context)

    @get("/{slug:str}/counter", name="embed_counter", media_type=MediaType.HTML)
    async def counter(
        self, request: Request, slug: FromPath[str], runtime: NamedDependency[Runtime]
    ) -> str:
        campaign = await _framable_campaign(request, runtime, slug)
        status = campaign.effective_status(utcnow())

        def render() -> str:
            template = request.app.template_engine.get_template("embed/counter.html")  # type: ignore[union-attr]
            texts = campaign.texts(i18n.current())
            return template.render(campaign=campaign, texts=texts, status=status, request=request)

        key = ("embed-counter", slug, i18n.current())
        return request.app.state.renders.get(key, (campaign, status), render)  # type: ignore[no-any-return]
