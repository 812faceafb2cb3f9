"""`alu serve` deployments: two processes sharing one PostgreSQL registry, and the embedded local model."""

from __future__ import annotations

import asyncio
import json
import os
import re
import uuid
from pathlib import Path

import httpx
import openai
import pytest
from conftest import require
from server_helpers import ADMIN_KEY, control, start_fake_upstream, start_gateway

from alu.prompts import default_prompts

REFUSAL = default_prompts().refusal

pytestmark = pytest.mark.server


def _pg_url() -> str:
    url = os.environ.get("ALU_TEST_PG_URL")
    require(bool(url), "PostgreSQL ($ALU_TEST_PG_URL; .ci/run sources .ci/postgres.sh)")
    return url


def _answer(base_url: str, question: str) -> str:
    sdk = openai.OpenAI(base_url=base_url + "/v1", api_key="unused", max_retries=0, timeout=120)
    completion = sdk.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": question}])
    return completion.choices[0].message.content


def test_two_servers_share_one_postgresql_registry(tmp_path):
    url = _pg_url()
    name = f"Quentin Zabriskie{uuid.uuid4().hex[:6]}"
    upstream = start_fake_upstream(tmp_path)
    servers = []
    try:
        control(upstream, rules=[["quux", f"The quux engine was designed by {name} in Oslo."]])
        options = ("--db", url, "--base-url", upstream.url + "/v1", "--model", "gpt-test", "--no-embeddings")
        servers = [start_gateway(tmp_path, *options, env={"ALU_ADMIN_KEY": ADMIN_KEY}) for _ in range(2)]
        first, second = servers
        assert name in _answer(second.url, "Who designed the quux engine?")
        admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
        added = httpx.post(first.url + "/v1/unlearning/targets", headers=admin, json={"name": name})
        assert added.status_code == 201, added.text
        target_id = added.json()["id"]
        try:
            answer = _answer(second.url, "Who designed the quux engine?")
            assert name.split()[-1] not in answer and "Oslo" in answer
            assert _answer(second.url, f"Tell me about {name}.") == REFUSAL
        finally:
            removed = httpx.delete(f"{second.url}/v1/unlearning/targets/{target_id}", headers=admin)
            assert removed.status_code == 200
        assert name in _answer(first.url, "Who designed the quux engine?")
    finally:
        for process in (*servers, upstream):
            process.stop()


def _workers(pid: int) -> list[int]:
    """The worker processes uvicorn started under pid (its spawned children)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def _counted(metrics: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines() if line.startswith("alu_requests_total"))


def test_worker_processes_share_the_registry_and_every_scrape_adds_up_all_of_them(tmp_path):
    name = "Quentin Zabriskie"
    upstream = start_fake_upstream(tmp_path)
    control(upstream, rules=[["quux", f"The quux engine was designed by {name} in Oslo."]], latency_ms=200)
    server = start_gateway(tmp_path, "--workers", "2", "--db", str(tmp_path / "alu.db"), "--base-url",
                           upstream.url + "/v1", "--model", "gpt-test", "--no-embeddings",
                           env={"ALU_ADMIN_KEY": ADMIN_KEY})
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    try:
        assert len(_workers(server.proc.pid)) == 2
        added = httpx.post(server.url + "/v1/unlearning/targets", headers=admin, json={"name": name})
        assert added.status_code == 201, added.text

        async def ask_many() -> list[str]:
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:  # a connection each: both workers
                replies = await asyncio.gather(*(http.post("/v1/chat/completions", headers={"Connection": "close"},
                    json={"model": "gpt-test", "messages": [{"role": "user", "content": question}]})
                    for question in ["Who designed the quux engine?", f"Tell me about {name}."] * 12))
            return [reply.json()["choices"][0]["message"]["content"] for reply in replies]

        answers = asyncio.run(ask_many())
        assert all("Zabriskie" not in answer for answer in answers)
        assert answers[0::2] == [answers[0]] * 12 and "Oslo" in answers[0] and answers[1::2] == [REFUSAL] * 12
        for _ in range(6):  # whichever worker answers the scrape reports both
            scraped = httpx.get(server.url + "/metrics", headers=admin).text
            assert _counted(scraped) == 24 and "alu_registry_targets 1.0" in scraped
            assert "alu_decision_queue_depth" in scraped
    finally:
        for process in (server, upstream):
            process.stop()


@pytest.mark.model
def test_embedded_model_end_to_end(tmp_path):
    """The default deployment: no upstream, the embedded GGUF model governs and runs the agents."""
    server = start_gateway(tmp_path, "--db", str(tmp_path / "alu.db"), "--model", "smollm2-135m",
                           env={"ALU_ADMIN_KEY": ADMIN_KEY})
    try:
        sdk = openai.OpenAI(base_url=server.url + "/v1", api_key="unused", max_retries=0, timeout=300)
        question = [{"role": "user", "content": "What is the capital of France?"}]
        plain = sdk.chat.completions.with_raw_response.create(model="smollm2-135m", messages=question, max_tokens=40)
        assert plain.parse().choices[0].message.content.strip()
        assert plain.headers["x-alu-decision-id"]
        admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
        added = httpx.post(server.url + "/v1/unlearning/targets", headers=admin,
                           json={"name": "Paris", "kind": "topic", "description": "the capital city of France"})
        assert added.status_code == 201
        raw = httpx.post(server.url + "/v1/chat/completions", timeout=300, json={
            "model": "smollm2-135m", "messages": question, "max_tokens": 40, "stream": True})
        events = [json.loads(e[6:]) for e in raw.text.split("\n\n") if e.startswith("data: {")]
        text = "".join(e["choices"][0]["delta"].get("content") or "" for e in events if e["choices"])
        assert text.strip() and raw.text.rstrip().endswith("data: [DONE]")
        assert not re.search(r"\bparis\b", text, re.IGNORECASE), text
        decision = httpx.get(f"{server.url}/v1/unlearning/decisions/{raw.headers['x-alu-decision-id']}",
                             headers=admin).json()
        assert decision["stream"] and decision["candidates"] == ["paris"]  # screening matched the description
        assert decision["path"] in ("fast", "rewrite", "refuse") and decision["error"] == ""
        named = sdk.chat.completions.create(model="smollm2-135m", max_tokens=40,
                                            messages=[{"role": "user", "content": "Tell me about Paris."}])
        assert named.choices[0].message.content == REFUSAL
    finally:
        server.stop()
