"""Organizer accounts and their sessions.

Passwords are hashed with argon2. A session is a random token in an HttpOnly cookie; the
database keeps only its SHA-256, so a copy of the database cannot be used to log in. Sessions
end after `idle` without a request, `lifetime` after the login however busy (a stolen cookie
does not last), at logout, and (the others) when the password changes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from signon.addresses import InvalidEmail, normalise_email
from signon.crypto import Keyring
from signon.db import Database
from signon.db.models import AdminSession, User, utcnow
from signon.i18n import format_number, gettext

MIN_PASSWORD_LENGTH = 12
USER_EMAIL = "users.email"
# Seen-at is written at most this often, so that browsing is not a write per request.
TOUCH_EVERY = timedelta(minutes=1)


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Organizer:
    """The logged-in person, as the admin pages know them."""

    user_id: int
    email: str
    is_admin: bool
    session_id: int


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def generate_password() -> str:
    return secrets.token_urlsafe(15)


class AccountService:
    def __init__(
        self,
        db: Database,
        keyring: Keyring,
        idle: timedelta,
        lifetime: timedelta,
    ) -> None:
        self.db = db
        self.keyring = keyring
        self.idle = idle
        self.lifetime = lifetime
        self.hasher = PasswordHasher()
        self._dummy: str | None = None

    @property
    def _dummy_hash(self) -> str:
        """Verified when no account matches, so both cases take the same time."""
        if self._dummy is None:
            self._dummy = self.hasher.hash(secrets.token_urlsafe(16))
        return self._dummy

    def _check_password(self, password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(
                gettext(
                    "A password needs at least %(count)s characters.",
                    count=format_number(MIN_PASSWORD_LENGTH),
                )
            )

    async def create_user(self, email: str, password: str, *, is_admin: bool = False) -> int:
        try:
            address = normalise_email(email)
        except InvalidEmail as error:
            raise AccountError(
                gettext("This does not look like an email address: %(reason)s", reason=error)
            ) from error
        self._check_password(password)
        email_key, *earlier_keys = self.keyring.email_lookup_keys(address)
        taken = AccountError(gettext("An account with this email address exists already."))
        if earlier_keys:  # during a key rotation the unique index sees only one hash of it
            async with self.db.read() as session:
                if await session.scalar(select(User.id).where(User.email_key.in_(earlier_keys))):
                    raise taken
        user = User(
            email_key=email_key,
            email=self.keyring.encrypt(address.encode(), USER_EMAIL),
            password_hash=self.hasher.hash(password),
            is_admin=is_admin,
            disabled=False,
            created_at=utcnow(),
        )
        try:
            async with self.db.write() as session:
                session.add(user)
        except IntegrityError as error:
            raise taken from error
        return user.id

    async def find_user_id(self, email: str) -> int | None:
        keys = self._lookup_keys(email)
        if not keys:
            return None
        async with self.db.read() as session:
            return await session.scalar(
                select(User.id).where(User.email_key.in_(keys), User.disabled.is_(False))
            )

    def _lookup_keys(self, email: str) -> list[str]:
        """The hashes an account of this address may be stored under (see
        Keyring.email_lookup_keys); none for what is not an address."""
        try:
            return self.keyring.email_lookup_keys(normalise_email(email))
        except InvalidEmail:
            return []

    async def email_of(self, user_id: int) -> str:
        async with self.db.read() as session:
            sealed = await session.scalar(select(User.email).where(User.id == user_id))
        return self.keyring.decrypt(sealed, USER_EMAIL).decode() if sealed else ""

    async def log_in(self, email: str, password: str) -> str | None:
        """A new session token for the right address and password, None otherwise."""
        keys = self._lookup_keys(email)
        async with self.db.read() as session:
            user = (
                await session.scalar(
                    select(User).where(User.email_key.in_(keys), User.disabled.is_(False))
                )
                if keys
                else None
            )
        try:
            self.hasher.verify(user.password_hash if user else self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None:
            return None
        token = secrets.token_urlsafe(32)
        now = utcnow()
        async with self.db.write() as session:
            session.add(
                AdminSession(
                    token_hash=_hash_token(token), user_id=user.id, created_at=now, last_seen_at=now
                )
            )
            await session.execute(update(User).where(User.id == user.id).values(last_login_at=now))
        return token

    async def resume(self, token: str, now: datetime | None = None) -> Organizer | None:
        now = now or utcnow()
        async with self.db.read() as session:
            row = (
                await session.execute(
                    select(AdminSession, User)
                    .join(User, User.id == AdminSession.user_id)
                    .where(AdminSession.token_hash == _hash_token(token))
                )
            ).first()
        if row is None:
            return None
        admin_session, user = row
        idle = now - admin_session.last_seen_at > self.idle
        if user.disabled or idle or now - admin_session.created_at > self.lifetime:
            await self._end(admin_session.id)
            return None
        if now - admin_session.last_seen_at > TOUCH_EVERY:
            async with self.db.write() as session:
                await session.execute(
                    update(AdminSession)
                    .where(AdminSession.id == admin_session.id)
                    .values(last_seen_at=now)
                )
        return Organizer(
            user_id=user.id,
            email=self.keyring.decrypt(user.email, USER_EMAIL).decode(),
            is_admin=user.is_admin,
            session_id=admin_session.id,
        )

    async def _end(self, session_id: int) -> None:
        async with self.db.write() as session:
            await session.execute(delete(AdminSession).where(AdminSession.id == session_id))

    async def log_out(self, organizer: Organizer) -> None:
        await self._end(organizer.session_id)

    async def change_password(self, organizer: Organizer, current: str, new: str) -> None:
        async with self.db.read() as session:
            password_hash = await session.scalar(
                select(User.password_hash).where(User.id == organizer.user_id)
            )
        try:
            self.hasher.verify(password_hash or self._dummy_hash, current)
        except (VerificationError, InvalidHashError) as error:
            raise AccountError(gettext("The current password is not right.")) from error
        self._check_password(new)
        async with self.db.write() as session:
            await session.execute(
                update(User)
                .where(User.id == organizer.user_id)
                .values(password_hash=self.hasher.hash(new))
            )
            # Every other login of this account ends: a stolen session dies with the old password.
            await session.execute(
                delete(AdminSession).where(
                    AdminSession.user_id == organizer.user_id,
                    AdminSession.id != organizer.session_id,
                )
            )

    async def list_users(self) -> list[tuple[int, str, bool, bool]]:
        async with self.db.read() as session:
            users = list(await session.scalars(select(User).order_by(User.id)))
        return [
            (u.id, self.keyring.decrypt(u.email, USER_EMAIL).decode(), u.is_admin, u.disabled)
            for u in users
        ]

    async def set_disabled(self, user_id: int, disabled: bool) -> None:
        async with self.db.write() as session:
            await session.execute(update(User).where(User.id == user_id).values(disabled=disabled))
            if disabled:
                await session.execute(delete(AdminSession).where(AdminSession.user_id == user_id))
