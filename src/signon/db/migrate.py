"""Alembic from Signon's own code: upgrade, and tell whether a database is at the latest revision.

Alembic's env.py starts its own event loop, so these are called outside any running loop
(the command line, test fixtures), never from inside the app.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine

from signon.settings import PROJECT_ROOT


def alembic_config(database_url: str, migrations_dir: Path | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir or PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


async def current_revision(database_url: str) -> str | None:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()


def schema_problem(database_url: str) -> str | None:
    """None when the schema is current, otherwise what is wrong and which command fixes it."""
    current = asyncio.run(current_revision(database_url))
    head = head_revision()
    if current == head:
        return None
    if current is None:
        return "The database has no Signon schema yet. Run `signon db upgrade` first."
    return (
        f"The database schema is at revision {current}, this Signon needs {head}. "
        "Run `signon db upgrade` first."
    )
