"""Who may do what to which campaign. Every admin page asks here first, on the server.

A site admin may do everything. Otherwise a person acts on a campaign only through a membership:
owner (everything, including export, members and updates), editor (edit and moderate, which
shows who signed), viewer (read counts and the public lists: no signer's personal data).
Someone who is not a member gets the same answer whether the campaign exists or not, so ids and
slugs cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from signon.db import Database
from signon.db.models import Campaign, CampaignMember, Signature
from signon.services.accounts import AccountService, Organizer
from signon.services.campaigns import CampaignView, translations_of
from signon.services.moderation import moderated

ROLES = ("owner", "editor", "viewer")
PERMISSIONS: dict[str, frozenset[str]] = {
    "view": frozenset(ROLES),
    "edit": frozenset({"owner", "editor"}),
    "moderate": frozenset({"owner", "editor"}),
    "export": frozenset({"owner"}),
    "members": frozenset({"owner"}),
    "updates": frozenset({"owner"}),
    "audit": frozenset({"owner"}),
}


class Forbidden(Exception):
    """Not allowed (or no such campaign, which a non-member is not told)."""


@dataclass(frozen=True, slots=True)
class CampaignAccess:
    campaign: CampaignView
    role: str  # "admin" for a site admin without a membership

    def can(self, permission: str) -> bool:
        return self.role == "admin" or self.role in PERMISSIONS[permission]


@dataclass(frozen=True, slots=True)
class DashboardRow:
    access: CampaignAccess
    awaiting_review: int


@dataclass(frozen=True, slots=True)
class Member:
    user_id: int
    email: str
    role: str
    notify_organizations: bool


class AccessService:
    def __init__(self, db: Database, accounts: AccountService) -> None:
        self.db = db
        self.accounts = accounts

    async def campaign(self, organizer: Organizer, slug: str, permission: str) -> CampaignAccess:
        async with self.db.read() as session:
            row = (
                await session.execute(
                    select(Campaign, CampaignMember.role)
                    .outerjoin(
                        CampaignMember,
                        (CampaignMember.campaign_id == Campaign.id)
                        & (CampaignMember.user_id == organizer.user_id),
                    )
                    .where(Campaign.slug == slug)
                )
            ).first()
            if row is None:
                raise Forbidden(slug)
            campaign, role = row
            # The organizer's pages show and edit the translations too.
            translations = list(await session.scalars(translations_of(campaign.id)))
        access = CampaignAccess(CampaignView.of(campaign, translations), role or "admin")
        if role is None and not organizer.is_admin:
            raise Forbidden(slug)
        if not access.can(permission):
            raise Forbidden(slug)
        return access

    async def dashboard(self, organizer: Organizer) -> list[DashboardRow]:
        query = select(Campaign, CampaignMember.role).outerjoin(
            CampaignMember,
            (CampaignMember.campaign_id == Campaign.id)
            & (CampaignMember.user_id == organizer.user_id),
        )
        if not organizer.is_admin:
            query = query.where(CampaignMember.user_id == organizer.user_id)
        async with self.db.read() as session:
            rows = (await session.execute(query.order_by(Campaign.created_at.desc()))).all()
            waiting = dict(
                (
                    await session.execute(
                        select(Signature.campaign_id, func.count())
                        .where(Signature.status == "confirmed", *moderated("held"))
                        .where(Signature.campaign_id.in_([c.id for c, _ in rows]))
                        .group_by(Signature.campaign_id)
                    )
                ).all()
            )
        return [
            DashboardRow(CampaignAccess(CampaignView.of(c), role or "admin"), waiting.get(c.id, 0))
            for c, role in rows
        ]

    async def add_member(self, campaign_id: int, user_id: int, role: str) -> None:
        if role not in ROLES:
            raise ValueError(role)
        try:
            async with self.db.write() as session:
                session.add(CampaignMember(campaign_id=campaign_id, user_id=user_id, role=role))
        except IntegrityError:
            async with self.db.write() as session:
                await session.execute(
                    update(CampaignMember)
                    .where(CampaignMember.campaign_id == campaign_id)
                    .where(CampaignMember.user_id == user_id)
                    .values(role=role)
                )

    async def remove_member(self, campaign_id: int, user_id: int) -> bool:
        """Remove a member, but never the last owner (a campaign must stay manageable)."""
        async with self.db.write() as session:
            owners = await session.scalar(
                select(func.count()).where(
                    CampaignMember.campaign_id == campaign_id, CampaignMember.role == "owner"
                )
            )
            role = await session.scalar(
                select(CampaignMember.role).where(
                    CampaignMember.campaign_id == campaign_id, CampaignMember.user_id == user_id
                )
            )
            if role is None or (role == "owner" and (owners or 0) <= 1):
                return False
            await session.execute(
                delete(CampaignMember).where(
                    CampaignMember.campaign_id == campaign_id, CampaignMember.user_id == user_id
                )
            )
            return True

    async def members(self, campaign_id: int) -> list[Member]:
        async with self.db.read() as session:
            rows = (
                await session.execute(
                    select(CampaignMember)
                    .where(CampaignMember.campaign_id == campaign_id)
                    .order_by(CampaignMember.id)
                )
            ).scalars()
            found = list(rows)
        return [
            Member(
                m.user_id, await self.accounts.email_of(m.user_id), m.role, m.notify_organizations
            )
            for m in found
        ]

    async def set_notify(self, campaign_id: int, user_id: int, notify: bool, language: str) -> None:
        """Whether this organizer is told of organizations waiting for approval, in `language`
        (that of the pages they asked on)."""
        async with self.db.write() as session:
            await session.execute(
                update(CampaignMember)
                .where(CampaignMember.campaign_id == campaign_id)
                .where(CampaignMember.user_id == user_id)
                .values(notify_organizations=notify, notify_language=language)
            )
