"""Retention: personal data is kept only as long as it serves the campaign.

- Unconfirmed signatures (and their queued mail) are deleted `pending_retention` after the last
  link they were sent (`link_sent_at`: signing again, a new link or the reminder each send one;
  nothing else, not the signer's changes on the manage page, moves it): no emailed link
  outlives its signature.
- Once a campaign has been closed for `closed_retention` (by its organizers or by its deadline),
  every signer's personal data is erased; what was publicly shown and the counts stay. A
  campaign that takes signatures again (reopened, or its deadline moved) is purged again once
  it is over again (CampaignService clears `purged_at`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update

from signon.db import Database
from signon.db.models import Campaign, Signature, utcnow

# When an unconfirmed signature was last sent a link. NULL for one made before migration 0007,
# or by a process still running the code before it: its updated_at was that clock then.
LAST_LINK = func.coalesce(Signature.link_sent_at, Signature.updated_at)


@dataclass(frozen=True, slots=True)
class PurgeReport:
    pending_deleted: int
    campaigns_purged: list[str]
    signatures_erased: int


class Retention:
    def __init__(self, db: Database, pending: timedelta, closed: timedelta) -> None:
        self.db = db
        self.pending = pending
        self.closed = closed

    async def purge(self, now: datetime | None = None) -> PurgeReport:
        now = now or utcnow()
        async with self.db.write() as session:
            deleted = await session.execute(
                delete(Signature).where(
                    Signature.status == "pending",
                    # Made no later than the last link: the index of pending times narrows the scan.
                    Signature.created_at < now - self.pending,
                    now - self.pending > LAST_LINK,
                )
            )
            pending_deleted = deleted.rowcount or 0

        closed_before = now - self.closed
        async with self.db.write() as session:
            due = (
                await session.execute(
                    select(Campaign.id, Campaign.slug).where(
                        Campaign.purged_at.is_(None),
                        or_(
                            and_(Campaign.status == "closed", Campaign.closed_at < closed_before),
                            and_(Campaign.deadline.is_not(None), Campaign.deadline < closed_before),
                        ),
                    )
                )
            ).all()
            ids = [row.id for row in due]
            erased = 0
            if ids:
                # Pending signatures of a finished campaign can never count: delete them.
                await session.execute(
                    delete(Signature).where(
                        Signature.campaign_id.in_(ids), Signature.status == "pending"
                    )
                )
                result = await session.execute(
                    update(Signature)
                    .where(Signature.campaign_id.in_(ids), Signature.personal.is_not(None))
                    .values(personal=None, email_key=None, wants_updates=False, updated_at=now)
                )
                erased = result.rowcount or 0
                await session.execute(
                    update(Campaign).where(Campaign.id.in_(ids)).values(purged_at=now)
                )
        return PurgeReport(pending_deleted, [row.slug for row in due], erased)
