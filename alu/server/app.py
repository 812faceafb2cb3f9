"""The FastAPI application and `serve`: applications reach the governed model through alu by changing their
base_url. Every chat request goes through the whole pipeline; only the final, filtered answer leaves the server."""

from __future__ import annotations

import base64
import os
import pickle
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from .. import __version__
from . import admin, logs, routes
from .auth import KeyCheck
from .errors import install_error_handlers
from .gateway import Gateway
from .limits import BodyLimit
from .metrics import MULTIPROCESS_DIR
from .settings import ServerSettings

WORKER_SETTINGS = "ALU_WORKER_SETTINGS"  # how serve() hands its settings to worker processes
# How long a thread may hold the GIL while another waits for it (Python's default: 5 ms). A request whose steps would
# wait hops between the event loop and worker threads (alu.inline), and every hop would wait that long on a busy
# process; 0.5 ms took 2-3 ms off the fast path's p50 at 64 clients when every request hopped
# (benchmarks/results/gateway_load.txt).
SWITCH_INTERVAL_S = 0.0005


def create_app(settings: ServerSettings, gateway: Gateway | None = None) -> FastAPI:
    """The FastAPI application; builds the gateway (store, models, pipeline) unless one is given, and then loads
    its models at startup and closes it at shutdown."""
    owned = gateway is None
    gateway = gateway or Gateway(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if owned:
            gateway.warm_up()
        yield
        await gateway.aclose()
        if owned:
            gateway.close()

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
    """Build the gateway, load the models, and serve until interrupted (in settings.workers processes)."""
    import uvicorn

    log_config = serving_process(settings)
    if settings.workers > 1:
        return serve_workers(settings, log_config)
    gateway = Gateway(settings)
    gateway.warm_up()
    app = create_app(settings, gateway)
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", access_log=False,
                    log_config=log_config)
    finally:
        gateway.close()


def serve_workers(settings: ServerSettings, log_config: dict) -> None:
    """uvicorn's worker processes on one socket, each building its own gateway (worker_app) from the settings this
    process hands them; their metrics meet in a directory of this run (prometheus-client's multiprocess mode)."""
    import uvicorn

    with tempfile.TemporaryDirectory(prefix="alu-metrics-") as metrics_dir:
        os.environ[MULTIPROCESS_DIR] = metrics_dir
        os.environ[WORKER_SETTINGS] = base64.b64encode(pickle.dumps(settings)).decode()
        uvicorn.run("alu.server.app:worker_app", factory=True, workers=settings.workers, host=settings.host,
                    port=settings.port, log_level="info", access_log=False, log_config=log_config)


def worker_app() -> FastAPI:
    """The application of one worker process of serve_workers."""
    settings: ServerSettings = pickle.loads(base64.b64decode(os.environ[WORKER_SETTINGS]))
    serving_process(settings)
    return create_app(settings)


def serving_process(settings: ServerSettings) -> dict:
    """Set up a process that serves: its log format and its GIL switch interval; returns uvicorn's log_config."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    return logs.configure(settings.log_format)
