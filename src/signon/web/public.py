"""Public pages: the campaign page and sign form, the confirmation pages, the endorser lists."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

from litestar import Controller, MediaType, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Response, Template

from signon import i18n
from signon.abuse.screening import Refusal, Submission
from signon.db.models import utcnow
from signon.forms import FormResult, parse_sign_form
from signon.i18n import gettext
from signon.runtime import Runtime
from signon.services.campaigns import CampaignView
from signon.services.listcursors import BadCursor
from signon.services.outcomes import CampaignClosed, ConfirmState, ConfirmView
from signon.web.errors import NO_CSRF, BadRequest
from signon.web.languages import choose_language, localized
from signon.web.sharing import share_links, summary
from signon.web.stencil import SLOT, Stencil

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


@dataclass(frozen=True, slots=True)
class SignProblem:
    """Why a submitted form was not taken: shown again with the input kept (422)."""

    form: FormResult
    notice: str | None = None
    retry_token: str | None = None  # the form's own token: the retry keeps its time-to-fill


async def take_signature(
    request: Request,
    runtime: Runtime,
    campaign: CampaignView,
    data: SignFormData,
    source: str | None = None,
) -> SignProblem | None:
    """The one way a sign form is taken, from the campaign page or an embed: parsed, screened,
    signed. None once signed: the caller answers with the same neutral page whatever the
    address's history (see the sign route)."""
    form = parse_sign_form(dict(vars(data)), campaign.form_options)
    closed_notice = gettext("This campaign is closed: it no longer takes signatures.")
    if not campaign.accepts_signatures(utcnow()):
        return SignProblem(form, closed_notice)
    if form.data is None:
        return SignProblem(form, None, data.form_token)
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
        return SignProblem(form, notice, data.form_token)
    try:
        await runtime.signatures.sign(campaign, form.data, verdict, source)
    except CampaignClosed:
        return SignProblem(form, closed_notice)
    return None


async def campaign_or_404(runtime: Runtime, slug: str) -> CampaignView:
    campaign = await runtime.campaigns.get_published(slug)
    if campaign is None:
        raise NotFoundException(gettext("No campaign at this address."))
    return campaign


async def _page_context(runtime: Runtime, campaign: CampaignView) -> dict[str, Any]:
    """What the campaign page shows everyone: the same for every visitor."""
    return {
        "campaign": campaign,
        "texts": campaign.texts(i18n.current()),
        "open": campaign.accepts_signatures(utcnow()),
        "organizations": await runtime.endorsers.latest(
            campaign.id, "organization", LATEST_ON_PAGE, name_display=campaign.name_display
        ),
        "individuals": await runtime.endorsers.latest(
            campaign.id, "individual", LATEST_ON_PAGE, name_display=campaign.name_display
        ),
        "values": {},
        "errors": {},
        "notice": None,
    }


def _preview(runtime: Runtime, campaign: CampaignView) -> dict[str, str]:
    """What link previews show (Open Graph and a text-only card): no image, no third party.
    Only needed when the page is rendered, not for every visitor of a held page."""
    return {
        "page_url": f"{runtime.settings.base_url}/c/{campaign.slug}",
        "summary": summary(campaign.texts(i18n.current()).statement_html),
    }


async def _campaign_page(
    runtime: Runtime,
    campaign: CampaignView,
    form: FormResult | None,
    notice: str | None,
    status_code: int,
    submitted_token: str | None = None,
) -> Template:
    """The page shown again after a problem with the form: the signer's input and the errors
    beside each field (never cached: it holds what one person typed)."""
    now = utcnow()
    challenge = (
        runtime.screener.form_for_retry(campaign.slug, submitted_token, now)
        if submitted_token
        else runtime.screener.new_form(campaign.slug, now)
    )
    context = await _page_context(runtime, campaign)
    context.update(
        _preview(runtime, campaign),
        challenge=challenge,
        values=form.values if form else {},
        errors=form.errors if form else {},
        notice=notice,
    )
    return Template("campaign.html", context=context, status_code=status_code)


class PublicController(Controller):
    opt = NO_CSRF
    before_request = choose_language  # the language of the page: ?lang=, then the browser

    @get("/c/{slug:str}", name="campaign", media_type=MediaType.HTML)
    async def campaign_page(
        self, request: Request, slug: FromPath[str], runtime: NamedDependency[Runtime]
    ) -> str:
        campaign = await campaign_or_404(runtime, slug)
        context = await _page_context(runtime, campaign)
        shown = (campaign, context["open"], context["organizations"], context["individuals"])

        def render() -> Stencil:
            template = request.app.template_engine.get_template("campaign.html")  # type: ignore[union-attr]
            context.update(_preview(runtime, campaign))
            return Stencil.render(
                lambda challenge: template.render(**context, challenge=challenge, request=request),
                runtime.settings.abuse.pow_bits,
            )

        # One stencil per page and language: everyone reading it in that language shares it.
        stencil = request.app.state.renders.get(("page", slug, i18n.current()), shown, render)
        return stencil.fill(runtime.screener.new_form(campaign.slug, utcnow()))

    @post("/c/{slug:str}/sign", name="sign")
    async def sign(
        self,
        request: Request,
        slug: FromPath[str],
        data: URLEncodedBody[SignFormData],
        runtime: NamedDependency[Runtime],
    ) -> Template | Redirect:
        campaign = await campaign_or_404(runtime, slug)
        problem = await take_signature(request, runtime, campaign, data)
        if problem is not None:
            return await _campaign_page(
                runtime, campaign, problem.form, problem.notice, 422, problem.retry_token
            )
        return Redirect(
            localized(request.app.route_reverse("check_email", slug=campaign.slug)),
            status_code=303,
        )

    @get("/c/{slug:str}/check-email", name="check_email")
    async def check_email(self, slug: FromPath[str], runtime: NamedDependency[Runtime]) -> Template:
        campaign = await campaign_or_404(runtime, slug)
        context = {"campaign": campaign, "texts": campaign.texts(i18n.current())}
        return Template("check_email.html", context=context)

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
            raise BadRequest(gettext("The list type must be individual or organization."))
        try:
            page = await runtime.endorsers.page(
                campaign.id, signer_type, cursor, name_display=campaign.name_display
            )
        except BadCursor as error:
            raise BadRequest(gettext("This page of the list does not exist.")) from error
        return Template(
            "endorsers.html",
            context={
                "campaign": campaign,
                "texts": campaign.texts(i18n.current()),
                "type": signer_type,
                "page": page,
                "first": not cursor,
                "switcher_keeps": ("type", "cursor"),
            },
        )

    @get("/confirm/{token:str}", name="confirm")
    async def confirm_page(
        self, token: FromPath[str], runtime: NamedDependency[Runtime]
    ) -> Template:
        view = await runtime.signatures.describe(token)
        return _confirm_template(token, view)

    @post("/confirm/{token:str}", name="confirm_submit")
    async def confirm(
        self, request: Request, token: FromPath[str], runtime: NamedDependency[Runtime]
    ) -> Template | Response[str]:
        view = await runtime.signatures.confirm(token)
        if view.state is ConfirmState.CONFIRMED:
            return _thank_you(request, view, runtime.settings.base_url)
        return _confirm_template(token, view)

    @post("/confirm/{token:str}/resend", name="confirm_resend")
    async def resend(
        self, request: Request, token: FromPath[str], runtime: NamedDependency[Runtime]
    ) -> Template | Redirect:
        view = await runtime.signatures.describe(token)
        if view.campaign_slug is None:
            return _confirm_template(token, view)
        await runtime.signatures.resend(token)
        target = localized(request.app.route_reverse("check_email", slug=view.campaign_slug))
        return Redirect(target, status_code=303)


_CONFIRM_STATUS = {
    ConfirmState.INVALID: 400,
    ConfirmState.EXPIRED: 410,
    ConfirmState.SUPERSEDED: 409,
}


def _confirm_template(token: str, view: ConfirmView) -> Template:
    context: dict[str, Any] = {"token": token, "view": view, "state": view.state.value}
    return Template(
        "confirm.html", context=context, status_code=_CONFIRM_STATUS.get(view.state, 200)
    )


def _thank_you(request: Request, view: ConfirmView, base_url: str) -> Response[str]:
    """The page a signer sees on confirming: the same for everyone who confirms this campaign
    in this language but for their own manage link, so it is rendered once and filled in."""

    # What the page shows is the campaign's, not the signer's: nothing personal is kept.
    shared = replace(
        view, manage_token=None, name=None, organization=None, signer_type=None, display=None
    )

    def render() -> Stencil:
        # It invites the signer to pass the campaign on.
        url = localized(f"{base_url}/c/{view.campaign_slug}")
        context = {
            "token": "",  # only the other states' forms use it
            "view": replace(shared, manage_token=SLOT),
            "state": view.state.value,
            "share_url": url,
            "share_links": share_links(url, view.campaign_title),
            "request": request,
        }
        template = request.app.template_engine.get_template("confirm.html")  # type: ignore[union-attr]
        return Stencil.of(template.render(**context))

    key = ("thank-you", i18n.current(), shared)
    stencil = request.app.state.renders.get(key, (), render)
    page = stencil.fill(None, view.manage_token or "")
    return Response(page, media_type=MediaType.HTML, status_code=200)
