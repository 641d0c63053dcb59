"""The public sign form: lenient parsing, strict validation, errors keyed by field name."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from signon.addresses import InvalidEmail, normalise_email
from signon.i18n import format_number, gettext

SIGNER_TYPES = ("individual", "organization")
DISPLAY_CHOICES = ("public", "private")
MAX_LENGTHS = {
    "name": 120,
    "organization": 160,
    "website": 300,
    "role": 120,
    "city": 100,
    "country": 100,
    "comment": 1000,
}
FORM_FIELDS = (
    "signer_type",
    "name",
    "email",
    "organization",
    "website",
    "role",
    "city",
    "country",
    "comment",
    "display",
    "updates",
)
# Bidirectional overrides and isolates can make a listed name read as something else.
_FORBIDDEN = re.compile("[\u202a-\u202e\u2066-\u2069]")
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True, slots=True)
class FormOptions:
    ask_location: bool
    ask_comment: bool
    allow_organizations: bool


@dataclass(frozen=True, slots=True)
class SignatureInput:
    signer_type: str
    name: str
    email: str
    display: str
    wants_updates: bool
    organization: str | None = None
    website: str | None = None
    role: str | None = None
    city: str | None = None
    country: str | None = None
    comment: str | None = None


@dataclass(slots=True)
class FormResult:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    data: SignatureInput | None = None

    @property
    def ok(self) -> bool:
        return self.data is not None


def clean_text(value: str, *, multiline: bool = False) -> str:
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").strip()
    if not multiline:
        value = " ".join(value.split())
    return value


def text_problem(value: str, *, multiline: bool) -> str | None:
    allowed = {"\n", "\t"} if multiline else set()
    if any(unicodedata.category(c) == "Cc" and c not in allowed for c in value):
        return gettext("Please remove the control characters.")
    if _FORBIDDEN.search(value):
        return gettext("Please remove the invisible text-direction characters.")
    return None


def normalise_website(raw: str) -> str | None:
    """An http(s) URL whose host is a real domain name, or None if it cannot be one.

    A scheme is added when missing. User information (`user@host`) is refused: a listed link
    must not read as one site while leading to another.
    """
    candidate = raw if "://" in raw else "https://" + raw
    try:
        parts = urlsplit(candidate)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        return None
    if (
        parts.scheme not in {"http", "https"}
        or "@" in parts.netloc
        or any(c.isspace() for c in candidate)
    ):
        return None
    labels = host.rstrip(".").split(".")
    if len(labels) < 2 or not all(_HOST_LABEL.match(label) for label in labels):
        return None
    return candidate


def _too_long(limit: int, length: int) -> str:
    return gettext(
        "Please keep this under %(limit)s characters (now %(length)s).",
        limit=format_number(limit),
        length=format_number(length),
    )


class _Checker:
    def __init__(self, raw: Mapping[str, str]) -> None:
        self.values = {name: str(raw.get(name, "") or "") for name in FORM_FIELDS}
        self.errors: dict[str, str] = {}

    def text(self, name: str, *, missing: str | None = None, multiline: bool = False) -> str | None:
        """The field's cleaned text; `missing` is the message when a required field is empty."""
        value = clean_text(self.values[name], multiline=multiline)
        if problem := text_problem(value, multiline=multiline):
            self.errors[name] = problem
        elif not value and missing:
            self.errors[name] = missing
        elif len(value) > MAX_LENGTHS[name]:
            self.errors[name] = _too_long(MAX_LENGTHS[name], len(value))
        return value or None

    def choice(self, name: str, options: tuple[str, ...], message: str) -> str:
        value = self.values[name].strip()
        if value not in options:
            self.errors[name] = message
        return value


def parse_sign_form(raw: Mapping[str, str], options: FormOptions) -> FormResult:
    check = _Checker(raw)
    signer_type = check.values["signer_type"].strip() or "individual"
    if signer_type not in SIGNER_TYPES:
        check.errors["signer_type"] = gettext(
            "Please choose whether you sign as a person or an organization."
        )
    elif signer_type == "organization" and not options.allow_organizations:
        check.errors["signer_type"] = gettext("This campaign is signed by individuals only.")
    is_org = signer_type == "organization"

    name = check.text("name", missing=gettext("Please enter your name."))
    email = _email(check)
    organization = check.text(
        "organization",
        missing=gettext("Please enter the organization's name.") if is_org else None,
    )
    website = check.text("website")
    if website and "website" not in check.errors:
        website = normalise_website(website)
        if website is None:
            check.errors["website"] = gettext("Please enter a web address such as example.org.")
        elif len(website) > MAX_LENGTHS["website"]:
            check.errors["website"] = _too_long(MAX_LENGTHS["website"], len(website))
    role = check.text("role")
    city = country = comment = None
    if options.ask_location:
        city = check.text("city")
        country = check.text("country")
    if options.ask_comment:
        comment = check.text("comment", multiline=True)
    display = check.choice(
        "display",
        DISPLAY_CHOICES,
        gettext("Please choose whether your name is shown or only counted."),
    )

    result = FormResult(values=check.values, errors=check.errors)
    if check.errors:
        return result
    assert name is not None and email is not None
    result.data = SignatureInput(
        signer_type=signer_type,
        name=name,
        email=email,
        display=display,
        wants_updates=check.values["updates"].strip().lower() in {"on", "1", "true", "yes"},
        organization=organization if is_org else None,
        website=website if is_org else None,
        role=role if is_org else None,
        city=city,
        country=country,
        comment=comment,
    )
    return result


def _email(check: _Checker) -> str | None:
    raw = check.values["email"].strip()
    if not raw:
        check.errors["email"] = gettext(
            "Please enter your email address: we send you a link to confirm."
        )
        return None
    try:
        return normalise_email(raw)
    except InvalidEmail as error:
        check.errors["email"] = gettext(
            "This does not look like an email address: %(reason)s", reason=str(error)
        )
        return None
