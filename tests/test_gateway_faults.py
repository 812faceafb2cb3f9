"""The gateway's fault paths, in process (FastAPI's test client over the real app, routes and pipeline): a registry
that cannot be read, the failed-upstream decision, the decision log's retention purge."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from conftest import ScriptedModel, as_json, rate_all
from fastapi.testclient import TestClient

from alu.errors import ModelCallError, StoreError
from alu.prompts import default_prompts
from alu.server import Gateway, ServerSettings, create_app
from alu.server.decisions import DecisionLog
from alu.store import open_store
from alu.targets import Target

ADMIN = {"Authorization": "Bearer admin-key"}
QUESTION = {"model": "scripted", "messages": [{"role": "user", "content": "Who wrote the Harry Potter books?"}]}
LEAKY = "The Harry Potter books were written by J. K. Rowling, a British author."


class BreakableStore:
    """A real registry whose every call fails with the StoreError a lost database gives, once broken."""

    def __init__(self, store) -> None:
        self.store, self.broken = store, False

    def __getattr__(self, name: str):
        method = getattr(self.store, name)

        def call(*args, **kwargs):
            if self.broken and name != "close":
                raise StoreError("registry database error: disk I/O error")
            return method(*args, **kwargs)

        return call


@pytest.fixture
def registry(tmp_path):
    store = BreakableStore(open_store(str(tmp_path / "alu.db")))
    store.add(Target("J. K. Rowling"), reason="test")
    yield store
    store.store.close()


def client_for(store, model, **settings) -> TestClient:
    settings = ServerSettings(admin_key="admin-key", embeddings=False, **settings)
    return TestClient(create_app(settings, Gateway(settings, store=store, models={"scripted": model})))


def test_a_registry_that_cannot_be_read_fails_closed(registry):
    model = ScriptedModel(vanilla=LEAKY, smooth=as_json(text="The books were written by a British author."),
                          critic=rate_all(5))
    with client_for(registry, model, upstream_failure="502") as http:
        assert http.post("/v1/chat/completions", json=QUESTION).json()["choices"][0]["message"]["content"] == (
            "The books were written by a British author.")
        assert http.get("/ready").status_code == 200
        registry.broken = True
        response = http.post("/v1/chat/completions", json=QUESTION)  # the registry is synced before screening
        assert response.status_code == 200  # a registry fault is no upstream failure: the refusal, not a 502
        assert response.json()["choices"][0]["message"]["content"] == default_prompts().refusal
        streamed = http.post("/v1/chat/completions", json={**QUESTION, "stream": True})
        assert default_prompts().refusal.split()[0] in streamed.text and "Rowling" not in streamed.text
        ready = http.get("/ready")
        assert ready.status_code == 503 and ready.json()["error"]["code"] == "not_ready"
        admin = http.get("/v1/unlearning/targets", headers=ADMIN)
        assert admin.status_code == 503 and admin.json()["error"]["code"] == "registry_unavailable"
        assert "disk I/O" not in admin.text and "Rowling" not in admin.text


def test_only_a_failed_model_call_counts_as_an_upstream_failure(registry):
    model = ScriptedModel(vanilla=ModelCallError("model server answered HTTP 503"))
    with client_for(registry, model, upstream_failure="502") as http:
        response = http.post("/v1/chat/completions", json=QUESTION)
        assert response.status_code == 502 and response.json()["error"]["code"] == "upstream_error"
    broken = ScriptedModel(vanilla=LEAKY, smooth=RuntimeError("the agent crashed"), critic=RuntimeError("too"))
    with client_for(registry, broken, upstream_failure="502") as http:
        response = http.post("/v1/chat/completions", json=QUESTION)
        assert response.status_code == 200  # another fault: the refusal, as with the default setting
        assert response.json()["choices"][0]["message"]["content"] == default_prompts().refusal


def test_the_decision_log_purges_records_older_than_the_retention(tmp_path):
    path = tmp_path / "alu.db"
    with open_store(str(path)) as store:
        store.record_decisions([("old", {"path": "fast"}), ("new", {"path": "fast"})])
    old = (datetime.now(timezone.utc) - timedelta(days=40)).isoformat()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE decisions SET created_at = ? WHERE id = 'old'", (old,))
    with open_store(str(path)) as store:
        log = DecisionLog(store, retention_days=30)  # purges when it starts, then every hour
        log.record("newest", {"path": "rewrite"})
        log.flush()
        log.close()
        assert store.get_decision("old") is None
        assert store.get_decision("new") == {"path": "fast"} and store.get_decision("newest") == {"path": "rewrite"}
    with open_store(str(path)) as store:
        kept = DecisionLog(store, retention_days=0)  # 0: keep forever
        kept.close()
        assert json.dumps(store.get_decision("new")) == '{"path": "fast"}'
