"""Logging in and out, the session cookie, and the dependency every admin page starts from."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template

from signon.i18n import gettext
from signon.runtime import Runtime
from signon.services.accounts import AccountError, Organizer
from signon.web.languages import choose_admin_language

SESSION_COOKIE = "signon_session"
LOGIN_ATTEMPTS_PER_ACCOUNT = 5
LOGIN_ATTEMPTS_PER_ADDRESS = 30
LOGIN_WINDOW_SECONDS = 900


class LoginRequired(HTTPException):
    """No valid session: the exception handler sends the browser to the login page."""

    status_code = 401


def session_cookie(value: str, *, secure: bool, expire: bool = False) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        path="/admin",
        httponly=True,
        secure=secure,
        samesite="lax",
        max_age=0 if expire else None,
    )


async def provide_organizer(request: Request, runtime: NamedDependency[Runtime]) -> Organizer:
    token = request.cookies.get(SESSION_COOKIE)
    organizer = await runtime.accounts.resume(token) if token else None
    if organizer is None:
        raise LoginRequired()
    return organizer


def login_redirect(_request: Request, _error: LoginRequired) -> Redirect:
    return Redirect("/admin/login", status_code=303)


@dataclass
class LoginForm:
    email: str = ""
    password: str = ""


@dataclass
class PasswordForm:
    current: str = ""
    new: str = ""
    repeat: str = ""


def _secure(runtime: Runtime) -> bool:
    return runtime.settings.base_url.startswith("https://")


class AuthController(Controller):
    path = "/admin"
    before_request = choose_admin_language  # ?lang=, then the remembered choice, then the browser

    @get("/login", name="admin_login")
    async def login_page(self) -> Template:
        return Template("admin/login.html", context={"email": "", "error": None})

    @post("/login", name="admin_login_submit")
    async def login(
        self, request: Request, data: URLEncodedBody[LoginForm], runtime: NamedDependency[Runtime]
    ) -> Template | Redirect:
        limiter = runtime.screener.limiter
        address = runtime.proxies.client_address(request)
        account = data.email.strip().lower()[:320]
        allowed = await limiter.allow(
            "login-account", account, LOGIN_ATTEMPTS_PER_ACCOUNT, LOGIN_WINDOW_SECONDS
        ) & await limiter.allow(
            "login-address", address, LOGIN_ATTEMPTS_PER_ADDRESS, LOGIN_WINDOW_SECONDS
        )
        if not allowed:
            error = gettext("Too many attempts. Please wait 15 minutes and try again.")
            context = {"email": data.email, "error": error}
            return Template("admin/login.html", context=context, status_code=429)
        token = await runtime.accounts.log_in(data.email, data.password[:1000])
        if token is None:
            # The same words whether the account exists or not.
            context = {"email": data.email, "error": gettext("Wrong email address or password.")}
            return Template("admin/login.html", context=context, status_code=401)
        response = Redirect(request.app.route_reverse("admin_dashboard"), status_code=303)
        response.cookies.append(session_cookie(token, secure=_secure(runtime)))
        return response

    @post("/logout", name="admin_logout")
    async def logout(
        self,
        request: Request,
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
    ) -> Redirect:
        await runtime.accounts.log_out(organizer)
        response = Redirect(request.app.route_reverse("admin_login"), status_code=303)
        response.cookies.append(session_cookie("", secure=_secure(runtime), expire=True))
        return response

    @get("/password", name="admin_password")
    async def password_page(self, organizer: NamedDependency[Organizer]) -> Template:
        return Template("admin/password.html", context={"organizer": organizer, "error": None})

    @post("/password", name="admin_password_submit")
    async def change_password(
        self,
        data: URLEncodedBody[PasswordForm],
        organizer: NamedDependency[Organizer],
        runtime: NamedDependency[Runtime],
    ) -> Template:
        context: dict[str, object] = {"organizer": organizer, "error": None, "done": False}
        if data.new != data.repeat:
            context["error"] = gettext("The two new passwords differ.")
        else:
            try:
                await runtime.accounts.change_password(organizer, data.current, data.new)
                context["done"] = True
            except AccountError as error:
                context["error"] = str(error)
        return Template(
            "admin/password.html", context=context, status_code=422 if context["error"] else 200
        )


__all__ = ["AuthController", "LoginRequired", "login_redirect", "provide_organizer"]
