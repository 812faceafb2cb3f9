"""The FastAPI application and `serve`: applications reach the governed model through alu by changing their
base_url. Every chat request goes through the whole pipeline; only the final, filtered answer leaves the server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from .. import __version__
from . import admin, logs, routes
from .auth import KeyCheck
from .errors import install_error_handlers
from .gateway import Gateway
from .limits import BodyLimit
from .settings import ServerSettings


def create_app(settings: ServerSettings, gateway: Gateway | None = None) -> FastAPI:
    """The FastAPI application; builds the gateway (store, models, pipeline) unless one is given."""
    gateway = gateway or Gateway(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await gateway.aclose()

    docs = {} if settings.api_docs else {"openapi_url": None, "docs_url": None, "redoc_url": None}
    app = FastAPI(title="alu", summary="OpenAI-compatible unlearning gateway", version=__version__,
                  lifespan=lifespan, **docs)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(KeyCheck, settings=settings)  # added last: runs first, before the body is read
    app.state.gateway = gateway
    install_error_handlers(app)
    for router in (routes.health, routes.openai, routes.admin, admin.router):
        app.include_router(router)
    return app


def serve(settings: ServerSettings) -> None:
    """Build the gateway, load the models, and serve until interrupted."""
    import uvicorn

    log_config = logs.configure(settings.log_format)
    gateway = Gateway(settings)
    gateway.warm_up()
    app = create_app(settings, gateway)
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", access_log=False,
                    log_config=log_config)
    finally:
        gateway.close()
