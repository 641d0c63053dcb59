"""PostgreSQL's pooled connections are checked only after sitting idle, and one the server
dropped meanwhile is replaced rather than failing the request that takes it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from signon.db import engine as engine_module
from signon.db.engine import create_engine
from tests.conftest import Backend

pytestmark = pytest.mark.anyio

PID = text("SELECT pg_backend_pid()")


@pytest.fixture
def postgres_url(backend: Backend, database_url: str) -> str:
    if backend.name != "postgresql":
        pytest.skip("SQLite has no pooled server connections")
    return database_url


async def test_a_connection_the_server_dropped_while_idle_is_replaced(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    engine = create_engine(postgres_url, pool_size=1)
    killer = create_async_engine(postgres_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            dropped = await connection.scalar(PID)
        async with killer.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})

        async with engine.connect() as connection:
            assert await connection.scalar(PID) != dropped
    finally:
        await engine.dispose()
        await killer.dispose()


@pytest.mark.parametrize(("idle_seconds", "pings"), [(60.0, 0), (0.0, 2)])
async def test_only_a_connection_idle_for_a_while_is_pinged(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, idle_seconds: float, pings: int
) -> None:
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", idle_seconds)
    engine = create_engine(postgres_url, pool_size=1)
    pinged: list[object] = []
    do_ping = engine.dialect.do_ping

    def counting_ping(dbapi_connection: Any) -> bool:
        pinged.append(dbapi_connection)
        return do_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counting_ping)
    try:
        for _ in range(3):  # a new connection is not pinged; the two checkouts after it may be
            async with engine.connect() as connection:
                await connection.scalar(PID)
        assert len(pinged) == pings
    finally:
        await engine.dispose()
