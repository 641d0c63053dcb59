"""Settings: frozen, read once from SIGNON_* environment variables and an optional TOML file.

Environment variables win over the file. Production (SIGNON_DEV unset) refuses to start without a
real SIGNON_SECRET_KEY; dev mode keeps a generated key in the data directory instead.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from signon.abuse.screening import AbuseLimits
from signon.web.security import parse_trusted_proxies

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG_FILE = PROJECT_ROOT / "config" / "signon.toml"
DEFAULT_DISPOSABLE_FILE = PROJECT_ROOT / "config" / "disposable_domains.txt"
MIN_SECRET_LENGTH = 32


class SettingsError(ValueError):
    """A setting is missing or wrong; the message says which and how to fix it."""


@dataclass(frozen=True, slots=True)
class Settings:
    secret_key: str
    data_dir: Path
    database_url: str
    base_url: str = "http://127.0.0.1:8000"
    smtp_url: str | None = None
    mail_from: str = "Signon <signon@localhost>"
    dev: bool = False
    confirm_token_max_age: timedelta = timedelta(days=7)
    max_emails_per_signature: int = 5
    max_body_bytes: int = 64 * 1024
    inline_worker: bool = True
    # Proxies whose X-Forwarded-For/-Proto are believed, as CIDR strings ("10.0.0.0/8").
    trusted_proxies: tuple[str, ...] = ()
    mail_batch_size: int = 500
    mail_poll_seconds: float = 1.0
    # Connections each process keeps to PostgreSQL (and as many again at peaks).
    db_pool_size: int = 10
    key_file: Path | None = None  # default: data_dir / "keys.json"
    redis_url: str | None = None  # shared rate-limit store for several processes
    blocked_domains: tuple[str, ...] = ()
    disposable_domains_file: Path | None = DEFAULT_DISPOSABLE_FILE
    abuse: AbuseLimits = field(default_factory=AbuseLimits)
    session_idle: timedelta = timedelta(hours=2)
    session_lifetime: timedelta = timedelta(hours=12)  # however active: then log in again
    updates_per_minute: int = 60
    reminder_after: timedelta = timedelta(hours=24)
    # How old the public page data and counts may be (per process); 0 reads every request.
    page_cache_seconds: float = 1.0
    pending_retention: timedelta = timedelta(days=7)
    closed_retention: timedelta = timedelta(days=90)
    # The TrueType font of the PDF letter; unset: DejaVu Sans or another common system font.
    pdf_font: Path | None = None
    # Fonts for the characters the PDF font lacks (CJK, Indic...), tried in order; unset: the
    # common system ones found (letterfonts.FALLBACK_CANDIDATES).
    pdf_fallback_fonts: tuple[Path, ...] | None = None
    templates_dir: Path = field(default=PROJECT_ROOT / "templates")
    static_dir: Path = field(default=PROJECT_ROOT / "static")
    migrations_dir: Path = field(default=PROJECT_ROOT / "migrations")

    @property
    def mailbox_dir(self) -> Path:
        """Where the dev mailbox keeps messages when no SMTP server is configured."""
        return self.data_dir / "mailbox"

    @property
    def data_key_file(self) -> Path:
        """The key file for personal data: outside the database, kept out of its backups."""
        return self.key_file or self.data_dir / "keys.json"

    @property
    def uses_dev_mailbox(self) -> bool:
        return self.smtp_url is None

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _truthy(value: str | bool | None) -> bool:
    if isinstance(value, bool):
        return value
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Accept the plain forms operators type and pick the async drivers Signon runs on."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    if url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite:///")):
        return url
    raise SettingsError(
        "SIGNON_DATABASE_URL must be a sqlite:///PATH or postgresql://USER:PASS@HOST/DB URL"
    )


def _read_config_file(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"cannot read the configuration file {path}: {error}") from error
    return {f"SIGNON_{key.upper()}": value for key, value in data.items()}


def _dev_secret(data_dir: Path) -> str:
    """Read, or create once, the local secret used by the embedded default."""
    key_file = data_dir / "secret_key"
    if key_file.exists():
        secret = key_file.read_text().strip()
        if len(secret) >= MIN_SECRET_LENGTH:
            return secret
        key_file.unlink()  # empty or truncated: make a proper one
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
    return secret


def _number(
    values: Mapping[str, Any], name: str, default: float, kind: type, low: float, high: float
) -> float:
    raw = values.get(name)
    try:
        number = kind(raw) if raw not in (None, "") else default
    except (TypeError, ValueError) as error:
        raise SettingsError(f"{name} is not a number: {raw!r}") from error
    if not low <= number <= high:  # also refuses nan and infinities
        raise SettingsError(f"{name} must be between {low:g} and {high:g}, not {raw!r}")
    return number


def _trusted_proxies(values: Mapping[str, Any]) -> tuple[str, ...]:
    raw = values.get("SIGNON_TRUSTED_PROXIES") or ""
    try:
        networks = parse_trusted_proxies(raw if isinstance(raw, list) else str(raw))
    except ValueError as error:
        raise SettingsError(f"SIGNON_TRUSTED_PROXIES: {error}") from error
    return tuple(str(network) for network in networks)


def _paths(raw: object) -> tuple[Path, ...] | None:
    """Paths separated by ":" (or a list, in the config file); unset or empty: None."""
    parts = raw if isinstance(raw, list) else str(raw or "").split(":")
    paths = tuple(Path(str(part).strip()) for part in parts if str(part).strip())
    return paths or None


def load_settings(
    env: Mapping[str, str] | None = None, config_file: Path | None = None
) -> Settings:
    env = dict(os.environ if env is None else env)
    config_path = Path(env["SIGNON_CONFIG"]) if env.get("SIGNON_CONFIG") else DEFAULT_CONFIG_FILE
    values: dict[str, Any] = _read_config_file(config_file or config_path)
    values.update({k: v for k, v in env.items() if k.startswith("SIGNON_")})

    dev = _truthy(values.get("SIGNON_DEV"))
    data_dir = Path(str(values.get("SIGNON_DATA_DIR") or "data")).expanduser().resolve()
    database_url = normalise_database_url(
        str(values.get("SIGNON_DATABASE_URL") or f"sqlite:///{data_dir / 'signon.db'}")
    )

    secret = str(values.get("SIGNON_SECRET_KEY") or "")
    if not secret:
        if not dev:
            raise SettingsError(
                "SIGNON_SECRET_KEY is not set. Production needs a long random secret "
                "(for example: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'); "
                "for local development set SIGNON_DEV=1 to use a generated one."
            )
        secret = _dev_secret(data_dir)
    if len(secret) < MIN_SECRET_LENGTH and not dev:
        raise SettingsError(f"SIGNON_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters")

    token_days = _number(values, "SIGNON_CONFIRM_TOKEN_DAYS", 7, float, 1 / 24, 365)
    pending_days = _number(values, "SIGNON_PENDING_RETENTION_DAYS", 7, float, 1, 365)
    closed_days = _number(values, "SIGNON_CLOSED_RETENTION_DAYS", 90, float, 1, 3650)
    if token_days > pending_days:
        raise SettingsError(
            "SIGNON_CONFIRM_TOKEN_DAYS must not exceed SIGNON_PENDING_RETENTION_DAYS: a "
            "confirmation link would outlive the unconfirmed signature it confirms"
        )
    key_file = Path(str(values["SIGNON_KEY_FILE"])) if values.get("SIGNON_KEY_FILE") else None
    if dev:
        ensure_dev_key_file(key_file or data_dir / "keys.json")
    max_body = int(_number(values, "SIGNON_MAX_BODY_BYTES", 64 * 1024, int, 1024, 10_000_000))
    abuse = AbuseLimits(
        pow_bits=int(_number(values, "SIGNON_POW_BITS", 16, int, 0, 24)),
        min_fill_seconds=_number(values, "SIGNON_FORM_MIN_FILL_SECONDS", 2.0, float, 0, 60),
        per_address=int(_number(values, "SIGNON_SIGN_PER_ADDRESS_LIMIT", 30, int, 1, 10**6)),
        per_address_with_pow=int(
            _number(values, "SIGNON_SIGN_PER_ADDRESS_LIMIT_POW", 120, int, 1, 10**6)
        ),
        mails_per_email=int(_number(values, "SIGNON_MAILS_PER_EMAIL_LIMIT", 5, int, 1, 1000)),
    )
    disposable = values.get("SIGNON_DISPOSABLE_DOMAINS_FILE")
    idle_minutes = _number(values, "SIGNON_SESSION_IDLE_MINUTES", 120, float, 5, 7 * 24 * 60)
    lifetime_hours = _number(values, "SIGNON_SESSION_MAX_HOURS", 12, float, 1, 30 * 24)
    updates_rate = int(_number(values, "SIGNON_UPDATES_PER_MINUTE", 60, int, 1, 100_000))
    reminder_hours = _number(values, "SIGNON_REMINDER_AFTER_HOURS", 24, float, 1, 24 * 30)
    page_cache = _number(values, "SIGNON_PAGE_CACHE_SECONDS", 1.0, float, 0, 60)
    pool_size = int(_number(values, "SIGNON_DB_POOL_SIZE", 10, int, 1, 500))

    return Settings(
        secret_key=secret,
        data_dir=data_dir,
        database_url=database_url,
        base_url=str(values.get("SIGNON_BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
        smtp_url=str(values["SIGNON_SMTP_URL"]) if values.get("SIGNON_SMTP_URL") else None,
        mail_from=str(values.get("SIGNON_MAIL_FROM") or "Signon <signon@localhost>"),
        dev=dev,
        confirm_token_max_age=timedelta(days=token_days),
        max_body_bytes=max_body,
        inline_worker=_truthy(values.get("SIGNON_INLINE_WORKER", "1")),
        key_file=key_file,
        trusted_proxies=_trusted_proxies(values),
        redis_url=str(values["SIGNON_REDIS_URL"]) if values.get("SIGNON_REDIS_URL") else None,
        blocked_domains=tuple(
            d.strip().lower()
            for d in str(values.get("SIGNON_BLOCKED_DOMAINS") or "").split(",")
            if d.strip()
        ),
        disposable_domains_file=(
            DEFAULT_DISPOSABLE_FILE
            if disposable is None
            else (Path(str(disposable)) if str(disposable) else None)
        ),
        abuse=abuse,
        session_idle=timedelta(minutes=idle_minutes),
        session_lifetime=timedelta(hours=lifetime_hours),
        updates_per_minute=updates_rate,
        reminder_after=timedelta(hours=reminder_hours),
        page_cache_seconds=page_cache,
        db_pool_size=pool_size,
        pending_retention=timedelta(days=pending_days),
        closed_retention=timedelta(days=closed_days),
        pdf_font=Path(str(values["SIGNON_PDF_FONT"])) if values.get("SIGNON_PDF_FONT") else None,
        pdf_fallback_fonts=_paths(values.get("SIGNON_PDF_FALLBACK_FONTS")),
    )


def ensure_dev_key_file(path: Path) -> None:
    """Dev mode only: create the data key file on first use. Production runs `signon keys init`."""
    from signon.crypto import create_key_file

    if not path.exists():
        create_key_file(path)
