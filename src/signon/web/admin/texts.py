"""Translations of a campaign's own texts: adding, editing and removing one language's texts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from signon.i18n import gettext, native_name
from signon.runtime import Runtime
from signon.services.access import CampaignAccess
from signon.services.accounts import Organizer
from signon.services.campaigntexts import TextError, Texts, TextSpec
from signon.web.admin.forms import preview_texts
from signon.web.languages import choose_admin_language


@dataclass
class TextForm:
    """Lenient on purpose: TextSpec.problems judges it."""

    language: str = ""
    title: str = ""
    statement_md: str = ""
    thank_you_md: str = ""
    action: str = "save"  # or "preview"

    @classmethod
    def of(cls, texts: Texts) -> TextForm:
        return cls(
            language=texts.language,
            title=texts.title,
            statement_md=texts.statement_md,
            thank_you_md=texts.thank_you_md or "",
        )

    def spec(self) -> TextSpec:
        return TextSpec(self.language, self.title, self.statement_md, self.thank_you_md)

    def values(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _text_page(
    organizer: Organizer,
    access: CampaignAccess,
    form: TextForm,
    errors: dict[str, str],
    *,
    editing: bool,
    preview: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    context = {
        "organizer": organizer,
        "access": access,
        "values": form.values(),
        "errors": errors,
        "editing": editing,
        "language_name": native_name(form.language) if editing else None,
        "free_languages": access.campaign.free_languages(),
        "preview": preview,
    }
    return Template("admin/text_form.html", context=context, status_code=status_code)


def _translation(access: CampaignAccess, language: str) -> Texts:
    for texts in access.campaign.translations:
        if texts.language == language:
            return texts
    raise NotFoundException(gettext("This campaign has no translation into this language."))


async def _save(
    request: Request,
    organizer: Organizer,
    access: CampaignAccess,
    data: TextForm,
    store: Callable[[int, str, TextSpec], Awaitable[Texts]],
    editing: bool,
) -> Template | Redirect:
    """Check a translation's form, preview it, or store it (add or change) and go back."""
    if errors := data.spec().problems():
        return _text_page(organizer, access, data, errors, editing=editing, status_code=422)
    if data.action == "preview":
        preview = preview_texts(data.statement_md, data.thank_you_md)
        return _text_page(organizer, access, data, {}, editing=editing, preview=preview)
    try:
        await store(access.campaign.id, access.campaign.slug, data.spec())
    except TextError as error:
        errors = {error.field: str(error)}
        return _text_page(organizer, access, data, errors, editing=editing, status_code=422)
    return _to_campaign(request, access.campaign.slug)


class TextsAdminController(Controller):
    path = "/admin/campaigns/{slug:str}/texts"
    before_request = choose_admin_language

    @get("/new", name="admin_text_new")
    async def new_page(
        self,
        slug: FromPath[str],
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
    ) -> Template:
        access = await runtime.access.campaign(organizer, slug, "edit")
        return _text_page(organizer, access, TextForm(), {}, editing=False)

    @post("/new", name="admin_text_create")
    async def create(
        self,
        request: Request,
        slug: FromPath[str],
        data: URLEncodedBody[TextForm],
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
    ) -> Template | Redirect:
        access = await runtime.access.campaign(organizer, slug, "edit")
        return await _save(request, organizer, access, data, runtime.texts.add, editing=False)

    @get("/{language:str}", name="admin_text_edit")
    async def edit_page(
        self,
        slug: FromPath[str],
        language: FromPath[str],
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
    ) -> Template:
        access = await runtime.access.campaign(organizer, slug, "edit")
        form = TextForm.of(_translation(access, language))
        return _text_page(organizer, access, form, {}, editing=True)

    @post("/{language:str}", name="admin_text_update")
    async def update(
        self,
        request: Request,
        slug: FromPath[str],
        language: FromPath[str],
        data: URLEncodedBody[TextForm],
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
    ) -> Template | Redirect:
        access = await runtime.access.campaign(organizer, slug, "edit")
        _translation(access, language)
        data.language = language  # the address names the language; the form cannot move it
        return await _save(request, organizer, access, data, runtime.texts.change, editing=True)

    @post("/{language:str}/remove", name="admin_text_remove")
    async def remove(
        self,
        request: Request,
        slug: FromPath[str],
        language: FromPath[str],
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
    ) -> Redirect:
        access = await runtime.access.campaign(organizer, slug, "edit")
        _translation(access, language)  # 404 for a language the campaign has no text in
        await runtime.texts.remove(access.campaign.id, access.campaign.slug, language)
        return _to_campaign(request, slug)


def _to_campaign(request: Request, slug: str) -> Redirect:
    target = request.app.route_reverse("admin_campaign", slug=slug) + "#translations"
    return Redirect(target, status_code=303)
