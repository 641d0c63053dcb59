"""Dashboard, campaign creation and editing, publishing, members and notifications."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from signon import i18n
from signon.i18n import LANGUAGES, gettext, native_name
from signon.qrcodes import campaign_link
from signon.runtime import Runtime
from signon.services.access import ROLES, CampaignAccess
from signon.services.accounts import Organizer
from signon.services.campaigns import CampaignError, LanguageTaken
from signon.web.admin.forms import CampaignForm, parse_campaign_form, preview_texts
from signon.web.languages import choose_admin_language

TRANSITIONS = {
    "publish": ("draft", "open"),
    "close": ("open", "closed"),
    "reopen": ("closed", "open"),
}


@dataclass
class StatusForm:
    action: str = ""


@dataclass
class MemberForm:
    email: str = ""
    role: str = ""
    user_id: str = ""


@dataclass
class NotifyForm:
    notify: str = ""


def _to_campaign(request: Request, slug: str) -> Redirect:
    return Redirect(request.app.route_reverse("admin_campaign", slug=slug), status_code=303)


def _form_page(
    organizer: Organizer,
    form: CampaignForm,
    errors: dict[str, str],
    *,
    access: CampaignAccess | None = None,
    preview: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    context = {
        "languages": [(code, native_name(code)) for code in LANGUAGES],
        "organizer": organizer,
        "values": form.values(),
        "errors": errors,
        "access": access,
        "preview": preview,
    }
    return Template("admin/campaign_form.html", context=context, status_code=status_code)


class CampaignAdminController(Controller):
    path = "/admin"
    before_request = choose_admin_language  # ?lang=, then the remembered choice, then the browser

    @get("/", name="admin_dashboard")
    async def dashboard(
        self, organizer: NamedDependency[Organizer], runtime: NamedDependency[Runtime]
    ) -> Template:
        rows = await runtime.access.dashboard(organizer)
        return Template("admin/dashboard.html", context={"organizer": organizer, "rows": rows})

    @get("/campaigns/new", name="admin_campaign_new")
    async def new_page(self, organizer: NamedDependency[Organizer]) -> Template:
        return _form_page(organizer, CampaignForm.blank(), {})

    @post("/campaigns/new", name="admin_campaign_create")
    async def create(
        self,
        request: Request,
        data: URLEncodedBody[CampaignForm],
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
    ) -> Template | Redirect:
        spec, errors = parse_campaign_form(data, "draft")
        if data.action == "preview" and spec is not None:
            return _form_page(
                organizer, data, {}, preview=preview_texts(data.statement_md, data.thank_you_md)
            )
        if spec is None:
            return _form_page(organizer, data, errors, status_code=422)
        try:
            created = await runtime.campaigns.create(spec)
        except CampaignError as error:
            return _form_page(organizer, data, {"slug": str(error)}, status_code=422)
        await runtime.access.add_member(created.id, organizer.user_id, "owner")
        return _to_campaign(request, created.slug)

    @get("/campaigns/{slug:str}", name="admin_campaign")
    async def overview(
        self,
        slug: FromPath[str],
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
    ) -> Template:
        access = await runtime.access.campaign(organizer, slug, "view")
        context: dict[str, Any] = {
            "organizer": organizer,
            "access": access,
            "base_url": runtime.settings.base_url,  # for the embed snippets
        }
        context["public_link"] = campaign_link(runtime.settings.base_url, access.campaign.slug)
        if access.can("members"):
            context["members"] = await runtime.access.members(access.campaign.id)
            context["roles"] = ROLES
        if access.can("audit"):
            exports = await runtime.exports.log(access.campaign.id)
            context["exports"] = exports
            people = {e.user_id for e in exports if e.user_id}
            context["who"] = {uid: await runtime.accounts.email_of(uid) for uid in people}
        context["history"] = await runtime.moderation.history(access.campaign.id, limit=20)
        return Template("admin/campaign.html", context=context)

    @get("/campaigns/{slug:str}/edit", name="admin_campaign_edit")
    async def edit_page(
        self,
        slug: FromPath[str],
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
    ) -> Template:
        access = await runtime.access.campaign(organizer, slug, "edit")
        return _form_page(organizer, CampaignForm.of(access.campaign), {}, access=access)

    @post("/campaigns/{slug:str}/edit", name="admin_campaign_update")
    async def update(
        self,
        request: Request,
        slug: FromPath[str],
        data: URLEncodedBody[CampaignForm],
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
    ) -> Template | Redirect:
        access = await runtime.access.campaign(organizer, slug, "edit")
        data.slug = access.campaign.slug  # the public address never changes
        spec, errors = parse_campaign_form(data, access.campaign.status)
        if data.action == "preview" and spec is not None:
            return _form_page(
                organizer,
                data,
                {},
                access=access,
                preview=preview_texts(data.statement_md, data.thank_you_md),
            )
        if spec is None:
            return _form_page(organizer, data, errors, access=access, status_code=422)
        try:
            await runtime.campaigns.update(slug, spec)
        except LanguageTaken as error:
            errors = {"language": str(error)}
            return _form_page(organizer, data, errors, access=access, status_code=422)
        return _to_campaign(request, slug)

    @post("/campaigns/{slug:str}/status", name="admin_campaign_status")
    async def change_status(
        self,
        request: Request,
        slug: FromPath[str],
        data: URLEncodedBody[StatusForm],
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
    ) -> Redirect:
        access = await runtime.access.campaign(organizer, slug, "edit")
        expected, target = TRANSITIONS.get(data.action, (None, None))
        if target and access.campaign.status == expected:
            await runtime.campaigns.set_status(slug, target)
        return _to_campaign(request, slug)

    @post("/campaigns/{slug:str}/members", name="admin_members_add")
    async def add_member(
        self,
        request: Request,
        slug: FromPath[str],
        data: URLEncodedBody[MemberForm],
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
    ) -> Template | Redirect:
        access = await runtime.access.campaign(organizer, slug, "members")
        user_id = await runtime.accounts.find_user_id(data.email)
        problem = (
            gettext("Choose a role.")
            if data.role not in ROLES
            else gettext("No organizer account has this address (a site admin creates accounts).")
            if user_id is None
            else None
        )
        if problem or user_id is None:
            context = {"organizer": organizer, "message": problem}
            return Template("admin/message.html", context=context, status_code=422)
        await runtime.access.add_member(access.campaign.id, user_id, data.role)
        return _to_campaign(request, slug)

    @post("/campaigns/{slug:str}/members/remove", name="admin_members_remove")
    async def remove_member(
        self,
        request: Request,
        slug: FromPath[str],
        data: URLEncodedBody[MemberForm],
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
    ) -> Redirect:
        access = await runtime.access.campaign(organizer, slug, "members")
        if data.user_id.isdigit():
            await runtime.access.remove_member(access.campaign.id, int(data.user_id))
        return _to_campaign(request, slug)

    @post("/campaigns/{slug:str}/notifications", name="admin_notifications")
    async def notifications(
        self,
        request: Request,
        slug: FromPath[str],
        data: URLEncodedBody[NotifyForm],
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
    ) -> Redirect:
        access = await runtime.access.campaign(organizer, slug, "members")
        await runtime.access.set_notify(
            access.campaign.id, organizer.user_id, bool(data.notify), i18n.current()
        )
        return _to_campaign(request, slug)
