"""The language of each request, and what templates need to speak it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import jinja2
from litestar import Request
from markupsafe import Markup, escape

from signon import i18n
from signon.i18n import localized


def speak_requested_language(request: Request[Any, Any, Any]) -> None:
    """`?lang=` first (it survives sharing a link), then the browser's preference."""
    i18n.set_current(
        i18n.choose(request.query_params.get("lang"), request.headers.get("accept-language"))
    )


async def choose_language(request: Request[Any, Any, Any]) -> None:
    """The public pages' before-request hook."""
    speak_requested_language(request)


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
        lang_attributes=lang_attributes,
        in_language=in_language,
    )
    environment.filters.update(number=lambda n: i18n.format_number(n), when=i18n.format_when)
