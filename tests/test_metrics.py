"""GET /metrics: the gateway's Prometheus metrics, in process (FastAPI's test client over the real app and a real
SQLite registry; the governed model is scripted)."""

from __future__ import annotations

import re

from conftest import ScriptedModel, as_json, rate_all
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from alu.server import Gateway, ServerSettings, create_app
from alu.store import open_store
from alu.targets import Target

ADMIN = {"Authorization": "Bearer admin-key"}


def chat(http: TestClient, question: str, key: str = "user-key"):
    return http.post("/v1/chat/completions", headers={"Authorization": f"Bearer {key}"},
                     json={"model": "scripted", "messages": [{"role": "user", "content": question}]})


def samples(http: TestClient) -> dict[tuple[str, tuple], float]:
    response = http.get("/metrics", headers=ADMIN)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def test_metrics_count_a_fast_a_rewrite_a_partial_and_a_refused_request(tmp_path):
    store = open_store(str(tmp_path / "alu.db"))
    store.add(Target("J. K. Rowling"), reason="test")
    answers = {"What is the capital of France?": "Paris is the capital of France.",
               "Who wrote the Harry Potter books?": "The Harry Potter books were written by J. K. Rowling."}
    model = ScriptedModel(vanilla=lambda question: answers.get(question, "Paris is the capital of France."),
                          smooth=as_json(text="The Harry Potter books were written by someone."), critic=rate_all(5))
    settings = ServerSettings(admin_key="admin-key", user_keys=("user-key",), embeddings=False)
    with TestClient(create_app(settings, Gateway(settings, store=store, models={"scripted": model}))) as http:
        assert http.get("/metrics").status_code == 401 and http.get("/metrics", headers={
            "Authorization": "Bearer user-key"}).status_code == 403  # the operator's, not the end users'
        for question in ("What is the capital of France?", "Who wrote the Harry Potter books?",
                         "What is the capital of France? And where was J. K. Rowling born?",
                         "Tell me about J. K. Rowling."):
            assert chat(http, question).status_code == 200
        assert chat(http, "x", key="user-key").status_code == 200
        bad = http.post("/v1/chat/completions", headers={"Authorization": "Bearer user-key"},
                        json={"model": "nope", "messages": [{"role": "user", "content": "hi"}]})
        assert bad.status_code == 404
        found = samples(http)
    requests = {dict(labels)["path"]: value for (name, labels), value in found.items()
                if name == "alu_requests_total"}
    assert requests == {"fast": 2.0, "rewrite": 1.0, "partial": 1.0, "refuse": 1.0, "invalid": 1.0}
    assert found[("alu_refusals_total", (("reason", "the conversation names a forget target"),))] == 1.0
    assert found[("alu_registry_targets", ())] == 1.0 and found[("alu_registry_version", ())] >= 1.0
    assert found[("alu_llm_calls_per_request_count", ())] == 5.0
    assert found[("alu_llm_calls_per_request_sum", ())] == 1 + 3 + 1 + 0 + 1  # fast, rewrite, partial, refuse, fast
    assert found[("alu_step_seconds_count", (("step", "vanilla"),))] == 4.0  # the refusal called no model
    assert found[("alu_tokens_total", (("kind", "prompt"),))] == 10.0 * 6
    assert ("alu_decision_queue_depth", ()) in found
    store.close()


def test_metric_labels_never_carry_a_target_name_or_user_text(tmp_path):
    store = open_store(str(tmp_path / "alu.db"))
    store.add(Target("Zanzibar Quux"), reason="test")
    model = ScriptedModel(vanilla="Zanzibar Quux wrote it.", smooth=RuntimeError("down"))
    settings = ServerSettings(admin_key="admin-key", embeddings=False)
    with TestClient(create_app(settings, Gateway(settings, store=store, models={"scripted": model}))) as http:
        chat(http, "Who wrote the secret diary of Quux?")
        chat(http, "Tell me about Zanzibar Quux.")
        text = http.get("/metrics", headers=ADMIN).text
    assert not re.search(r"zanzibar|quux|diary", text, re.IGNORECASE)
    store.close()


def test_otel_spans_cover_each_step_and_carry_no_text_or_name(tmp_path):
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    store = open_store(str(tmp_path / "alu.db"))
    store.add(Target("Zanzibar Quux"), reason="test")
    model = ScriptedModel(vanilla="Zanzibar Quux wrote it.", smooth=as_json(text="Someone wrote it."),
                          critic=rate_all(5))
    settings = ServerSettings(admin_key="admin-key", embeddings=False, otel=True)
    with TestClient(create_app(settings, Gateway(settings, store=store, models={"scripted": model}))) as http:
        response = http.post("/v1/chat/completions", json={
            "model": "scripted", "messages": [{"role": "user", "content": "Who wrote the secret diary?"}]})
    spans = [s for s in exporter.get_finished_spans() if s.name.startswith("alu.")]
    assert [s.name for s in spans][-1] == "alu.request"
    assert {"alu.plan", "alu.vanilla", "alu.screen", "alu.erase"} <= {s.name for s in spans}
    root = spans[-1]
    assert root.attributes["alu.decision_id"] == response.headers["x-alu-decision-id"]
    assert root.attributes["alu.path"] == "rewrite"
    assert all(s.parent is not None and s.parent.span_id == root.context.span_id for s in spans[:-1])
    text = repr([(s.name, dict(s.attributes)) for s in spans])
    assert not re.search(r"zanzibar|quux|diary", text, re.IGNORECASE)
    store.close()
