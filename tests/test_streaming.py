"""Streaming that stays safe: `alu serve --stream sentences` and the default buffered mode, as real processes in front
of a fake upstream that streams its answer a word at a time and leaks a target in its last (or first) sentence."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from server_helpers import ADMIN_KEY, USER_KEY, control, start_gateway

pytestmark = pytest.mark.server

MODEL = "gpt-test"
LEAK_LAST = "The sea is salty. It holds many fish. Tides of Glass was written by Jane Doe."
LEAK_FIRST = "Jane Doe wrote about the sea. The sea is salty."


def gateway_with(upstream, tmp_path_factory, *options: str):
    tmp = tmp_path_factory.mktemp("stream")
    process = start_gateway(tmp, "--db", str(tmp / "alu.db"), "--base-url", upstream.url + "/v1",
                            "--model-map", f"{MODEL}=fake-upstream-model", *options,
                            env={"ALU_ADMIN_KEY": ADMIN_KEY, "ALU_USER_KEYS": USER_KEY})
    response = httpx.post(process.url + "/v1/unlearning/targets", headers={"Authorization": f"Bearer {ADMIN_KEY}"},
                          json={"name": "Jane Doe", "description": "a novelist born in Lisbon"})
    assert response.status_code == 201
    return process


@pytest.fixture(scope="module")
def sentences(upstream, tmp_path_factory):
    process = gateway_with(upstream, tmp_path_factory, "--stream", "sentences")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def buffered(upstream, tmp_path_factory):
    process = gateway_with(upstream, tmp_path_factory)
    yield process
    process.stop()


def streamed(gateway, question: str) -> list[tuple[float, str]]:
    """(seconds since the request, content) of every content chunk of a streamed answer."""
    started, chunks = time.monotonic(), []
    with httpx.stream("POST", gateway.url + "/v1/chat/completions", timeout=60,
                      headers={"Authorization": f"Bearer {USER_KEY}"},
                      json={"model": MODEL, "stream": True, "messages": [{"role": "user", "content": question}]}) as r:
        assert r.status_code == 200 and r.headers["x-alu-decision-id"]
        for line in r.iter_lines():
            if line.startswith("data: {"):
                event = json.loads(line[6:])
                content = event["choices"][0]["delta"].get("content") if event["choices"] else None
                if content:
                    chunks.append((time.monotonic() - started, content))
    return chunks


@pytest.mark.parametrize("mode", ["sentences", "buffered"])
def test_no_target_name_reaches_the_client_in_either_mode(mode, request, upstream):
    gateway = request.getfixturevalue(mode)
    for answer in (LEAK_LAST, LEAK_FIRST):
        control(upstream, rules=[["the sea", answer]], fail=0, chunk_ms=5, default="Hello.")
        text = "".join(content for _, content in streamed(gateway, "Tell me about the sea."))
        assert text and "Jane" not in text and "Doe" not in text, (mode, text)


def test_sentences_mode_releases_the_clean_sentences_before_the_answer_is_complete(sentences, upstream):
    control(upstream, rules=[["the sea", LEAK_LAST]], fail=0, chunk_ms=60, default="Hello.")
    chunks = streamed(sentences, "Tell me about the sea.")
    text = "".join(content for _, content in chunks)
    assert chunks[0][1] == "The sea is salty. " and text.startswith("The sea is salty. It holds many fish.")
    assert chunks[0][0] < chunks[-1][0] - 0.3  # out long before the last word was written
    assert "Jane" not in text and "Doe" not in text
    control(upstream, rules=[], fail=0, chunk_ms=0)


def test_sentences_mode_still_declines_and_refuses_before_the_model(sentences, upstream):
    control(upstream, rules=[], fail=0, chunk_ms=0, default="The sky looks blue because air scatters light.")
    text = "".join(c for _, c in streamed(sentences, "Why is the sky blue? And where was Jane Doe born?"))
    assert text.startswith("The sky looks blue") and text.endswith("the second part of your question.")
    before = len(httpx.get(upstream.url + "/control").json()["requests"])
    refused = "".join(c for _, c in streamed(sentences, "Where was Jane Doe born?"))
    assert "Jane" not in refused and len(httpx.get(upstream.url + "/control").json()["requests"]) == before


def test_a_client_that_leaves_mid_stream_still_gets_its_decision_logged(sentences, upstream):
    control(upstream, rules=[["the sea", LEAK_LAST]], fail=0, chunk_ms=80, default="Hello.")
    with httpx.stream("POST", sentences.url + "/v1/chat/completions", timeout=60,
                      headers={"Authorization": f"Bearer {USER_KEY}"},
                      json={"model": MODEL, "stream": True,
                            "messages": [{"role": "user", "content": "Tell me about the sea."}]}) as r:
        decision_id = r.headers["x-alu-decision-id"]
        for line in r.iter_lines():
            if '"content": "The sea' in line:
                break  # leave after the first sentence
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    for _ in range(50):
        found = httpx.get(f"{sentences.url}/v1/unlearning/decisions/{decision_id}", headers=admin)
        if found.status_code == 200:
            break
        time.sleep(0.1)
    record = found.json()
    assert record["status"] == 499 and record["path"] == "incomplete"
    assert "disconnected" in record["error"] and "Jane" not in json.dumps(record)
    metrics = httpx.get(sentences.url + "/metrics", headers=admin).text
    assert 'alu_requests_total{path="incomplete",status="499"} 1.0' in metrics
    control(upstream, rules=[], fail=0, chunk_ms=0)
