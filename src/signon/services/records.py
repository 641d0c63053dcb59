"""What a signature holds, who may see what of it, and when it counts.

The rules here are the single source for counting and listing: the confirmation, the
self-service page, moderation and `signon recount` all use them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from signon.crypto import Keyring
from signon.db.models import Campaign, OutboxMessage, Signature, crypto_context
from signon.forms import SignatureInput

PERSONAL = crypto_context(Signature, "personal")
OUTBOX_PAYLOAD = crypto_context(OutboxMessage, "payload")
# Moderation states in which a confirmed signature counts ("hidden": counted, not listed).
COUNTED_MODERATION = ("none", "approved", "hidden")


@dataclass(frozen=True, slots=True)
class PersonalData:
    """Everything the signer submitted. Stored only encrypted."""

    name: str
    email: str
    organization: str | None = None
    website: str | None = None
    role: str | None = None
    city: str | None = None
    country: str | None = None
    comment: str | None = None
    # Once a moderator has corrected the name (an organization's, for an organization), the
    # name as the signer gave it: corrections are measured from it (services/namefix.py) and
    # the signer's manage page shows it. Not stored while there is none.
    corrected_from: str | None = None

    @classmethod
    def of(cls, data: SignatureInput) -> PersonalData:
        return cls(
            name=data.name,
            email=data.email,
            organization=data.organization,
            website=data.website,
            role=data.role,
            city=data.city,
            country=data.country,
            comment=data.comment,
        )

    def seal(self, keyring: Keyring) -> str:
        values = {f: getattr(self, f) for f in _SUBMITTED}
        if self.corrected_from is not None:
            values["corrected_from"] = self.corrected_from
        return keyring.encrypt_json(values, PERSONAL)

    @classmethod
    def open(cls, keyring: Keyring, sealed: str | None) -> PersonalData | None:
        if sealed is None:
            return None
        values: dict[str, Any] = keyring.decrypt_json(sealed, PERSONAL)
        return cls(**values)


_SUBMITTED = tuple(field.name for field in fields(PersonalData) if field.name != "corrected_from")


def submitted_details(
    signer_type: str, display: str, wants_updates: bool, personal: PersonalData
) -> list[object]:
    """Everything one submission says, in a fixed order (for ConfirmTokens.edition); the
    address as its lookup hash takes it (lower-cased), so its spelling is not a change."""
    values = [getattr(personal, f) for f in _SUBMITTED]
    values[_SUBMITTED.index("email")] = personal.email.lower()
    return [signer_type, display, bool(wants_updates), *values]


def counts(status: str, moderation: str) -> bool:
    return status == "confirmed" and moderation in COUNTED_MODERATION


def is_listed(status: str, moderation: str, display: str) -> bool:
    return counts(status, moderation) and moderation != "hidden" and display == "public"


def shown_name(signer_type: str, name: str, name_display: str) -> str:
    """The name a list shows for a listed signature's stored public name. An individual's name
    is shortened here too under "first name and initial", so that names stored in full before
    an organizer chose that display are never shown in full again, wherever a list is read
    (the switch also shortens the stored copies: CampaignService.update)."""
    if name_display == "initial" and signer_type == "individual":
        return first_name_and_initial(name)
    return name


def first_name_and_initial(name: str) -> str:
    parts = name.split()
    if len(parts) < 2:
        return name
    return f"{parts[0]} {parts[-1][0]}."


def public_fields(
    signer_type: str, personal: PersonalData | None, name_display: str
) -> dict[str, str | None]:
    """The plain-text copy the public lists read, for a signature that is listed."""
    if personal is None:
        return {"public_name": None, "public_place": None, "public_website": None}
    place = ", ".join(part for part in (personal.city, personal.country) if part) or None
    if signer_type == "organization":
        # The organization is listed; the contact person who signed for it never is.
        return {
            "public_name": personal.organization,
            "public_place": place,
            "public_website": personal.website,
        }
    name = first_name_and_initial(personal.name) if name_display == "initial" else personal.name
    return {"public_name": name, "public_place": place, "public_website": None}


def apply_visibility(
    signature: Signature, personal: PersonalData | None, name_display: str
) -> None:
    """Set `listed` and the public copy from the signature's state. Nothing public otherwise."""
    signature.listed = is_listed(signature.status, signature.moderation, signature.display)
    hidden = {"public_name": None, "public_place": None, "public_website": None}
    fields = (
        public_fields(signature.signer_type, personal, name_display) if signature.listed else hidden
    )
    for name, value in fields.items():
        setattr(signature, name, value)


async def move_counter(session: AsyncSession, signature: Signature, step: int) -> None:
    """Move the campaign's counter for this signature's type, inside the caller's transaction."""
    column = (
        Campaign.organizations_count
        if signature.signer_type == "organization"
        else Campaign.individuals_count
    )
    await session.execute(
        update(Campaign).where(Campaign.id == signature.campaign_id).values({column: column + step})
    )
