"""create_app(settings) -> Litestar: wiring only."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from signon.runtime import Runtime
from signon.settings import Settings
from signon.web.admin.auth import AuthController, provide_organizer
from signon.web.admin.campaigns import CampaignAdminController
from signon.web.admin.moderation import ModerationController
from signon.web.admin.texts import TextsAdminController
from signon.web.admin.updates import UpdatesController
from signon.web.admin.users import UsersController
from signon.web.api import ApiController, campaign_counts
from signon.web.dev import DevMailboxController
from signon.web.embeds import EmbedController
from signon.web.errors import NO_CSRF, exception_handlers
from signon.web.languages import configure_templates
from signon.web.letter import LetterController
from signon.web.manage import ManageController
from signon.web.public import PublicController
from signon.web.qrcodes import QrCodeController
from signon.web.security import SecurityHeaders
from signon.web.stencil import RenderCache
from signon.worker import run_worker


def provide_runtime(state: State) -> Runtime:
    return state.runtime


def create_app(settings: Settings) -> Litestar:
    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        runtime = Runtime.start(settings)
        app.state.runtime = runtime
        app.state.renders = RenderCache()
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
        LetterController,
        QrCodeController,
        EmbedController,
        ManageController,
        ApiController,
        campaign_counts,
        create_static_files_router(
            path="/static", directories=[settings.static_dir], name="static", opt=NO_CSRF
        ),
        AuthController,
        CampaignAdminController,
        TextsAdminController,
        ModerationController,
        UpdatesController,
        UsersController,
    ]
    if settings.dev:
        handlers.append(DevMailboxController)

    return Litestar(
        route_handlers=handlers,
        lifespan=[lifespan],
        template_config=TemplateConfig(
            directory=settings.templates_dir,
            engine=JinjaTemplateEngine,
            engine_callback=lambda engine: configure_templates(engine.engine, dev=settings.dev),
        ),
        dependencies={
            "runtime": Provide(provide_runtime, sync_to_thread=False),
            "organizer": Provide(provide_organizer),
        },
        # Only the organizers' pages use cookies; their forms carry a CSRF token. The public
        # pages set no cookie at all and opt out (see NO_CSRF).
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="signon_csrf",
            cookie_path="/admin",
            cookie_secure=settings.base_url.startswith("https://"),
            cookie_httponly=True,
            cookie_samesite="strict",
        ),
        exception_handlers=exception_handlers(),
        before_send=[SecurityHeaders(settings.trusted_proxies)],
        request_max_body_size=settings.max_body_bytes,
        openapi_config=None,
        debug=False,
    )
