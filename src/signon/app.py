"""create_app(settings) -> Litestar: wiring only."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from signon.runtime import Runtime
from signon.settings import Settings
from signon.web.api import ApiController
from signon.web.dev import DevMailboxController
from signon.web.errors import exception_handlers
from signon.web.manage import ManageController
from signon.web.public import PublicController
from signon.web.security import SecurityHeaders
from signon.worker import run_worker


def provide_runtime(state: State) -> Runtime:
    return state.runtime


def create_app(settings: Settings) -> Litestar:
    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        runtime = Runtime.start(settings)
        app.state.runtime = runtime
        stop = asyncio.Event()
        worker = None
        if settings.inline_worker:
            worker = asyncio.create_task(run_worker(runtime, stop))
        try:
            yield
        finally:
            stop.set()
            if worker is not None:
                await worker
            await runtime.close()

    handlers: list = [
        PublicController,
        ManageController,
        ApiController,
        create_static_files_router(
            path="/static", directories=[settings.static_dir], name="static"
        ),
    ]
    if settings.dev:
        handlers.append(DevMailboxController)

    return Litestar(
        route_handlers=handlers,
        lifespan=[lifespan],
        dependencies={"runtime": Provide(provide_runtime, sync_to_thread=False)},
        template_config=TemplateConfig(
            directory=settings.templates_dir, engine=JinjaTemplateEngine
        ),
        exception_handlers=exception_handlers(),
        before_send=[SecurityHeaders(settings.trusted_proxies)],
        request_max_body_size=settings.max_body_bytes,
        openapi_config=None,
        debug=False,
    )
