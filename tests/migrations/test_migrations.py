"""The schema comes only from Alembic, and the models agree with the migrations."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from signon.db.migrate import current_revision, head_revision, schema_problem, upgrade
from signon.db.models import Base
from tests.conftest import Backend
from tests.support import run_async


def _diff_and_tables(url: str) -> tuple[list, set[str]]:
    async def run() -> tuple[list, set[str]]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:

                def compare(sync):  # type: ignore[no-untyped-def]
                    context = MigrationContext.configure(sync, opts={"compare_type": True})
                    return compare_metadata(context, Base.metadata), set(
                        inspect(sync).get_table_names()
                    )

                return await connection.run_sync(compare)
        finally:
            await engine.dispose()

    return run_async(run)


def test_upgrade_from_empty_and_models_agree(backend: Backend, database_url: str) -> None:
    # The backend fixture migrated an empty database with `upgrade()`; check what it built.
    diff, tables = _diff_and_tables(database_url)
    assert diff == [], f"models and migrations disagree: {diff}"
    assert {"campaigns", "signatures", "outbox", "alembic_version"} <= tables
    assert run_async(lambda: current_revision(database_url)) == head_revision()
    assert schema_problem(database_url) is None


def test_empty_sqlite_database_upgrades_and_is_then_current(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    problem = schema_problem(url)
    assert problem is not None and "signon db upgrade" in problem
    upgrade(url)
    assert schema_problem(url) is None
    upgrade(url)  # running it again is harmless
    assert _diff_and_tables(url)[0] == []


def test_an_outdated_schema_is_named_with_the_fixing_command(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    upgrade(url)

    async def pretend_old() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'older'")
        await engine.dispose()

    run_async(pretend_old)
    problem = schema_problem(url)
    assert problem is not None and "older" in problem and "signon db upgrade" in problem
