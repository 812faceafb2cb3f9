"""Prometheus metrics of the gateway (GET /metrics, behind the admin key): what was answered, what was declined or
refused and why, and what it cost. Labels hold fixed words only (paths, steps, reasons, error classes): never user
text or a target name."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from ..pipeline import Result

SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
COUNTS = (0, 1, 2, 3, 4, 6, 8, 12, 16)
CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"  # set (by serve_workers): every worker process writes its values there


class RegistryGauges(Collector):
    """The registry's size and version, read when scraped (the same in every worker: they share the store)."""

    def __init__(self, size: Callable[[], float], version: Callable[[], float]) -> None:
        self.size, self.version = size, version

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily("alu_registry_targets", "Forget targets in the registry.", value=self.size())
        yield GaugeMetricFamily("alu_registry_version", "The registry's change sequence number.",
                                value=self.version())


class Metrics:
    """The gateway's counters, histograms and gauges, in a registry of their own (one per gateway). With several
    worker processes (MULTIPROCESS_DIR set), a scrape adds up the values every worker wrote there."""

    def __init__(self, registry_size: Callable[[], float], registry_version: Callable[[], float],
                 queue_depth: Callable[[], float]) -> None:
        self.shared = bool(os.environ.get(MULTIPROCESS_DIR))
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("alu_requests", "Chat requests by path (fast, rewrite, partial, refuse, incomplete "
                                "for a stream the client left (status 499), or invalid for one rejected with a 4xx) "
                                "and HTTP status.", ["path", "status"], registry=r)
        self.refusals = Counter("alu_refusals", "Refused requests by reason.", ["reason"], registry=r)
        self.faults = Counter("alu_faults", "Faults that ended in a refusal, by error class.", ["kind"], registry=r)
        self.request_seconds = Histogram("alu_request_seconds", "Seconds a chat request spent in the pipeline.",
                                         ["path"], buckets=SECONDS, registry=r)
        self.step_seconds = Histogram("alu_step_seconds", "Seconds of each pipeline step (vanilla: the governed "
                                      "model's call).", ["step"], buckets=SECONDS, registry=r)
        self.llm_calls = Histogram("alu_llm_calls_per_request", "LLM calls of one request, the governed model's "
                                   "included.", buckets=COUNTS, registry=r)
        self.tokens = Counter("alu_tokens", "Tokens of every LLM call, by kind (prompt, completion).", ["kind"],
                              registry=r)
        self.candidates = Histogram("alu_candidates_per_request", "Targets screening passed to the agents.",
                                    buckets=COUNTS, registry=r)
        self.registry_gauges = RegistryGauges(registry_size, registry_version)
        r.register(self.registry_gauges)
        self.queue_depth, self.read_queue_depth = Gauge(
            "alu_decision_queue_depth", "Decisions waiting to be written to the decision log (with several workers: "
            "their sum, as of each worker's latest request).", multiprocess_mode="livesum", registry=r), queue_depth
        if not self.shared:  # read when scraped; a worker's own queue is out of another worker's reach
            self.queue_depth.set_function(queue_depth)

    def observe(self, result: Result, status: int) -> None:
        """Count one answered chat request."""
        trace = result.trace
        self.requests.labels(trace.path, str(status)).inc()
        if trace.path == "refuse":
            self.refusals.labels(trace.reason).inc()
        if result.error is not None:
            self.faults.labels(result.error.__class__.__name__).inc()
        self.request_seconds.labels(trace.path).observe(trace.total_s)
        for step in trace.steps:
            self.step_seconds.labels(step.agent).observe(step.latency_s)
        self.llm_calls.observe(sum(step.llm_calls for step in trace.steps))
        self.tokens.labels("prompt").inc(sum(step.prompt_tokens for step in trace.steps))
        self.tokens.labels("completion").inc(sum(step.completion_tokens for step in trace.steps))
        self.candidates.observe(len(trace.candidates))
        if self.shared:
            self.queue_depth.set(self.read_queue_depth())

    def rejected(self, status: int) -> None:
        """Count a chat request rejected before the pipeline (bad input, unknown model)."""
        self.requests.labels("invalid", str(status)).inc()

    def render(self) -> bytes:
        if not self.shared:
            return generate_latest(self.registry)
        every_worker = CollectorRegistry()
        MultiProcessCollector(every_worker)
        every_worker.register(self.registry_gauges)
        return generate_latest(every_worker)
