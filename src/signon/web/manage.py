"""The signer's manage page, reached from the link in every email they get."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Template

from signon.i18n import lazy
from signon.runtime import Runtime
from signon.services.selfservice import ManageView
from signon.web.errors import NO_CSRF
from signon.web.languages import choose_language

NOTICES = {
    "withdrawn": lazy(
        "Your signature is withdrawn: it is no longer listed or counted, and what you "
        "submitted has been erased."
    ),
    "display": lazy("Saved: your choice of what the public sees."),
    "updates": lazy("Done: you will get no more updates about this campaign."),
}


@dataclass
class DisplayForm:
    display: str = ""


def _page(token: str, view: ManageView | None, notice: str | None = None) -> Template:
    if view is None:
        return Template("manage.html", context={"view": None, "token": token}, status_code=400)
    return Template(
        "manage.html",
        context={"view": view, "token": token, "notice": NOTICES.get(notice or "")},
    )


class ManageController(Controller):
    opt = NO_CSRF
    before_request = choose_language  # the language of the page: ?lang=, then the browser
    path = "/manage/{token:str}"

    @get("/", name="manage")
    async def show(self, token: FromPath[str], runtime: NamedDependency[Runtime]) -> Template:
        return _page(token, await runtime.selfservice.view(token))

    @post("/withdraw", name="manage_withdraw")
    async def withdraw(self, token: FromPath[str], runtime: NamedDependency[Runtime]) -> Template:
        return _page(token, await runtime.selfservice.withdraw(token), "withdrawn")

    @post("/display", name="manage_display")
    async def display(
        self,
        token: FromPath[str],
        data: URLEncodedBody[DisplayForm],
        runtime: NamedDependency[Runtime],
    ) -> Template:
        if data.display not in ("public", "private"):
            return _page(token, await runtime.selfservice.view(token))
        return _page(token, await runtime.selfservice.set_display(token, data.display), "display")

    @post("/unsubscribe", name="manage_unsubscribe")
    async def unsubscribe(
        self, token: FromPath[str], runtime: NamedDependency[Runtime]
    ) -> Template:
        return _page(token, await runtime.selfservice.stop_updates(token), "updates")
