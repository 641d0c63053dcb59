"""The moderation queue and the downloads of a campaign."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Stream, Template

from signon.exportrows import STATUS_FILTERS, ExportFilters
from signon.i18n import gettext
from signon.runtime import Runtime
from signon.services.access import CampaignAccess
from signon.services.accounts import Organizer
from signon.services.moderation import ACTIONS, FILTERS, ModerationError, NameNotCorrected
from signon.web.errors import BadRequest
from signon.web.languages import choose_admin_language


@dataclass
class ModerationForm:
    action: str = ""
    name: str = ""
    view: str = "waiting"


def _date(value: str | None, problem: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError as error:
        raise BadRequest(problem) from error


def _csv(chunks, filename: str) -> Stream:  # type: ignore[no-untyped-def]
    return Stream(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@dataclass(frozen=True, slots=True)
class _RejectedName:
    signature_id: int
    typed: str
    error: str


async def _queue_page(
    runtime: Runtime,
    organizer: Organizer,
    access: CampaignAccess,
    view: str,
    rejected: _RejectedName | None = None,
) -> Template:
    items = await runtime.moderation.queue(access.campaign.id, view)
    context = {
        "organizer": organizer,
        "access": access,
        "items": items,
        "view": view,
        "filters": FILTERS,
        "can_moderate": access.can("moderate"),
        "switcher_keeps": ("view",),
        "errors": {f"name-{rejected.signature_id}": rejected.error} if rejected else {},
        "values": {f"name-{rejected.signature_id}": rejected.typed} if rejected else {},
    }
    status = 200 if rejected is None else 422
    return Template("admin/moderation.html", context=context, status_code=status)


class ModerationController(Controller):
    path = "/admin/campaigns/{slug:str}"
    before_request = choose_admin_language  # ?lang=, then the remembered choice, then the browser

    @get("/moderation", name="admin_moderation")
    async def queue(
        self,
        slug: FromPath[str],
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
        view: Annotated[str, QueryParameter(name="view")] = "waiting",
    ) -> Template:
        # The queue shows who signed (private names, addresses, comments): those who moderate.
        access = await runtime.access.campaign(organizer, slug, "moderate")
        if view not in FILTERS:
            raise BadRequest(gettext("Unknown list."))
        return await _queue_page(runtime, organizer, access, view)

    @post("/signatures/{signature_id:int}", name="admin_moderate")
    async def moderate(
        self,
        request: Request,
        slug: FromPath[str],
        signature_id: FromPath[int],
        data: URLEncodedBody[ModerationForm],
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
    ) -> Redirect | Template:
        access = await runtime.access.campaign(organizer, slug, "moderate")
        view = data.view if data.view in FILTERS else "waiting"
        try:
            if data.action == "correct_name":
                await runtime.moderation.correct_name(
                    access.campaign.id, signature_id, data.name, organizer.user_id
                )
            elif data.action in ACTIONS:
                await runtime.moderation.act(
                    access.campaign.id, signature_id, data.action, organizer.user_id
                )
            else:
                raise BadRequest(gettext("Unknown action."))
        except NameNotCorrected as error:
            # Beside the name's field, with what was typed: the queue again, nothing changed.
            rejected = _RejectedName(signature_id, data.name, str(error))
            return await _queue_page(runtime, organizer, access, view, rejected)
        except ModerationError as error:
            raise BadRequest(str(error)) from error
        target = request.app.route_reverse("admin_moderation", slug=slug)
        return Redirect(f"{target}?view={view}", status_code=303)

    @get("/export.csv", name="admin_export")
    async def export(
        self,
        slug: FromPath[str],
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
        signer_type: Annotated[str, QueryParameter(name="type")] = "",
        status: Annotated[str, QueryParameter(name="status")] = "confirmed",
        date_from: Annotated[str, QueryParameter(name="from")] = "",
        date_to: Annotated[str, QueryParameter(name="to")] = "",
        updates: Annotated[str, QueryParameter(name="updates")] = "",
    ) -> Stream:
        access = await runtime.access.campaign(organizer, slug, "export")
        since = _date(date_from, gettext("The start date must look like 2026-12-31."))
        until = _date(date_to, gettext("The end date must look like 2026-12-31."))
        if since and until and since > until:  # else an empty file, and no word why
            raise BadRequest(gettext("The start date is after the end date."))
        filters = ExportFilters(
            signer_type=signer_type or None,
            status=status,
            confirmed_from=since,
            confirmed_until=until + timedelta(days=1) if until else None,  # the whole last day
            updates_only=bool(updates),
        )
        if problems := filters.problems():
            raise BadRequest("; ".join(problems))
        chunks = runtime.exports.full_csv(access.campaign.id, organizer.user_id, filters)
        return _csv(chunks, f"{slug}-signatures.csv")

    @get("/delivery.csv", name="admin_delivery")
    async def delivery(
        self,
        slug: FromPath[str],
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
    ) -> Stream:
        access = await runtime.access.campaign(organizer, slug, "export")
        campaign = access.campaign
        chunks = runtime.exports.delivery_csv(campaign.id, organizer.user_id, campaign.name_display)
        return _csv(chunks, f"{slug}-endorsers.csv")


__all__ = ["STATUS_FILTERS", "ModerationController"]
