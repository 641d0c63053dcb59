"""Words for the codes the organizer pages show (statuses, roles, list names), in the reader's
language. The codes themselves stay English in the database, the CSV and the URLs."""

from __future__ import annotations

from signon.i18n import gettext, lazy

LABELS: dict[str, dict[str, str]] = {
    "campaign_status": {
        "draft": lazy("draft"),
        "open": lazy("open"),
        "closed": lazy("closed"),
    },
    "signature_status": {
        "pending": lazy("not confirmed"),
        "confirmed": lazy("confirmed"),
        "withdrawn": lazy("withdrawn"),
    },
    "moderation": {
        "none": lazy("no review needed"),
        "held": lazy("waiting for review"),
        "approved": lazy("approved"),
        "rejected": lazy("rejected"),
        "hidden": lazy("hidden"),
    },
    "signer_type": {
        "individual": lazy("individual"),
        "organization": lazy("organization"),
    },
    "role": {
        "owner": lazy("owner"),
        "editor": lazy("editor"),
        "viewer": lazy("viewer"),
        "admin": lazy("site admin"),
    },
    "queue": {
        "waiting": lazy("Waiting"),
        "suspicious": lazy("Suspicious"),
        "organizations": lazy("Organizations"),
        "individuals": lazy("Individuals"),
        "hidden": lazy("Hidden"),
        "rejected": lazy("Rejected"),
    },
    "moderation_action": {
        "approve": lazy("approved"),
        "reject": lazy("rejected"),
        "hide": lazy("hidden"),
        "unhide": lazy("listed again"),
        "correct_name": lazy("name corrected"),
    },
    "export": {
        "full": lazy("full export"),
        "delivery": lazy("delivery list"),
    },
}


def label(group: str, code: str) -> str:
    """The word for `code` in the reader's language; an unknown code is shown as it is."""
    word = LABELS[group].get(code)
    return gettext(word) if word else code
