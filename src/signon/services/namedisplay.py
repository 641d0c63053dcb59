"""When a campaign switches to listing individuals by first name and initial, the names it had
listed in full are shortened too: on every read from the moment the switch is saved
(records.shown_name), and in the stored public copy here, so that the database no longer
keeps them either. Switching back to full names lengthens no stored name by itself: those who
confirm afterwards are listed in full, and so is a name listed anew (a signer's change of
display, a moderator's hide and unhide), by the campaign's display of that moment."""

from __future__ import annotations

from sqlalchemy import bindparam, select, update

from signon.db import Database
from signon.db.models import Signature
from signon.services.records import first_name_and_initial

BATCH = 1_000
_TABLE = Signature.__table__
_SHORTEN = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("b_id"), _TABLE.c.public_name == bindparam("b_name"))
    .values(public_name=bindparam("b_short"))
)


async def shorten_listed_names(db: Database, campaign_id: int) -> int:
    """Shorten the stored public names of the campaign's listed individuals; returns how many
    changed. A batch to a short transaction, compare-and-set, so signing, confirming and
    moderation go on meanwhile (a name they change is written by the rules of the moment)."""
    changed, after = 0, 0
    c = _TABLE.c
    while True:
        async with db.read() as session:
            rows = (
                await session.execute(
                    select(c.id, c.public_name)
                    .where(
                        c.campaign_id == campaign_id,
                        c.signer_type == "individual",
                        c.listed.is_(True),
                        c.public_name.is_not(None),
                        c.id > after,
                    )
                    .order_by(c.id)
                    .limit(BATCH)
                )
            ).all()
        if not rows:
            return changed
        after = rows[-1].id
        shortened = [
            {"b_id": row.id, "b_name": row.public_name, "b_short": short}
            for row in rows
            if (short := first_name_and_initial(row.public_name)) != row.public_name
        ]
        if shortened:
            async with db.write() as session:
                await session.execute(_SHORTEN, shortened)
            changed += len(shortened)
