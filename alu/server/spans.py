"""OpenTelemetry spans of each request (`pip install 'alu[otel]'`, `alu serve --otel`): one span per request with a
child per pipeline step, sent to whatever tracer provider the process configures (the OpenTelemetry SDK's
environment variables, or `opentelemetry-instrument`). Attributes are ids, paths, reasons and counts: never user
text or target names, unless --log-queries is set."""

from __future__ import annotations

import time
from typing import Any

from ..errors import ConfigError
from ..pipeline import Result

TRACER = "alu"


def tracer() -> Any:
    """The OpenTelemetry tracer; ConfigError when the package is not installed."""
    try:
        from opentelemetry import trace
    except ImportError:
        raise ConfigError("--otel needs OpenTelemetry: pip install 'alu[otel]'") from None
    return trace.get_tracer(TRACER)


def emit(otel: Any, result: Result, status: int, log_queries: bool) -> None:
    """The request's span and a child span per step, timed from the trace (the steps ran one after the other)."""
    trace = result.trace
    end = time.time_ns()
    start = end - int(trace.total_s * 1e9)
    attributes: dict[str, Any] = {"alu.decision_id": trace.id, "alu.path": trace.path, "alu.reason": trace.reason,
                                  "alu.refused": result.refused, "http.status_code": status,
                                  "alu.candidates": len(trace.candidates), "alu.error": trace.error}
    if log_queries:
        attributes.update({"alu.answer": result.text, "alu.candidate_names": list(trace.candidates)})
    root = otel.start_span("alu.request", start_time=start, attributes=attributes)
    at = start
    for step in trace.steps:
        span = otel.start_span(f"alu.{step.agent}", context=_within(root), start_time=at, attributes={
            "alu.llm_calls": step.llm_calls, "alu.prompt_tokens": step.prompt_tokens,
            "alu.completion_tokens": step.completion_tokens})
        at += int(step.latency_s * 1e9)
        span.end(end_time=min(at, end))
    root.end(end_time=end)


def _within(span: Any) -> Any:
    from opentelemetry import trace

    return trace.set_span_in_context(span)
