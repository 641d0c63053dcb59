"""Settings: read from an explicit environment and TOML file; fail fast with a clear message."""

from __future__ import annotations

import dataclasses
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from signon.settings import (
    MIN_SECRET_LENGTH,
    Settings,
    SettingsError,
    load_settings,
    normalise_database_url,
)

SECRET = "s" * MIN_SECRET_LENGTH


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def no_config(tmp_path: Path) -> Path:
    """A config file that does not exist, so the repository's own config is never read."""
    return tmp_path / "absent.toml"


def production(data_dir: Path, **env: str) -> dict[str, str]:
    return {"SIGNON_SECRET_KEY": SECRET, "SIGNON_DATA_DIR": str(data_dir), **env}


def development(data_dir: Path, **env: str) -> dict[str, str]:
    return {"SIGNON_DEV": "1", "SIGNON_DATA_DIR": str(data_dir), **env}


def load(env: dict[str, str], config_file: Path | None = None) -> Settings:
    """Settings from exactly this environment: the real one is never read."""
    return load_settings(env=env, config_file=config_file)


def write_toml(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- the secret -----------------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [None, ""])
def test_production_without_a_secret_refuses_to_start(
    secret: str | None, data_dir: Path, no_config: Path
) -> None:
    env = {"SIGNON_DATA_DIR": str(data_dir)}
    if secret is not None:
        env["SIGNON_SECRET_KEY"] = secret

    with pytest.raises(SettingsError, match="SIGNON_SECRET_KEY"):
        load(env, no_config)

    assert not (data_dir / "secret_key").exists()


def test_production_with_a_short_secret_refuses_to_start(data_dir: Path, no_config: Path) -> None:
    env = production(data_dir, SIGNON_SECRET_KEY="x" * (MIN_SECRET_LENGTH - 1))

    with pytest.raises(SettingsError, match=f"at least {MIN_SECRET_LENGTH}"):
        load(env, no_config)


def test_production_with_a_long_enough_secret_starts(data_dir: Path, no_config: Path) -> None:
    settings = load(production(data_dir), no_config)

    assert settings.secret_key == SECRET
    assert settings.dev is False


@pytest.mark.parametrize("flag", ["1", "true", "TRUE", "yes", "on", " On "])
def test_dev_mode_creates_a_private_secret_file(flag: str, data_dir: Path, no_config: Path) -> None:
    settings = load(development(data_dir, SIGNON_DEV=flag), no_config)

    key_file = data_dir / "secret_key"
    assert settings.dev is True
    assert key_file.read_text().strip() == settings.secret_key
    assert len(settings.secret_key) >= MIN_SECRET_LENGTH
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_dev_mode_reuses_its_secret_file(data_dir: Path, no_config: Path) -> None:
    first = load(development(data_dir), no_config)
    second = load(development(data_dir), no_config)

    assert first.secret_key == second.secret_key


def test_each_data_dir_gets_its_own_dev_secret(tmp_path: Path, no_config: Path) -> None:
    first = load(development(tmp_path / "one"), no_config)
    second = load(development(tmp_path / "two"), no_config)

    assert first.secret_key != second.secret_key


def test_dev_mode_creates_a_missing_nested_data_dir(tmp_path: Path, no_config: Path) -> None:
    data_dir = tmp_path / "a" / "b" / "c"

    load(development(data_dir), no_config)

    assert (data_dir / "secret_key").is_file()


def test_dev_mode_uses_an_explicit_secret_and_writes_no_file(
    data_dir: Path, no_config: Path
) -> None:
    settings = load(development(data_dir, SIGNON_SECRET_KEY=SECRET), no_config)

    assert settings.secret_key == SECRET
    assert not (data_dir / "secret_key").exists()


@pytest.mark.parametrize("flag", ["0", "false", "no", "off", "", "dev"])
def test_anything_but_a_true_flag_means_production(
    flag: str, data_dir: Path, no_config: Path
) -> None:
    with pytest.raises(SettingsError):
        load({"SIGNON_DEV": flag, "SIGNON_DATA_DIR": str(data_dir)}, no_config)


# --- database URLs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("postgres://u:p@db/signon", "postgresql+asyncpg://u:p@db/signon"),
        ("postgresql://u:p@db:5432/signon", "postgresql+asyncpg://u:p@db:5432/signon"),
        ("postgresql+asyncpg://u:p@db/signon", "postgresql+asyncpg://u:p@db/signon"),
        ("sqlite:///relative.db", "sqlite+aiosqlite:///relative.db"),
        ("sqlite:////var/lib/signon/signon.db", "sqlite+aiosqlite:////var/lib/signon/signon.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_database_urls_are_normalised_to_the_async_drivers(
    url: str, normalised: str, data_dir: Path, no_config: Path
) -> None:
    settings = load(production(data_dir, SIGNON_DATABASE_URL=url), no_config)

    assert settings.database_url == normalised


@pytest.mark.parametrize(
    "url",
    [
        "mysql://u:p@db/signon",
        "postgresql+psycopg://u:p@db/signon",
        "sqlite://",
        "sqlite:relative.db",
        "not a url",
    ],
)
def test_an_unsupported_database_url_is_refused(url: str, data_dir: Path, no_config: Path) -> None:
    with pytest.raises(SettingsError, match="SIGNON_DATABASE_URL"):
        load(production(data_dir, SIGNON_DATABASE_URL=url), no_config)


def test_normalising_is_idempotent() -> None:
    once = normalise_database_url("postgres://u@h/d")

    assert normalise_database_url(once) == once


def test_the_default_database_lives_in_the_data_dir(data_dir: Path, no_config: Path) -> None:
    settings = load(production(data_dir), no_config)

    assert settings.database_url == f"sqlite+aiosqlite:///{data_dir.resolve() / 'signon.db'}"
    assert settings.data_dir == data_dir.resolve()
    assert settings.data_dir.is_absolute()


# --- the config file ------------------------------------------------------------------------------


def test_the_config_file_supplies_what_the_environment_does_not(
    tmp_path: Path, data_dir: Path
) -> None:
    config = write_toml(
        tmp_path / "signon.toml",
        f'''
secret_key = "{SECRET}"
base_url = "https://sign.example.org/"
smtp_url = "smtp://mail.example.org:587"
mail_from = "Campaign <campaign@example.org>"
confirm_token_days = 14
pending_retention_days = 14
database_url = "postgres://u:p@db/signon"
''',
    )

    settings = load({"SIGNON_DATA_DIR": str(data_dir)}, config_file=config)

    assert settings.secret_key == SECRET
    assert settings.base_url == "https://sign.example.org"
    assert settings.smtp_url == "smtp://mail.example.org:587"
    assert settings.uses_dev_mailbox is False
    assert settings.mail_from == "Campaign <campaign@example.org>"
    assert settings.confirm_token_max_age == timedelta(days=14)
    assert settings.database_url == "postgresql+asyncpg://u:p@db/signon"


def test_the_environment_wins_over_the_config_file(tmp_path: Path, data_dir: Path) -> None:
    config = write_toml(
        tmp_path / "signon.toml",
        """
secret_key = "file-secret-file-secret-file-secret-file"
base_url = "https://file.example.org"
mail_from = "File <file@example.org>"
""",
    )
    env = production(data_dir, SIGNON_BASE_URL="https://env.example.org")

    settings = load(env, config_file=config)

    assert settings.secret_key == SECRET
    assert settings.base_url == "https://env.example.org"
    assert settings.mail_from == "File <file@example.org>"


def test_dev_mode_can_come_from_the_config_file(tmp_path: Path, data_dir: Path) -> None:
    config = write_toml(tmp_path / "signon.toml", "dev = true\ninline_worker = false\n")

    settings = load({"SIGNON_DATA_DIR": str(data_dir)}, config_file=config)

    assert settings.dev is True
    assert settings.inline_worker is False


def test_signon_config_names_the_file_when_none_is_passed(tmp_path: Path, data_dir: Path) -> None:
    config = write_toml(
        tmp_path / "elsewhere.toml", 'base_url = "https://from-signon-config.example"\n'
    )
    env = production(data_dir, SIGNON_CONFIG=str(config))

    settings = load(env)

    assert settings.base_url == "https://from-signon-config.example"


def test_a_missing_config_file_is_not_an_error(data_dir: Path, no_config: Path) -> None:
    settings = load(production(data_dir), no_config)

    assert settings.base_url == "http://127.0.0.1:8000"


def test_variables_without_the_prefix_are_ignored(data_dir: Path, no_config: Path) -> None:
    env = production(data_dir, DATABASE_URL="mysql://nope", BASE_URL="https://nope.example")

    settings = load(env, no_config)

    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.base_url == "http://127.0.0.1:8000"


def test_a_malformed_config_file_is_a_settings_error(tmp_path: Path, data_dir: Path) -> None:
    config = write_toml(tmp_path / "signon.toml", 'base_url = "https://unterminated\n')

    # It used to escape as tomllib.TOMLDecodeError, which the CLI shows as a traceback.
    with pytest.raises(SettingsError, match=r"signon\.toml"):
        load(production(data_dir), config_file=config)


# --- other values ---------------------------------------------------------------------------------


def test_defaults(data_dir: Path, no_config: Path) -> None:
    settings = load(production(data_dir), no_config)

    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.smtp_url is None
    assert settings.uses_dev_mailbox is True
    assert settings.mailbox_dir == settings.data_dir / "mailbox"
    assert settings.confirm_token_max_age == timedelta(days=7)
    assert settings.max_body_bytes == 64 * 1024
    assert settings.inline_worker is True


@pytest.mark.parametrize(
    ("days", "period"),
    [
        ("3", timedelta(days=3)),
        ("0.5", timedelta(hours=12)),
        (" 10 ", timedelta(days=10)),
    ],
)
def test_the_confirmation_period_is_read_in_days(
    days: str, period: timedelta, data_dir: Path, no_config: Path
) -> None:
    env = production(data_dir, SIGNON_CONFIRM_TOKEN_DAYS=days, SIGNON_PENDING_RETENTION_DAYS="30")

    assert load(env, no_config).confirm_token_max_age == period


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SIGNON_CONFIRM_TOKEN_DAYS", "seven"),
        ("SIGNON_CONFIRM_TOKEN_DAYS", "7d"),
        ("SIGNON_MAX_BODY_BYTES", "64k"),
        ("SIGNON_MAX_BODY_BYTES", "1.5"),
    ],
)
def test_a_number_setting_that_is_not_a_number_is_refused(
    name: str, value: str, data_dir: Path, no_config: Path
) -> None:
    with pytest.raises(SettingsError, match="not a number"):
        load(production(data_dir, **{name: value}), no_config)


@pytest.mark.parametrize("days", ["nan", "inf", "-inf", "1e10", "0", "-1", "366"])
def test_a_confirmation_period_out_of_range_is_refused(
    days: str, data_dir: Path, no_config: Path
) -> None:
    # nan and huge numbers used to escape as a bare ValueError/OverflowError from timedelta(),
    # and zero or negative periods made every link expired the moment it was sent.
    with pytest.raises(SettingsError, match="SIGNON_CONFIRM_TOKEN_DAYS"):
        load(production(data_dir, SIGNON_CONFIRM_TOKEN_DAYS=days), no_config)


def test_a_zero_period_in_the_config_file_is_refused_too(tmp_path: Path, data_dir: Path) -> None:
    config = write_toml(tmp_path / "signon.toml", "confirm_token_days = 0\n")

    with pytest.raises(SettingsError, match="SIGNON_CONFIRM_TOKEN_DAYS"):
        load(production(data_dir), config)


@pytest.mark.parametrize("size", ["0", "-1", "100", "10000000000"])
def test_a_body_limit_out_of_range_is_refused(size: str, data_dir: Path, no_config: Path) -> None:
    with pytest.raises(SettingsError, match="SIGNON_MAX_BODY_BYTES"):
        load(production(data_dir, SIGNON_MAX_BODY_BYTES=size), no_config)


def test_the_body_limit_is_read_in_bytes(data_dir: Path, no_config: Path) -> None:
    env = production(data_dir, SIGNON_MAX_BODY_BYTES="1024")

    assert load(env, no_config).max_body_bytes == 1024


@pytest.mark.parametrize(
    ("flag", "inline"), [("0", False), ("false", False), ("1", True), ("yes", True)]
)
def test_the_inline_worker_flag(flag: str, inline: bool, data_dir: Path, no_config: Path) -> None:
    env = production(data_dir, SIGNON_INLINE_WORKER=flag)

    assert load(env, no_config).inline_worker is inline


def test_a_trailing_slash_is_dropped_from_the_base_url(data_dir: Path, no_config: Path) -> None:
    env = production(data_dir, SIGNON_BASE_URL="https://sign.example.org///")

    assert load(env, no_config).base_url == "https://sign.example.org"


def test_settings_are_frozen_and_changed_only_by_copy(data_dir: Path, no_config: Path) -> None:
    settings = load(production(data_dir), no_config)

    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.base_url = "https://other.example"  # type: ignore[misc]
    changed = settings.with_changes(base_url="https://other.example")

    assert changed.base_url == "https://other.example"
    assert settings.base_url == "http://127.0.0.1:8000"


def test_the_postgresql_pool_is_sized_by_a_setting(data_dir: Path, no_config: Path) -> None:
    assert load(production(data_dir), no_config).db_pool_size == 10
    assert load(production(data_dir, SIGNON_DB_POOL_SIZE="40"), no_config).db_pool_size == 40


@pytest.mark.parametrize("size", ["0", "-3", "501", "ten"])
def test_a_pool_size_out_of_range_is_refused(size: str, data_dir: Path, no_config: Path) -> None:
    with pytest.raises(SettingsError, match="SIGNON_DB_POOL_SIZE"):
        load(production(data_dir, SIGNON_DB_POOL_SIZE=size), no_config)


def test_a_confirmation_link_may_not_outlive_its_unconfirmed_signature(
    data_dir: Path, no_config: Path
) -> None:
    longer = production(data_dir, SIGNON_CONFIRM_TOKEN_DAYS="10", SIGNON_PENDING_RETENTION_DAYS="7")
    with pytest.raises(SettingsError, match="SIGNON_CONFIRM_TOKEN_DAYS must not exceed"):
        load(longer, no_config)
    shorter = production(data_dir, SIGNON_CONFIRM_TOKEN_DAYS="3", SIGNON_PENDING_RETENTION_DAYS="7")
    assert load(shorter, no_config).confirm_token_max_age.days == 3
