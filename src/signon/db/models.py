"""Declarative models. The schema itself comes only from the Alembic migrations in migrations/."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only has 64-bit INTEGER PRIMARY KEY rowids; PostgreSQL gets a real bigint.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps naive text, read as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    statement_md: Mapped[str] = mapped_column(Text)
    statement_html: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    goal: Mapped[int | None] = mapped_column(Integer)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ask_location: Mapped[bool] = mapped_column(Boolean, default=False)
    ask_comment: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_organizations: Mapped[bool] = mapped_column(Boolean, default=True)
    # Moderation: organizations wait for an organizer's approval by default; individuals can too.
    moderate_organizations: Mapped[bool] = mapped_column(Boolean, default=True)
    moderate_individuals: Mapped[bool] = mapped_column(Boolean, default=False)
    # How listed individuals are named: "full" name, or "initial" (first name and initial).
    name_display: Mapped[str] = mapped_column(String(16), default="full")
    # Denormalised counters, moved in the same transaction as each confirmation;
    # `signon recount` rebuilds them from the signatures.
    individuals_count: Mapped[int] = mapped_column(Integer, default=0)
    organizations_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When retention removed the signers' personal data (what was public stays).
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The language the texts above are written in; CampaignText rows hold translations.
    language: Mapped[str] = mapped_column(String(8), default="en")
    # Shown on the thank-you page after confirming (Markdown, sanitised like the statement).
    thank_you_md: Mapped[str | None] = mapped_column(Text)
    thank_you_html: Mapped[str | None] = mapped_column(Text)
    # Embeds: the origins (one per line) whose pages may frame /embed/{slug}/..., or anywhere.
    embed_origins: Mapped[str | None] = mapped_column(Text)
    embed_anywhere: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the goal is reached, the next one is set automatically.
    goal_step_up: Mapped[bool] = mapped_column(Boolean, default=False)


class CampaignText(Base):
    """A campaign's own texts in one more language, written by its organizers."""

    __tablename__ = "campaign_texts"
    __table_args__ = (UniqueConstraint("campaign_id", "language"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    statement_md: Mapped[str] = mapped_column(Text)
    statement_html: Mapped[str] = mapped_column(Text)
    thank_you_md: Mapped[str | None] = mapped_column(Text)
    thank_you_html: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Signature(Base):
    """One endorsement. What the signer submitted is one encrypted blob (`personal`); what the
    public may see is copied out in plain text (`public_*`) only while the signature is listed."""

    __tablename__ = "signatures"
    __table_args__ = (
        # One signature per address per campaign: email_key is a keyed hash of the
        # normalised (lower-cased) address, so the database itself refuses duplicates.
        UniqueConstraint("campaign_id", "email_key"),
        Index(
            "ix_signatures_public_list",
            "campaign_id",
            "signer_type",
            "listed",
            "confirmed_at",
            "id",
        ),
        Index("ix_signatures_status_created", "status", "created_at"),
        # The moderation queue's views and the dashboard's count of waiting signatures: only
        # the few moderated or flagged signatures have entries, so signing costs nothing more
        # and a campaign of a million opens its queue at once (services/moderation.py).
        Index(
            "ix_signatures_moderated",
            "campaign_id",
            "moderation",
            "id",
            sqlite_where=text("moderation != 'none'"),
            postgresql_where=text("moderation != 'none'"),
        ),
        Index(
            "ix_signatures_flagged",
            "campaign_id",
            "id",
            sqlite_where=text("flag_reason IS NOT NULL"),
            postgresql_where=text("flag_reason IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    signer_type: Mapped[str] = mapped_column(String(16))
    # pending -> confirmed; withdrawn by the signer (personal data erased at once).
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # none | held (waits for an organizer) | approved | rejected | hidden
    moderation: Mapped[str] = mapped_column(String(16), default="none")
    # Why the signature looked suspicious, for the organizers' review (never shown publicly).
    flag_reason: Mapped[str | None] = mapped_column(String(300))
    email_key: Mapped[str | None] = mapped_column(String(64))
    # Encrypted JSON: name, email, organization, website, role, city, country, comment.
    personal: Mapped[str | None] = mapped_column(Text)
    display: Mapped[str] = mapped_column(String(16))
    wants_updates: Mapped[bool] = mapped_column(Boolean, default=False)
    # True while confirmed, counted and shown by name: the only rows public lists read.
    listed: Mapped[bool] = mapped_column(Boolean, default=False)
    public_name: Mapped[str | None] = mapped_column(String(200))
    public_place: Mapped[str | None] = mapped_column(String(210))
    public_website: Mapped[str | None] = mapped_column(String(300))
    token_nonce: Mapped[str] = mapped_column(String(32), unique=True)
    # The edition of the details the confirmation links were sent for (signon.tokens): set by
    # each submission, untouched by the manage page. None: made before editions, or seeded.
    link_edition: Mapped[str | None] = mapped_column(String(16))
    emails_sent: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # When the signature was made or last sent a confirmation link (signing again, a new
    # link, the reminder): an unconfirmed one is deleted a retention period after it, so no
    # emailed link outlives its signature (services/retention.py). Nothing else moves it.
    # None: seeded, or made before migration 0007 (then updated_at stands in for it).
    link_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The one reminder an unconfirmed signature may get.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The language the signer signed in: every mail they get speaks it.
    language: Mapped[str] = mapped_column(String(8), default="en")
    # Where the signature came from: None for the campaign page, "embed" or "embed:<origin>".
    source: Mapped[str | None] = mapped_column(String(300))


class OutboxMessage(Base):
    """An email waiting to be sent, written in the same transaction as what caused it.

    Recipient, subject and body are one encrypted blob (`payload`). A row leaves the table only
    once an SMTP server has accepted the message.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)
    signature_id: Mapped[int | None] = mapped_column(
        ForeignKey("signatures.id", ondelete="CASCADE"), index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # A worker that claims a message leases it until this time; a crashed worker's lease expires.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class User(Base):
    """An organizer (or a site admin). The address is kept encrypted, found by its keyed hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email_key: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(Text)  # encrypted
    password_hash: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AdminSession(Base):
    """A login. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "admin_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignMember(Base):
    __tablename__ = "campaign_members"
    __table_args__ = (UniqueConstraint("campaign_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # owner | editor | viewer
    notify_organizations: Mapped[bool] = mapped_column(Boolean, default=False)
    # The language the organizer's pages spoke when they asked to be told: the notices speak
    # it too (None: asked before migration 0008, told in English).
    notify_language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModerationEvent(Base):
    """Who did what to which signature, and when."""

    __tablename__ = "moderation_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    signature_id: Mapped[int | None] = mapped_column(
        ForeignKey("signatures.id", ondelete="SET NULL")
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExportRecord(Base):
    """The audit log of exports: who downloaded which list, with which filters, how many rows."""

    __tablename__ = "export_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # full | delivery
    filters: Mapped[str] = mapped_column(Text)
    row_count: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignUpdate(Base):
    """A message from a campaign's owners to the signers who asked for updates."""

    __tablename__ = "campaign_updates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The encrypted columns and the context each is bound to (used by key rotation).
ENCRYPTED_COLUMNS = ((Signature, "personal"), (OutboxMessage, "payload"), (User, "email"))


def crypto_context(model: type[Base], column: str) -> str:
    return f"{model.__tablename__}.{column}"
