"""The decision log: one record per chat request, written off the request path, purged after the retention time."""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from datetime import datetime, timezone
from typing import Any

from ..pipeline import Result
from ..store import Store
from ..targets import Target
from .logs import log_decision
from .wire import ChatRequest

log = logging.getLogger("alu.server")

PURGE_EVERY_S = 3600.0


class DecisionLog:
    """Writes decisions to the store (and a log line each, alu.server.logs) from one background thread, off the
    request path, in batches; purges old ones.

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

    def depth(self) -> int:
        """Decisions waiting to be written."""
        return self._queue.qsize()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        last_purge = -math.inf  # purge once at start (time.monotonic() may be small after a boot), then hourly
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
                for decision_id, record in decisions:  # the log lines too: off the request path
                    log_decision(decision_id, record)
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


def decision_record(request: ChatRequest, result: Result, status: int, log_queries: bool) -> dict[str, Any]:
    """What the log keeps of one request: ids, counts and costs; the conversation and answer only with log_queries."""
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
    if log_queries:
        record["conversation"] = [m.as_message() for m in request.messages]
        record["answer"] = result.text
        record["trace"] = trace.to_dict()
    return record
