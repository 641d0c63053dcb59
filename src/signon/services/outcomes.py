"""What signing and confirming did, as the web layer and the batches speak of it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class SignOutcome(Enum):
    """What signing did. Never shown to the signer: every outcome gets the same response."""

    CREATED = "created"
    RESENT = "resent"
    ALREADY_CONFIRMED = "already_confirmed"
    EMAIL_CAP_REACHED = "email_cap_reached"
    MAIL_WITHHELD = "mail_withheld"  # flagged as automated: stored for review, no mail sent


class ConfirmState(Enum):
    READY = "ready"  # valid link to a pending signature: show the Confirm button
    CONFIRMED = "confirmed"  # just confirmed now
    ALREADY_CONFIRMED = "already_confirmed"
    EXPIRED = "expired"  # a new link can be sent
    SUPERSEDED = "superseded"  # the details changed since this link was sent: it confirms nothing
    INVALID = "invalid"  # tampered, unknown, withdrawn or no longer on record


@dataclass(frozen=True, slots=True)
class ConfirmView:
    state: ConfirmState
    campaign_slug: str | None = None
    campaign_title: str | None = None  # in the signer's language if translated
    title_language: str | None = None
    thank_you_html: str | None = None  # the organizers' thank-you text, sanitised
    thank_you_language: str | None = None
    signer_type: str | None = None
    name: str | None = None
    organization: str | None = None
    display: str | None = None
    held: bool = False  # confirmed, but waits for an organizer before it counts
    counted: bool = False  # confirmed and counted (neither held nor rejected)
    manage_token: str | None = None


def superseded(link_edition: str | None, stored_edition: str | None) -> bool:
    """Whether a link was sent for other details than the signature's latest submission (see
    signon.tokens). A link or a signature from before editions is good for any details."""
    return None not in (link_edition, stored_edition) and link_edition != stored_edition


class CampaignClosed(Exception):
    """The campaign does not accept signatures (closed, draft, or past its deadline)."""
