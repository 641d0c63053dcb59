"""`signon serve` and `signon worker`."""

from __future__ import annotations

import asyncio
import signal

import click

from signon.cli.common import (
    open_keyring,
    read_settings,
    require_current_schema,
    require_mail,
    start_runtime,
)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="Web processes.")
@click.option(
    "--no-mail-worker", is_flag=True, help="Do not deliver mail in-process (run `signon worker`)."
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    help="Log each request (without client addresses or link tokens).",
)
def serve(host: str, port: int, workers: int, no_mail_worker: bool, access_log: bool) -> None:
    """Serve the web app (and, by default, deliver mail in the same process)."""
    import os

    import uvicorn

    settings = read_settings()
    require_current_schema(settings)
    require_mail(settings)
    open_keyring(settings)
    if no_mail_worker:
        os.environ["SIGNON_INLINE_WORKER"] = "0"
    if workers > 1 and not settings.redis_url:
        click.echo(
            f"warning: SIGNON_REDIS_URL is not set, so each of the {workers} processes keeps its "
            "own rate limits and single-use form tokens: every limit is that many times looser, "
            "and a sent form is accepted once by each process (see docs/DEPLOY.md)",
            err=True,
        )
    click.echo(
        f"Signon on http://{host}:{port}/ (database: {settings.database_url.split('://')[0]})"
    )
    uvicorn.run(
        "signon.asgi:create",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        proxy_headers=False,
        server_header=False,
        log_level="info",
    )


@click.command()
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
def worker(once: bool) -> None:
    """Deliver queued mail (for production with several app processes)."""
    from signon.worker import run_worker

    settings = read_settings()
    require_current_schema(settings)
    require_mail(settings)

    async def run() -> None:
        runtime = start_runtime(settings)
        try:
            if once:
                report = await runtime.mail_worker.drain()
                click.echo(f"sent {report.sent}, failed {report.failed}")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            await run_worker(runtime, stop)
        finally:
            await runtime.close()

    asyncio.run(run())
