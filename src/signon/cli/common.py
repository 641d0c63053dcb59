"""What the commands share: settings, the key file, a database or a whole runtime, each failing
with a clear message rather than a traceback."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import click

from signon.crypto import KeyFileError, Keyring
from signon.db import Database
from signon.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from signon.runtime import Runtime

T = TypeVar("T")


def read_settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from error


def run_with_db(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    async def run() -> T:
        db = Database(settings.database_url, pool_size=2)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


def open_keyring(settings: Settings) -> Keyring:
    try:
        return Keyring(settings.data_key_file)
    except KeyFileError as error:
        raise click.ClickException(str(error)) from error


def start_runtime(settings: Settings) -> Runtime:
    from signon.runtime import Runtime

    open_keyring(settings)  # a clear message rather than a traceback when the key file is missing
    return Runtime.start(settings)


def require_current_schema(settings: Settings) -> None:
    from signon.db.migrate import schema_problem

    problem = schema_problem(settings.database_url)
    if problem:
        raise click.ClickException(problem)


def require_mail(settings: Settings) -> None:
    if settings.smtp_url is None and not settings.dev:
        raise click.ClickException(
            "SIGNON_SMTP_URL is not set: production needs an SMTP relay to send confirmation "
            "links (the dev mailbox exists only with SIGNON_DEV=1)."
        )
