"""The gateway behind the HTTP routes: the served models, the pipeline, the registry and the decision log."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio

from ..config import PipelineConfig, preset
from ..errors import ConfigError, ModelCallError
from ..models import AsyncChatModel, ChatModel, LoadableModel, model_named
from ..pipeline import Result, Unlearner, check_input
from ..screening import persons
from ..store import Store, open_store
from ..trace import Trace
from . import spans
from .decisions import DecisionLog, decision_record
from .errors import ApiError
from .metrics import Metrics
from .settings import ServerSettings
from .wire import ChatRequest

log = logging.getLogger("alu.server")


class Gateway:
    """The models, the pipeline and the store behind the HTTP routes."""

    def __init__(self, settings: ServerSettings, store: Store | None = None,
                 models: dict[str, ChatModel] | None = None) -> None:
        """store and models, when given, replace the ones settings name (served name -> model object)."""
        self.settings = settings
        self.config: PipelineConfig = preset(settings.preset).with_overrides(**settings.pipeline)
        self.store = store if store is not None else open_store(settings.db)
        self.models: dict[str, ChatModel] = models or {
            name: model_named(settings.models, model_id) for name, model_id in settings.served_models().items()}
        default = next(iter(self.models.values()))
        agent_model = model_named(settings.models, settings.models.agent_model) if settings.models.agent_model \
            else default
        self.unlearner = Unlearner(store=self.store, model=default, agent_model=agent_model, config=self.config,
                                   embedder=settings.embeddings)
        self.limiter = anyio.CapacityLimiter(settings.threads)
        self.decision_store = self.store if store is not None else open_store(settings.db)
        self.decisions = DecisionLog(self.decision_store, settings.decision_retention_days)
        self.metrics = Metrics(lambda: len(self.unlearner.index), self._registry_version, self.decisions.depth)
        self.otel = spans.tracer() if settings.otel else None

    def close(self) -> None:
        self.decisions.close()
        for store in {id(s): s for s in (self.decision_store, self.store)}.values():
            store.close()

    async def aclose(self) -> None:
        """Close the models' async connections (in the event loop that opened them)."""
        for model in self._all_models():
            if isinstance(model, AsyncChatModel):
                await model.aclose()

    def _all_models(self) -> list[ChatModel]:
        return list({id(m): m for m in [*self.models.values(), self.unlearner.agent_model]}.values())

    def warm_up(self) -> None:
        """Load embedded models now rather than on the first request."""
        for model in self._all_models():
            if isinstance(model, LoadableModel):
                model.warm_up()
        if self.unlearner.index.embedder is not None:
            persons.load()

    def _registry_version(self) -> float:
        try:
            return float(self.store.version())
        except Exception:  # a scrape reports the store as unknown rather than failing
            return float("nan")

    def scrape(self) -> bytes:
        """The metrics, the registry synced first: its size is the registry's now, whichever worker answers."""
        try:
            self.unlearner.sync()
        except Exception:  # the scrape still answers; the version gauge reports the store as unknown
            log.exception("registry sync before a scrape failed")
        return self.metrics.render()

    def ready(self) -> bool:
        try:
            self.store.version()
        except Exception:
            log.exception("store not reachable")
            return False
        return True

    async def complete(self, request: ChatRequest) -> Result:
        """Run the pipeline for one chat request: the governed model's call in the event loop when it can be,
        screening too unless it would wait (alu.inline), the agents in a worker thread."""
        model, query, history, config = self._checked(request)
        try:
            return await self.unlearner.ask_async(query, history, config=config, model=model,
                                                  run_sync=self._run_sync)
        except ConfigError as exc:  # bad input: messages are written for end users and name no target
            raise ApiError(400, str(exc), param="messages") from None

    def stream(self, request: ChatRequest, trace: Trace) -> AsyncIterator[str | Result]:
        """The pipeline for a streamed request in --stream sentences: the pieces released as they pass, then the
        Result (Unlearner.stream_async). Bad input fails here, before the response starts."""
        model, query, history, config = self._checked(request)
        try:
            check_input(query, history, config)
        except ConfigError as exc:
            raise ApiError(400, str(exc), param="messages") from None
        return self.unlearner.stream_async(query, history, config=config, model=model, run_sync=self._run_sync,
                                           trace=trace)

    def _checked(self, request: ChatRequest) -> tuple[ChatModel, str, list, PipelineConfig]:
        """The served model, the question, the earlier turns and the settings of a request (ApiError if bad)."""
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
        asked = request.max_completion_tokens or request.max_tokens
        try:
            config = self.config.with_overrides(
                vanilla_temperature=request.temperature, seed=request.seed,
                max_tokens=min(asked, self.settings.max_completion_tokens) if asked else None,
            )
        except ConfigError as exc:
            raise ApiError(400, str(exc), param="messages") from None
        return model, messages[-1]["content"], messages[:-1], config

    async def _run_sync(self, func: Callable[..., Any], *args: Any) -> Any:
        return await anyio.to_thread.run_sync(func, *args, limiter=self.limiter)

    def log_decision(self, request: ChatRequest, result: Result, status: int) -> None:
        """Record the decision in the decision log and the metrics."""
        self.decisions.record(result.trace.id, decision_record(request, result, status, self.settings.log_queries))
        self.metrics.observe(result, status)
        if self.otel is not None:
            spans.emit(self.otel, result, status, self.settings.log_queries)

    def upstream_failed(self, result: Result) -> bool:
        """The refusal stands for a failed call of the governed model (not for a leak or another fault)."""
        return result.refused and isinstance(result.error, ModelCallError)
