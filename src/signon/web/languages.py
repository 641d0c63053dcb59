"""The language of each request, and what templates need to speak it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import jinja2
from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Redirect
from markupsafe import Markup, escape

from signon import i18n
from signon.i18n import localized
from signon.web.admin.labels import label

# An organizer's choice of language, remembered across the organizer pages only: the public
# pages set and read no cookie at all.
LANGUAGE_COOKIE = "signon_lang"
ADMIN_PATH = "/admin"
_REMEMBER_SECONDS = 365 * 24 * 3600


def _is_admin(request: Request[Any, Any, Any]) -> bool:
    path = request.url.path
    return path == ADMIN_PATH or path.startswith(ADMIN_PATH + "/")


def _named(value: str | None) -> str | None:
    """`value` if it names a language we speak."""
    return value.lower() if value and value.lower() in i18n.LANGUAGES else None


def speak_requested_language(request: Request[Any, Any, Any]) -> None:
    """`?lang=` first (it survives sharing a link), then, on the organizer pages, the language
    the organizer chose before, then the browser's preference."""
    remembered = request.cookies.get(LANGUAGE_COOKIE) if _is_admin(request) else None
    requested = _named(request.query_params.get("lang")) or _named(remembered)
    i18n.set_current(i18n.choose(requested, request.headers.get("accept-language")))


async def choose_language(request: Request[Any, Any, Any]) -> None:
    """The public pages' before-request hook."""
    speak_requested_language(request)


async def choose_admin_language(request: Request[Any, Any, Any]) -> Redirect | None:
    """The organizer pages' before-request hook. A page opened with `?lang=` (the switcher's
    links) remembers that choice in a cookie scoped to /admin and redirects to the same page
    without it, so every later organizer page, link, form and redirect speaks it with no
    parameter to carry along."""
    if request.method == "GET" and "lang" in request.query_params:
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        target = request.url.path + (f"?{urlencode(kept)}" if kept else "")
        response = Redirect(target, status_code=303)
        if chosen := _named(request.query_params.get("lang")):
            response.cookies.append(_language_cookie(request, chosen))
        return response
    speak_requested_language(request)
    return None


def _language_cookie(request: Request[Any, Any, Any], language: str) -> Cookie:
    # Lax like the session cookie, so the link in a notification email opens in the chosen
    # language too: it carries a preference, no authority.
    return Cookie(
        key=LANGUAGE_COOKIE,
        value=language,
        path=ADMIN_PATH,
        max_age=_REMEMBER_SECONDS,
        httponly=True,
        secure=request.app.state.runtime.settings.base_url.startswith("https://"),
        samesite="lax",
    )


def language_links(
    request: Request[Any, Any, Any], keep: tuple[str, ...] = ()
) -> list[tuple[str, str]]:
    """This page in each language the interface speaks, for the switcher. Only the query
    parameters in `keep` (those that choose what the page shows) are carried over: the campaign
    page keeps none, since it is rendered once for every reader."""
    kept = [(k, v) for k, v in request.query_params.items() if k in keep]
    here = request.url.path + (f"?{urlencode(kept)}" if kept else "")
    return [(language, localized(here, language, pin=True)) for language in i18n.LANGUAGES]


def lang_attributes(language: str | None) -> Markup:
    """` lang=… dir=…` for an element holding an organizer's text written in `language`, when
    that is not the page's language (screen readers then read it with the right voice)."""
    if not language or language == i18n.current():
        return Markup("")
    attributes = f' lang="{escape(language)}"'
    if i18n.direction(language) != i18n.direction():
        attributes += f' dir="{i18n.direction(language)}"'
    return Markup(attributes)


def in_language(text: str, language: str | None) -> Markup:
    """`text`, escaped, in a span marked with its language when that is not the page's."""
    attributes = lang_attributes(language)
    return Markup(f"<span{attributes}>{escape(text)}</span>") if attributes else escape(text)


def configure_templates(environment: jinja2.Environment, *, dev: bool) -> None:
    # Re-reading templates from disk on every render is for development only.
    environment.auto_reload = dev
    i18n.install_gettext(environment)
    environment.globals.update(
        current_language=i18n.current,
        text_direction=i18n.direction,
        languages=i18n.LANGUAGES,
        native_name=i18n.native_name,
        localized=localized,
        language_links=language_links,
        label=label,
        lang_attributes=lang_attributes,
        in_language=in_language,
    )
    environment.filters.update(number=lambda n: i18n.format_number(n), when=i18n.format_when)
