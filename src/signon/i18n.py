"""Languages: which one a request speaks, its translations, and numbers and dates in its style.

The catalogs are gettext `.po` files in `src/signon/locale/<lang>/LC_MESSAGES/messages.po`,
read once at start (compiled in memory: nothing to build). The language of the code running now
is held in a context variable: set per request from the URL (`?lang=`), else the browser's
`Accept-Language`, else English; set explicitly (`using(lang)`) where mail is written for a
signer in the language they signed in.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

DEFAULT = "en"
# Every language the interface is complete in (a test fails on a missing translation).
LANGUAGES = ("en", "fr", "es", "de", "nl", "ar")
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("signon_language", default=DEFAULT)


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalog of one language (English is the source text itself)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT or not path.exists():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def current() -> str:
    return _current.get()


def set_current(language: str) -> None:
    _current.set(language if language in LANGUAGES else DEFAULT)


@contextmanager
def using(language: str | None) -> Iterator[None]:
    """Speak `language` inside the block (mail for a signer, in the language they signed in)."""
    token = _current.set(language if language in LANGUAGES else DEFAULT)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str, **variables: object) -> str:
    text = translations(_current.get()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    """The form of a message for `n` things (languages have one to six forms)."""
    text = translations(_current.get()).ngettext(singular, plural, n)
    return text % variables if variables else text


def lazy(message: str) -> str:
    """Marks text for extraction where it is defined; translate it with `gettext` when used."""
    return message


def localized(url: str, language: str | None = None, *, pin: bool = False) -> str:
    """`url` in the current language (or `language`): pinned with `?lang=` unless it is the
    default, so the next page speaks it too and a shared link keeps it. `pin` pins even the
    default (a reader who chose English on a French-preferring browser keeps English)."""
    language = language or current()
    scheme, netloc, path, query, fragment = urlsplit(url)
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "lang"]
    if pin or language != DEFAULT:
        params.append(("lang", language))
    return urlunsplit((scheme, netloc, path, urlencode(params), fragment))


def direction(language: str | None = None) -> str:
    return "rtl" if (language or _current.get()) in RIGHT_TO_LEFT else "ltr"


def choose(requested: str | None, accept_language: str | None) -> str:
    """The URL's `?lang=` if it names a language we speak, else the browser's best match."""
    if requested and requested.lower() in LANGUAGES:
        return requested.lower()
    for tag in _preferences(accept_language or ""):
        language = tag.split("-")[0].lower()
        if language in LANGUAGES:
            return language
    return DEFAULT


def _preferences(header: str) -> list[str]:
    """Accept-Language tags by preference (q), malformed entries ignored."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            ranked.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


@cache
def native_name(language: str) -> str:
    """A language's name in itself, for the switcher ("Français", "العربية")."""
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]


def format_number(value: int | float) -> str:
    return str(format_decimal(value, locale=_current.get()))


def format_when(value: datetime) -> str:
    """A moment, in the reader's language, with its time zone (UTC) named."""
    return str(format_datetime(value, "medium", tzinfo=value.tzinfo, locale=_current.get()))


def format_day(value: date) -> str:
    """A day written out in the reader's language ("21 November 2026", "21 novembre 2026")."""
    return str(format_date(value, "long", locale=_current.get()))


def install_gettext(environment: Any) -> None:
    """Jinja's own i18n extension, translating in the language of the moment."""
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_callables(
        gettext=lambda message: translations(_current.get()).gettext(message),
        ngettext=lambda singular, plural, n: translations(_current.get()).ngettext(
            singular, plural, n
        ),
        newstyle=True,
    )
