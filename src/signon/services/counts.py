"""Repairing the denormalised counters from the signatures themselves (`signon recount`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from signon.db import Database
from signon.db.models import Campaign, Signature
from signon.services.records import COUNTED_MODERATION


@dataclass(frozen=True, slots=True)
class Recount:
    slug: str
    individuals: int
    organizations: int
    changed: bool


def _confirmed(signer_type: str):  # type: ignore[no-untyped-def]
    return (
        select(func.count())
        .where(
            Signature.campaign_id == Campaign.id,
            Signature.signer_type == signer_type,
            Signature.status == "confirmed",
            Signature.moderation.in_(COUNTED_MODERATION),
        )
        .scalar_subquery()
    )


async def recount(db: Database, slug: str | None = None) -> list[Recount]:
    """Set every campaign's counters (or one campaign's) to what the signatures say."""
    async with db.write() as session:
        query = select(
            Campaign.id,
            Campaign.slug,
            Campaign.individuals_count,
            Campaign.organizations_count,
            _confirmed("individual").label("individuals"),
            _confirmed("organization").label("organizations"),
        ).order_by(Campaign.id)
        if slug is not None:
            query = query.where(Campaign.slug == slug)
        results = []
        for row in (await session.execute(query)).all():
            changed = (row.individuals_count, row.organizations_count) != (
                row.individuals,
                row.organizations,
            )
            if changed:
                await session.execute(
                    update(Campaign)
                    .where(Campaign.id == row.id)
                    .values(
                        individuals_count=row.individuals, organizations_count=row.organizations
                    )
                )
            results.append(Recount(row.slug, row.individuals, row.organizations, changed))
        return results
