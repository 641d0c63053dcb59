"""The schema comes only from Alembic, and the models agree with the migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, Table, inspect
from sqlalchemy.ext.asyncio import create_async_engine

from signon.db.migrate import current_revision, head_revision, schema_problem, upgrade
from signon.db.models import Base
from tests.conftest import Backend
from tests.support import in_own_thread, reset_postgres_schema, run_async


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


def test_0007_keeps_each_unconfirmed_signature_to_its_last_link(
    backend: Backend, tmp_path: Path
) -> None:
    """Before 0007, updated_at timed an unconfirmed signature's deletion: it carries over."""
    if backend.sqlite_template is None:
        url = backend.url
        reset_postgres_schema(url)
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'before-0007.db'}"
    in_own_thread(lambda: upgrade(url, "0006"))
    made, relinked = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 6, tzinfo=UTC)

    async def fill() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as connection:
                tables = MetaData()
                await connection.run_sync(
                    lambda sync: tables.reflect(sync, only=["campaigns", "signatures"])
                )
                campaign = _required(tables.tables["campaigns"], made)
                await connection.execute(tables.tables["campaigns"].insert(), campaign)
                for number, (nonce, status) in enumerate((("p", "pending"), ("c", "confirmed"))):
                    row = _required(tables.tables["signatures"], made) | {"id": number + 1}
                    row |= {"campaign_id": campaign["id"], "status": status, "token_nonce": nonce}
                    row |= {"updated_at": relinked}
                    await connection.execute(tables.tables["signatures"].insert(), row)
        finally:
            await engine.dispose()

    run_async(fill)
    in_own_thread(lambda: upgrade(url))

    async def read() -> list[tuple[str, datetime | None]]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                query = "SELECT token_nonce, link_sent_at FROM signatures ORDER BY id"
                return [tuple(row) for row in await connection.exec_driver_sql(query)]
        finally:
            await engine.dispose()

    rows = run_async(read)
    assert [(nonce, sent and str(sent)[:19]) for nonce, sent in rows] == [
        ("p", "2026-11-06 00:00:00"),
        ("c", None),
    ]
    assert _diff_and_tables(url)[0] == []


def _required(table: Table, when: datetime) -> dict[str, object]:
    """A value for each column the table requires, by its type."""
    row: dict[str, object] = {"id": 1}
    for column in table.columns:
        if column.nullable or column.name in row:
            continue
        python_type = column.type.python_type
        values = {bool: False, int: 0, str: "x", datetime: when}
        row[column.name] = values[python_type]
    return row
