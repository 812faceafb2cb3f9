"""OpenAI-compatible gateway: applications reach the governed model through alu by changing their base_url.

Every chat request goes through the whole pipeline in a worker thread; only the final, filtered answer leaves the
server (streamed or not). Targets and traces live in the store and are reachable only with the admin key.
"""

from __future__ import annotations

import hmac
import json
import logging
import queue
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

from .config import PipelineConfig, preset
from .errors import ConfigError, StoreError
from .models import DEFAULT_MODEL, ChatModel, Message, get_model
from .pipeline import Result, Unlearner
from .store import Store, open_store
from .targets import KINDS, Target

log = logging.getLogger("alu.server")

MAX_TOKENS_LIMIT = 32_768
PURGE_EVERY_S = 3600.0


@dataclass(frozen=True)
class ServerSettings:
    """Everything `alu serve` is configured with."""

    db: str | None = None  # store URL or SQLite path (None: the default SQLite file)
    model: str = DEFAULT_MODEL  # embedded model, or the upstream model id with upstream_url
    agent_model: str | None = None
    upstream_url: str | None = None
    upstream_api_key: str | None = None
    model_map: dict[str, str] = field(default_factory=dict)  # client model name -> upstream (or embedded) model
    preset: str = "default"
    admin_key: str | None = None
    api_keys: tuple[str, ...] = ()
    log_queries: bool = False
    decision_retention_days: float = 30.0
    upstream_failure: Literal["refuse", "502"] = "refuse"
    max_body_bytes: int = 1_000_000
    max_messages: int = 256
    threads: int = 64
    embeddings: bool = True

    def served_models(self) -> dict[str, str]:
        """Client-visible model name -> the model actually called."""
        return dict(self.model_map) if self.model_map else {self.model: self.model}


# --- errors ----------------------------------------------------------------------------------------------------
class ApiError(Exception):
    """An error answered in the OpenAI format."""

    def __init__(self, status: int, message: str, type_: str = "invalid_request_error", code: str | None = None,
                 param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = status, message, type_, code, param


_ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                404: "not_found_error", 413: "invalid_request_error", 429: "rate_limit_error"}


def error_response(error: ApiError, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"message": error.message, "type": error.type, "param": error.param, "code": error.code}}
    return JSONResponse(body, status_code=error.status, headers=headers)


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc)


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    messages = {404: "no such route", 405: "method not allowed", 413: "the request body is too large"}
    message = messages.get(exc.status_code, "invalid request")
    code = "request_too_large" if exc.status_code == 413 else None
    return error_response(ApiError(exc.status_code, message, _ERROR_TYPES.get(exc.status_code, "server_error"), code),
                          headers=getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's own validation errors in the OpenAI format; the input is never echoed."""
    first = exc.errors()[0]
    if first.get("type") == "json_invalid":
        return error_response(ApiError(400, "the request body is not valid JSON", code="invalid_json"))
    path = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    message = f"{path}: {first.get('msg', 'invalid value')}" if path else str(first.get("msg", "invalid request"))
    return error_response(ApiError(400, message, param=path or None))


async def _config_error(request: Request, exc: ConfigError) -> JSONResponse:
    """Bad input found by the library; its messages are written for end users and name no target."""
    return error_response(ApiError(400, str(exc)))


async def _store_error(request: Request, exc: StoreError) -> JSONResponse:
    log.error("registry: %s", exc)
    return error_response(ApiError(503, "the registry is not reachable", "server_error", "registry_unavailable"))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error")
    return error_response(ApiError(500, "internal error", "server_error"))


class BodyLimit:
    """ASGI middleware: a request body over the limit (declared or streamed) gets a 413 in the OpenAI format."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            response = error_response(ApiError(413, "the request body is too large", code="request_too_large"))
            return await response(scope, receive, send)
        received = 0

        async def limited() -> AsgiMessage:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise HTTPException(413)  # read inside a route: answered by _http_error
            return message

        await self.app(scope, limited, send)


# --- request and response bodies ---------------------------------------------------------------------------------
class TextPart(BaseModel):
    type: Literal["text"]
    text: str


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[TextPart]
    name: str | None = None

    def as_message(self) -> Message:
        text = self.content if isinstance(self.content, str) else "".join(p.text for p in self.content)
        return {"role": "system" if self.role == "developer" else self.role, "content": text}


class StreamOptions(BaseModel):
    include_usage: bool = False


class ChatRequest(BaseModel):
    """The OpenAI chat request; other OpenAI fields are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    max_tokens: int | None = Field(default=None, ge=1, le=MAX_TOKENS_LIMIT)
    max_completion_tokens: int | None = Field(default=None, ge=1, le=MAX_TOKENS_LIMIT)
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)
    n: int = Field(default=1, ge=1, le=1)


class TargetIn(BaseModel):
    name: str = Field(min_length=1, max_length=500)
    aliases: list[str] = Field(default_factory=list, max_length=100)
    kind: Literal[KINDS] = "person"  # type: ignore[valid-type]
    description: str = Field(default="", max_length=5000)
    reason: str = Field(default="", max_length=2000)
    requester: str = Field(default="", max_length=500)


# --- the gateway ---------------------------------------------------------------------------------------------------
class DecisionLog:
    """Writes decisions to the store from one background thread, off the request path, in batches; purges old ones.

    Give it its own store connection: then its commits never hold up the registry reads of requests.
    """

    def __init__(self, store: Store, retention_days: float) -> None:
        self.store, self.retention_days = store, retention_days
        self._queue: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="alu-decisions", daemon=True)
        self._thread.start()

    def record(self, decision_id: str, record: dict[str, Any]) -> None:
        self._queue.put((decision_id, record))

    def flush(self) -> None:
        self._queue.join()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        last_purge = 0.0
        while True:
            if self.retention_days > 0 and time.monotonic() - last_purge > PURGE_EVERY_S:
                self._safely(self.store.purge_decisions, self.retention_days)
                last_purge = time.monotonic()
            try:
                batch = [self._queue.get(timeout=PURGE_EVERY_S)]
            except queue.Empty:
                continue
            while True:  # everything queued meanwhile goes in the same transaction: one commit per batch
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            decisions = [item for item in batch if item is not None]
            if decisions:
                self._safely(self.store.record_decisions, decisions)
            for _ in batch:
                self._queue.task_done()
            if len(decisions) < len(batch):
                return

    @staticmethod
    def _safely(func, *args) -> None:
        try:
            func(*args)
        except Exception:  # a lost log line must not stop the logger
            log.exception("decision log: %s failed", func.__name__)


class Gateway:
    """The models, the pipeline and the store behind the HTTP routes."""

    def __init__(self, settings: ServerSettings, store: Store | None = None) -> None:
        self.settings = settings
        self.config: PipelineConfig = preset(settings.preset)
        self.store = store if store is not None else open_store(settings.db)
        self.models: dict[str, ChatModel] = {}
        for name, model_id in settings.served_models().items():
            self.models[name] = self._model(model_id)
        default = next(iter(self.models.values()))
        agent_model = self._model(settings.agent_model) if settings.agent_model else default
        self.unlearner = Unlearner(store=self.store, model=default, agent_model=agent_model, config=self.config,
                                   embedder=settings.embeddings)
        self.limiter = anyio.CapacityLimiter(settings.threads)
        self.decision_store = self.store if store is not None else open_store(settings.db)
        self.decisions = DecisionLog(self.decision_store, settings.decision_retention_days)

    def close(self) -> None:
        self.decisions.close()
        for store in {id(s): s for s in (self.decision_store, self.store)}.values():
            store.close()

    async def aclose(self) -> None:
        """Close the models' async connections (in the event loop that opened them)."""
        for model in self._all_models():
            aclose = getattr(model, "aclose", None)
            if aclose is not None:
                await aclose()

    def _all_models(self) -> list[ChatModel]:
        return list({id(m): m for m in [*self.models.values(), self.unlearner.agent_model]}.values())

    def _model(self, model_id: str) -> ChatModel:
        return get_model(model_id, base_url=self.settings.upstream_url, api_key=self.settings.upstream_api_key)

    def warm_up(self) -> None:
        """Load embedded models now rather than on the first request."""
        for model in self._all_models():
            loader = getattr(model, "_llama", None)
            if loader is not None:
                loader()

    def ready(self) -> bool:
        try:
            self.store.version()
        except Exception:
            log.exception("store not reachable")
            return False
        return True

    async def complete(self, request: ChatRequest) -> Result:
        """Run the pipeline for one chat request: the governed model's call in the event loop when it can be,
        screening and the agents in a worker thread."""
        model = self.models.get(request.model)
        if model is None:
            raise ApiError(404, "the model does not exist; GET /v1/models lists the available models",
                           "not_found_error", "model_not_found", "model")
        if len(request.messages) > self.settings.max_messages:
            raise ApiError(400, f"too many messages (at most {self.settings.max_messages})",
                           code="context_length_exceeded", param="messages")
        messages = [m.as_message() for m in request.messages]
        if messages[-1]["role"] != "user":
            raise ApiError(400, "the last message must come from the user", param="messages")
        try:
            config = self.config.with_overrides(
                vanilla_temperature=request.temperature, seed=request.seed,
                max_tokens=request.max_completion_tokens or request.max_tokens,
            )
            return await self.unlearner.ask_async(messages[-1]["content"], messages[:-1], config=config, model=model,
                                                  run_sync=self._run_sync)
        except ConfigError as exc:  # bad input: messages are written for end users and name no target
            raise ApiError(400, str(exc), param="messages") from None

    async def _run_sync(self, func: Callable[..., Any], *args: Any) -> Any:
        return await anyio.to_thread.run_sync(func, *args, limiter=self.limiter)

    def log_decision(self, request: ChatRequest, result: Result, status: int) -> None:
        trace = result.trace
        record: dict[str, Any] = {
            "at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "model": request.model,
            "stream": request.stream,
            "status": status,
            "path": trace.path,
            "reason": trace.reason,
            "refused": result.refused,
            "candidates": [Target(name=name).id for name in trace.candidates],  # the trace holds names
            "detected": [Target(name=name).id for name in trace.detected],
            "error": trace.error,
            "latency_ms": round(trace.total_s * 1000, 2),
            "messages": len(request.messages),
            "steps": [
                {"agent": s.agent, "latency_ms": round(s.latency_s * 1000, 2), "llm_calls": s.llm_calls,
                 "prompt_tokens": s.prompt_tokens, "completion_tokens": s.completion_tokens,
                 **{key: value for key, value in s.detail.items() if type(value) is int}}  # counts, never text
                for s in trace.steps
            ],
        }
        if self.settings.log_queries:
            record["conversation"] = [m.as_message() for m in request.messages]
            record["answer"] = result.text
            record["trace"] = trace.to_dict()
        self.decisions.record(trace.id, record)

    def upstream_failed(self, result: Result) -> bool:
        return result.refused and result.trace.reason == "fault" and result.trace.error.startswith("ModelCallError")


# --- authentication ----------------------------------------------------------------------------------------------
def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _matches(token: str | None, keys: list[str]) -> bool:
    return token is not None and any(hmac.compare_digest(token.encode(), key.encode()) for key in keys)


def _gateway(request: Request) -> Gateway:
    return request.app.state.gateway


async def user_key(request: Request) -> None:
    """End users may chat and list models; with no user key configured the chat API is open. (async: no thread
    hop for a check that never blocks)"""
    settings = _gateway(request).settings
    if not settings.api_keys:
        return
    if not _matches(_bearer(request), [*settings.api_keys, *([settings.admin_key] if settings.admin_key else [])]):
        raise ApiError(401, "missing or invalid API key", "authentication_error", "invalid_api_key")


async def admin_key(request: Request) -> None:
    """The admin API needs the admin key; a user key is refused."""
    settings = _gateway(request).settings
    if not settings.admin_key:
        raise ApiError(403, "the admin API is disabled (no admin key configured)", "permission_error")
    token = _bearer(request)
    if _matches(token, [settings.admin_key]):
        return
    if _matches(token, list(settings.api_keys)):
        raise ApiError(403, "this key may not use the admin API", "permission_error", "insufficient_permissions")
    raise ApiError(401, "missing or invalid admin key", "authentication_error", "invalid_api_key")


# --- responses -----------------------------------------------------------------------------------------------------
def _usage(result: Result) -> dict[str, int]:
    prompt = sum(s.prompt_tokens for s in result.trace.steps)
    completion = sum(s.completion_tokens for s in result.trace.steps)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def completion_body(request: ChatRequest, result: Result, created: int) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{result.trace.id}",
        "object": "chat.completion",
        "created": created,
        "model": request.model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": result.text}, "finish_reason": "stop",
                     "logprobs": None}],
        "usage": _usage(result),
        "alu_decision_id": result.trace.id,
    }


def _pieces(text: str, size: int = 24) -> Iterator[str]:
    """The answer in small pieces at word boundaries."""
    piece = ""
    for word in re.findall(r"\S+\s*|\s+", text):
        piece += word
        if len(piece) >= size:
            yield piece
            piece = ""
    if piece:
        yield piece


def stream_events(request: ChatRequest, result: Result, created: int) -> Iterator[str]:
    """Server-sent events of an answer that has already passed the whole pipeline."""

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        body = {"id": f"chatcmpl-{result.trace.id}", "object": "chat.completion.chunk", "created": created,
                "model": request.model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish,
                                                     "logprobs": None}],
                "alu_decision_id": result.trace.id, **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    for piece in _pieces(result.text):
        yield chunk({"content": piece})
    yield chunk({}, "stop")
    if request.stream_options and request.stream_options.include_usage:
        body = {"id": f"chatcmpl-{result.trace.id}", "object": "chat.completion.chunk", "created": created,
                "model": request.model, "choices": [], "usage": _usage(result), "alu_decision_id": result.trace.id}
        yield f"data: {json.dumps(body)}\n\n"
    yield "data: [DONE]\n\n"


# --- the application -----------------------------------------------------------------------------------------------
def create_app(settings: ServerSettings, gateway: Gateway | None = None) -> FastAPI:
    """The FastAPI application; builds the gateway (store, models, pipeline) unless one is given."""
    gateway = gateway or Gateway(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await gateway.aclose()

    app = FastAPI(title="alu", summary="OpenAI-compatible unlearning gateway", version="0.1.0", lifespan=lifespan)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.state.gateway = gateway
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ConfigError, _config_error)
    app.add_exception_handler(StoreError, _store_error)
    app.add_exception_handler(Exception, _unexpected_error)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/ready", tags=["health"])
    def ready() -> JSONResponse:
        """Readiness: models loaded and store reachable."""
        if not gateway.ready():
            return error_response(ApiError(503, "the store is not reachable", "server_error", "not_ready"))
        return JSONResponse({"status": "ready"})

    @app.get("/v1/models", dependencies=[Depends(user_key)], tags=["openai"])
    def list_models() -> dict[str, Any]:
        data = [{"id": name, "object": "model", "created": 0, "owned_by": "alu"} for name in gateway.models]
        return {"object": "list", "data": data}

    @app.post("/v1/chat/completions", dependencies=[Depends(user_key)], tags=["openai"])
    async def chat_completions(body: ChatRequest):
        result = await gateway.complete(body)
        headers = {"x-alu-decision-id": result.trace.id}
        if settings.upstream_failure == "502" and gateway.upstream_failed(result):
            gateway.log_decision(body, result, 502)
            return error_response(ApiError(502, "the upstream model failed", "server_error", "upstream_error"),
                                  headers=headers)
        gateway.log_decision(body, result, 200)
        created = int(time.time())
        if body.stream:
            return StreamingResponse(stream_events(body, result, created), media_type="text/event-stream",
                                     headers={**headers, "cache-control": "no-cache"})
        return JSONResponse(completion_body(body, result, created), headers=headers)

    admin = [Depends(admin_key)]

    @app.get("/v1/unlearning/targets", dependencies=admin, tags=["admin"])
    def list_targets(include_removed: bool = False) -> dict[str, Any]:
        return {"object": "list", "data": [r.to_dict() for r in gateway.store.list(include_removed)]}

    @app.post("/v1/unlearning/targets", dependencies=admin, status_code=201, tags=["admin"])
    def add_target(body: TargetIn) -> dict[str, Any]:
        target = Target(name=body.name, aliases=tuple(body.aliases), kind=body.kind, description=body.description)
        record = gateway.store.add(target, reason=body.reason, requester=body.requester, actor="admin-api")
        return record.to_dict()

    @app.get("/v1/unlearning/targets/{target_id}", dependencies=admin, tags=["admin"])
    def get_target(target_id: str) -> dict[str, Any]:
        record = gateway.store.get(target_id)
        if record is None:
            raise ApiError(404, "no such target", "not_found_error", "target_not_found")
        return record.to_dict()

    @app.delete("/v1/unlearning/targets/{target_id}", dependencies=admin, tags=["admin"])
    def remove_target(target_id: str, reason: str = "") -> dict[str, Any]:
        try:
            gateway.store.remove(target_id, reason=reason, actor="admin-api")
        except ConfigError:
            raise ApiError(404, "no such target", "not_found_error", "target_not_found") from None
        return {"id": target_id, "removed": True}

    @app.get("/v1/unlearning/targets/{target_id}/history", dependencies=admin, tags=["admin"])
    def target_history(target_id: str) -> dict[str, Any]:
        return {"object": "list", "data": [c.to_dict() for c in gateway.store.history(target_id)]}

    @app.get("/v1/unlearning/history", dependencies=admin, tags=["admin"])
    def history() -> dict[str, Any]:
        return {"object": "list", "data": [c.to_dict() for c in gateway.store.history()]}

    @app.get("/v1/unlearning/decisions/{decision_id}", dependencies=admin, tags=["admin"])
    def get_decision(decision_id: str) -> dict[str, Any]:
        gateway.decisions.flush()
        record = gateway.store.get_decision(decision_id)
        if record is None:
            raise ApiError(404, "no such decision", "not_found_error", "decision_not_found")
        return {"id": decision_id, **record}

    return app


def serve(settings: ServerSettings, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Build the gateway, load the models, and serve until interrupted."""
    import uvicorn

    gateway = Gateway(settings)
    gateway.warm_up()
    app = create_app(settings, gateway)
    try:
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
    finally:
        gateway.close()
