"""Owners write an update: preview, test send to themselves, then send to opted-in signers."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Template

from signon.i18n import format_number, gettext, ngettext
from signon.markdown import render_markdown
from signon.runtime import Runtime
from signon.services.accounts import Organizer
from signon.services.updates import UpdateDraft, pacing_minutes
from signon.web.languages import choose_admin_language


@dataclass
class UpdateForm:
    subject: str = ""
    body_md: str = ""
    action: str = "preview"  # preview | test | send


class UpdatesController(Controller):
    path = "/admin/campaigns/{slug:str}/updates"
    before_request = choose_admin_language  # ?lang=, then the remembered choice, then the browser

    @get("/", name="admin_updates")
    async def page(
        self,
        slug: FromPath[str],
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
    ) -> Template:
        access = await runtime.access.campaign(organizer, slug, "updates")
        context = {
            "organizer": organizer,
            "access": access,
            "values": {"subject": "", "body_md": ""},
            "errors": {},
            "history": await runtime.updates.history(access.campaign.id),
        }
        return Template("admin/updates.html", context=context)

    @post("/", name="admin_updates_submit")
    async def submit(
        self,
        slug: FromPath[str],
        data: URLEncodedBody[UpdateForm],
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
    ) -> Template:
        access = await runtime.access.campaign(organizer, slug, "updates")
        draft = UpdateDraft(data.subject.strip(), data.body_md)
        errors = draft.problems()
        context: dict[str, object] = {
            "organizer": organizer,
            "access": access,
            "values": {"subject": data.subject, "body_md": data.body_md},
            "errors": errors,
            "notice": None,
            "preview": None,
        }
        if not errors:
            if data.action == "send":
                count = await runtime.updates.send(access.campaign, draft, organizer.user_id)
                minutes = pacing_minutes(count, runtime.settings.updates_per_minute)
                queued = ngettext(
                    "Queued for %(count)s signer who asked for updates.",
                    "Queued for %(count)s signers who asked for updates.",
                    count,
                    count=format_number(count),
                )
                pacing = ngettext(
                    "Sending takes about %(minutes)s minute.",
                    "Sending takes about %(minutes)s minutes.",
                    minutes,
                    minutes=format_number(minutes),
                )
                context["notice"] = f"{queued} {pacing}"
                context["values"] = {"subject": "", "body_md": ""}
            elif data.action == "test":
                await runtime.updates.send_test(access.campaign, draft, organizer.email)
                context["notice"] = gettext(
                    "A test copy is on its way to %(address)s.", address=organizer.email
                )
                context["preview"] = render_markdown(draft.body_md)
            else:
                context["preview"] = render_markdown(draft.body_md)
        context["history"] = await runtime.updates.history(access.campaign.id)
        return Template("admin/updates.html", context=context, status_code=422 if errors else 200)
