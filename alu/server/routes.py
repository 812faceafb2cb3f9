"""The HTTP routes: health, the OpenAI chat API, and the admin API over the registry and the decision log."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from ..errors import ConfigError
from ..targets import Target
from ..trace import Trace
from .auth import gateway_of
from .errors import ApiError, error_response, not_found
from .gateway import Gateway
from .metrics import CONTENT_TYPE
from .wire import ChatRequest, TargetIn, completion_body, sentence_events, stream_events


async def _gateway(request: Request) -> Gateway:
    """The app's gateway, as a dependency: async, so FastAPI calls it on the event loop (it would run a plain
    function in a worker thread, a thread hop on every request)."""
    return gateway_of(request)


GatewayDep = Annotated[Gateway, Depends(_gateway)]

health = APIRouter(tags=["health"])
openai = APIRouter(prefix="/v1", tags=["openai"])  # keys: see alu.server.auth.KeyCheck
admin = APIRouter(prefix="/v1/unlearning", tags=["admin"])


@health.get("/health")
def alive() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@health.get("/ready")
def ready(gateway: GatewayDep) -> JSONResponse:
    """Readiness: models loaded and store reachable."""
    if not gateway.ready():
        return error_response(ApiError(503, "the store is not reachable", "server_error", "not_ready"))
    return JSONResponse({"status": "ready"})


@health.get("/metrics")
def metrics(gateway: GatewayDep) -> Response:
    """Prometheus metrics (behind the admin key)."""
    return Response(gateway.scrape(), media_type=CONTENT_TYPE)


@openai.get("/models")
def list_models(gateway: GatewayDep) -> dict[str, Any]:
    data = [{"id": name, "object": "model", "created": 0, "owned_by": "alu"} for name in gateway.models]
    return {"object": "list", "data": data}


@openai.post("/chat/completions")
async def chat_completions(body: ChatRequest, gateway: GatewayDep):
    created = int(time.time())
    try:
        if body.stream and gateway.settings.stream == "sentences":
            trace = Trace()
            pieces = gateway.stream(body, trace)
            events = sentence_events(body, trace, pieces, created,
                                     lambda result, status: gateway.log_decision(body, result, status))
            return StreamingResponse(events, media_type="text/event-stream",
                                     headers={"x-alu-decision-id": trace.id, "cache-control": "no-cache"})
        result = await gateway.complete(body)
    except ApiError as exc:
        gateway.metrics.rejected(exc.status)
        raise
    headers = {"x-alu-decision-id": result.trace.id}
    if gateway.settings.upstream_failure == "502" and gateway.upstream_failed(result):
        gateway.log_decision(body, result, 502)
        return error_response(ApiError(502, "the upstream model failed", "server_error", "upstream_error"),
                              headers=headers)
    gateway.log_decision(body, result, 200)
    if body.stream:
        return StreamingResponse(stream_events(body, result, created), media_type="text/event-stream",
                                 headers={**headers, "cache-control": "no-cache"})
    return JSONResponse(completion_body(body, result, created), headers=headers)


@admin.get("/targets")
def list_targets(gateway: GatewayDep, include_removed: bool = False) -> dict[str, Any]:
    return {"object": "list", "data": [r.to_dict() for r in gateway.store.list(include_removed)]}


@admin.post("/targets", status_code=201)
def add_target(body: TargetIn, gateway: GatewayDep) -> dict[str, Any]:
    target = Target(name=body.name, aliases=tuple(body.aliases), kind=body.kind, description=body.description,
                    knowledge=tuple(body.knowledge))
    record = gateway.store.add(target, reason=body.reason, requester=body.requester, actor="admin-api")
    return record.to_dict()


# Ids may hold any character, "/" included ("AC/DC"): the id is the rest of the path. The history route comes
# first, so an id's history is /targets/{id}/history.
@admin.get("/targets/{target_id:path}/history")
def target_history(target_id: str, gateway: GatewayDep) -> dict[str, Any]:
    return {"object": "list", "data": [c.to_dict() for c in gateway.store.history(target_id)]}


@admin.get("/targets/{target_id:path}")
def get_target(target_id: str, gateway: GatewayDep) -> dict[str, Any]:
    record = gateway.store.get(target_id)
    if record is None:
        raise not_found("target")
    return record.to_dict()


@admin.delete("/targets/{target_id:path}")
def remove_target(target_id: str, gateway: GatewayDep, reason: str = "") -> dict[str, Any]:
    try:
        gateway.store.remove(target_id, reason=reason, actor="admin-api")
    except ConfigError:
        raise not_found("target") from None
    return {"id": target_id, "removed": True}


@admin.get("/history")
def history(gateway: GatewayDep) -> dict[str, Any]:
    return {"object": "list", "data": [c.to_dict() for c in gateway.store.history()]}


@admin.get("/decisions/{decision_id}")
def get_decision(decision_id: str, gateway: GatewayDep) -> dict[str, Any]:
    gateway.decisions.flush()
    record = gateway.store.get_decision(decision_id)
    if record is None:
        raise not_found("decision")
    return {"id": decision_id, **record}
