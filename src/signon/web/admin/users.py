"""Site admins manage organizer accounts."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template

from signon.runtime import Runtime
from signon.services.access import Forbidden
from signon.services.accounts import AccountError, Organizer, generate_password
from signon.web.languages import choose_admin_language


@dataclass
class UserForm:
    email: str = ""
    admin: str = ""
    user_id: str = ""
    action: str = ""


def _admin_only(organizer: Organizer) -> None:
    if not organizer.is_admin:
        raise Forbidden("users")


class UsersController(Controller):
    path = "/admin/users"
    before_request = choose_admin_language  # ?lang=, then the remembered choice, then the browser

    @get("/", name="admin_users")
    async def list_users(
        self, organizer: NamedDependency[Organizer], runtime: NamedDependency[Runtime]
    ) -> Template:
        _admin_only(organizer)
        users = await runtime.accounts.list_users()
        context = {"organizer": organizer, "users": users, "created": None, "error": None}
        return Template("admin/users.html", context=context)

    @post("/", name="admin_users_submit")
    async def change(
        self,
        request: Request,
        data: URLEncodedBody[UserForm],
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
    ) -> Template | Redirect:
        _admin_only(organizer)
        if data.action in ("disable", "enable") and data.user_id.isdigit():
            if int(data.user_id) != organizer.user_id:  # never lock oneself out
                await runtime.accounts.set_disabled(int(data.user_id), data.action == "disable")
            return Redirect(request.app.route_reverse("admin_users"), status_code=303)
        password = generate_password()
        created, error = None, None
        try:
            await runtime.accounts.create_user(data.email, password, is_admin=bool(data.admin))
            created = (data.email.strip(), password)
        except AccountError as problem:
            error = str(problem)
        context = {
            "organizer": organizer,
            "users": await runtime.accounts.list_users(),
            "created": created,
            "error": error,
        }
        return Template("admin/users.html", context=context, status_code=422 if error else 200)
