"""Public pages: the campaign page and sign form, the confirmation pages, the endorser lists."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from signon.abuse.screening import Refusal, Submission
from signon.db.models import utcnow
from signon.forms import FormResult, parse_sign_form
from signon.runtime import Runtime
from signon.services.campaigns import CampaignView
from signon.services.endorsers import BadCursor
from signon.services.signatures import CampaignClosed, ConfirmState
from signon.web.errors import NO_CSRF, BadRequest

LATEST_ON_PAGE = 10
SIGNER_TYPES = ("individual", "organization")


@dataclass
class SignFormData:
    """Lenient on purpose: every field is optional text; forms.parse_sign_form judges it."""

    signer_type: str = ""
    name: str = ""
    email: str = ""
    organization: str = ""
    website: str = ""
    role: str = ""
    city: str = ""
    country: str = ""
    comment: str = ""
    display: str = ""
    updates: str = ""
    # Carried by the form itself (see signon.abuse): signed token, proof of work, honeypot.
    form_token: str = ""
    pow: str = ""
    leave_empty: str = ""


async def campaign_or_404(runtime: Runtime, slug: str) -> CampaignView:
    campaign = await runtime.campaigns.get_published(slug)
    if campaign is None:
        raise NotFoundException("No campaign at this address.")
    return campaign


async def _campaign_page(
    runtime: Runtime,
    campaign: CampaignView,
    form: FormResult | None = None,
    notice: str | None = None,
    status_code: int = 200,
    submitted_token: str | None = None,
) -> Template:
    now = utcnow()
    challenge = (
        runtime.screener.form_for_retry(campaign.slug, submitted_token, now)
        if submitted_token
        else runtime.screener.new_form(campaign.slug, now)
    )
    organizations = await runtime.endorsers.page(campaign.id, "organization", limit=LATEST_ON_PAGE)
    individuals = await runtime.endorsers.page(campaign.id, "individual", limit=LATEST_ON_PAGE)
    context: dict[str, Any] = {
        "campaign": campaign,
        "open": campaign.accepts_signatures(now),
        "challenge": challenge,
        "values": form.values if form else {},
        "errors": form.errors if form else {},
        "notice": notice,
        "organizations": organizations,
        "individuals": individuals,
    }
    return Template("campaign.html", context=context, status_code=status_code)


class PublicController(Controller):
    opt = NO_CSRF

    @get("/c/{slug:str}", name="campaign")
    async def campaign_page(
        self, slug: FromPath[str], runtime: NamedDependency[Runtime]
    ) -> Template:
        return await _campaign_page(runtime, await campaign_or_404(runtime, slug))

    @post("/c/{slug:str}/sign", name="sign")
    async def sign(
        self,
        request: Request,
        slug: FromPath[str],
        data: URLEncodedBody[SignFormData],
        runtime: NamedDependency[Runtime],
    ) -> Template | Redirect:
        campaign = await campaign_or_404(runtime, slug)
        form = parse_sign_form(asdict(data), campaign.form_options)
        closed_notice = "This campaign is closed: it no longer takes signatures."
        if not campaign.accepts_signatures(utcnow()):
            return await _campaign_page(runtime, campaign, form, closed_notice, 422)
        if form.data is None:
            return await _campaign_page(runtime, campaign, form, None, 422, data.form_token)
        submission = Submission(
            campaign_slug=campaign.slug,
            email=form.data.email,
            client_address=runtime.proxies.client_address(request),
            form_token=data.form_token,
            pow_solution=data.pow,
            honeypot=data.leave_empty,
        )
        verdict = await runtime.screener.screen(submission, utcnow())
        if isinstance(verdict, Refusal):
            if verdict.field:
                form.errors[verdict.field] = verdict.message
            notice = None if verdict.field else verdict.message
            return await _campaign_page(runtime, campaign, form, notice, 422, data.form_token)
        try:
            await runtime.signatures.sign(campaign, form.data, verdict)
        except CampaignClosed:
            return await _campaign_page(runtime, campaign, form, closed_notice, 422)
        return Redirect(
            request.app.route_reverse("check_email", slug=campaign.slug), status_code=303
        )

    @get("/c/{slug:str}/check-email", name="check_email")
    async def check_email(self, slug: FromPath[str], runtime: NamedDependency[Runtime]) -> Template:
        campaign = await campaign_or_404(runtime, slug)
        return Template("check_email.html", context={"campaign": campaign})

    @get("/c/{slug:str}/endorsers", name="endorsers")
    async def endorsers(
        self,
        slug: FromPath[str],
        runtime: NamedDependency[Runtime],
        signer_type: Annotated[str, QueryParameter(name="type")] = "individual",
        cursor: FromQuery[str | None] = None,
    ) -> Template:
        campaign = await campaign_or_404(runtime, slug)
        if signer_type not in SIGNER_TYPES:
            raise BadRequest("The list type must be individual or organization.")
        try:
            page = await runtime.endorsers.page(campaign.id, signer_type, cursor)
        except BadCursor as error:
            raise BadRequest("This page of the list does not exist.") from error
        return Template(
            "endorsers.html",
            context={"campaign": campaign, "type": signer_type, "page": page, "first": not cursor},
        )

    @get("/confirm/{token:str}", name="confirm")
    async def confirm_page(
        self, token: FromPath[str], runtime: NamedDependency[Runtime]
    ) -> Template:
        view = await runtime.signatures.describe(token)
        return _confirm_template(token, view)

    @post("/confirm/{token:str}", name="confirm_submit")
    async def confirm(self, token: FromPath[str], runtime: NamedDependency[Runtime]) -> Template:
        view = await runtime.signatures.confirm(token)
        return _confirm_template(token, view)

    @post("/confirm/{token:str}/resend", name="confirm_resend")
    async def resend(
        self, request: Request, token: FromPath[str], runtime: NamedDependency[Runtime]
    ) -> Template | Redirect:
        view = await runtime.signatures.describe(token)
        if view.campaign_slug is None:
            return _confirm_template(token, view)
        await runtime.signatures.resend(token)
        target = request.app.route_reverse("check_email", slug=view.campaign_slug)
        return Redirect(target, status_code=303)


_CONFIRM_STATUS = {ConfirmState.INVALID: 400, ConfirmState.EXPIRED: 410}


def _confirm_template(token: str, view: Any) -> Template:
    return Template(
        "confirm.html",
        context={"token": token, "view": view, "state": view.state.value},
        status_code=_CONFIRM_STATUS.get(view.state, 200),
    )
