"""A real `alu serve` process against hostile input and a misbehaving upstream: bounded cost, clean faults, strict
requests, keys checked first, any target id usable, no open API docs."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import quote

import httpx
import pytest
from server_helpers import ADMIN_KEY, USER_KEY, control, start_gateway, upstream_requests

from alu.errors import ModelCallError
from alu.models import GenerationParams, OpenAICompatModel
from alu.prompts import default_prompts

pytestmark = pytest.mark.server

MODEL = "gpt-test"
REFUSAL = default_prompts().refusal
USER = {"Authorization": f"Bearer {USER_KEY}"}
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def _gateway(upstream, tmp_path_factory, *options: str):
    tmp = tmp_path_factory.mktemp("gateway")
    return start_gateway(tmp, "--db", str(tmp / "alu.db"), "--base-url", upstream.url + "/v1", "--no-embeddings",
                         "--model-map", f"{MODEL}=fake-upstream-model", "--upstream-timeout", "1",
                         "--max-completion-tokens", "512", *options,
                         env={"ALU_ADMIN_KEY": ADMIN_KEY, "ALU_USER_KEYS": USER_KEY})


@pytest.fixture(scope="module")
def gateway(upstream, tmp_path_factory):
    process = _gateway(upstream, tmp_path_factory)
    httpx.post(process.url + "/v1/unlearning/targets", json={"name": "J. K. Rowling"}, headers=ADMIN)
    yield process
    process.stop()


@pytest.fixture(scope="module")
def gateway_502(upstream, tmp_path_factory):
    process = _gateway(upstream, tmp_path_factory, "--upstream-failure", "502", "--api-docs")
    yield process
    process.stop()


@pytest.fixture(autouse=True)
def reset(upstream):
    control(upstream, rules=[], agents={}, fail=0, latency_ms=0, default="The sky is blue.")
    yield


def chat(gateway, content="hi", stream=False, **extra) -> httpx.Response:
    body = {"model": MODEL, "messages": [{"role": "user", "content": content}], "stream": stream, **extra}
    return httpx.post(gateway.url + "/v1/chat/completions", json=body, headers=USER, timeout=60)


def decision(gateway, response: httpx.Response) -> dict:
    decision_id = response.headers["x-alu-decision-id"]
    return httpx.get(f"{gateway.url}/v1/unlearning/decisions/{decision_id}", headers=ADMIN, timeout=10).json()


def set_default_escaped(upstream, text: str) -> None:
    """Set the upstream's answer to text, which may hold a lone surrogate (sent as a JSON escape)."""
    httpx.post(upstream.url + "/control", content=json.dumps({"default": text}),
               headers={"content-type": "application/json"}, timeout=5)


def test_invalid_unicode_from_the_upstream_is_a_refusal_streamed_or_not(gateway, upstream):
    set_default_escaped(upstream, "Hello \ud800 world, this is broken.")
    plain = chat(gateway)
    assert plain.status_code == 200 and plain.json()["choices"][0]["message"]["content"] == REFUSAL
    assert decision(gateway, plain)["status"] == 200
    streamed = chat(gateway, stream=True)
    assert streamed.status_code == 200 and streamed.text.rstrip().endswith("data: [DONE]")
    assert REFUSAL.split()[0] in streamed.text


def test_invalid_unicode_is_a_502_when_configured_and_logged_as_such(gateway_502, upstream):
    set_default_escaped(upstream, "Hello \ud800 world.")
    response = chat(gateway_502)
    assert response.status_code == 502 and response.json()["error"]["code"] == "upstream_error"
    assert decision(gateway_502, response)["status"] == 502


def test_a_hanging_upstream_is_refused_after_the_upstream_timeout(gateway, upstream):
    control(upstream, latency_ms=20_000)
    started = time.monotonic()
    response = chat(gateway)
    assert time.monotonic() - started < 10
    assert response.json()["choices"][0]["message"]["content"] == REFUSAL


def test_a_huge_reply_is_refused_at_once(gateway, upstream):
    control(upstream, default="Rowling wrote it. " + "All work and no play. " * 50_000)  # 1.1 MB
    started = time.monotonic()
    response = chat(gateway)
    assert time.monotonic() - started < 5
    assert response.json()["choices"][0]["message"]["content"] == REFUSAL


def test_a_huge_conversation_is_a_400(gateway):
    history = [{"role": "user" if i % 2 == 0 else "assistant", "content": "x" * 9_000} for i in range(12)]
    body = {"model": MODEL, "messages": [*history, {"role": "user", "content": "hi"}]}
    response = httpx.post(gateway.url + "/v1/chat/completions", json=body, headers=USER, timeout=30)
    assert response.status_code == 400 and "conversation is longer" in response.json()["error"]["message"]


def test_a_clients_max_tokens_is_capped(gateway, upstream):
    assert chat(gateway, max_tokens=32_768).status_code == 200
    assert upstream_requests(upstream)[0]["max_tokens"] == 512


@pytest.mark.parametrize("field, value", [("stream", "yes"), ("max_tokens", True), ("max_tokens", "12"),
                                          ("temperature", "0.5"), ("seed", 1.5), ("n", True)])
def test_request_fields_are_strictly_typed(gateway, field, value):
    response = chat(gateway, **{field: value})
    assert response.status_code == 400 and response.json()["error"]["param"] == field


def test_the_key_is_checked_before_the_body_is_parsed(gateway):
    for path, headers in (("/v1/chat/completions", {}), ("/v1/unlearning/targets", USER)):
        response = httpx.post(gateway.url + path, content=b"{not json", headers=headers, timeout=10)
        assert response.status_code in (401, 403) and "error" in response.json()


def test_api_docs_are_off_unless_asked_for(gateway, gateway_502):
    for path in ("/openapi.json", "/docs", "/redoc"):
        assert httpx.get(gateway.url + path, timeout=10).status_code == 404
    assert httpx.get(gateway_502.url + "/openapi.json", timeout=10).status_code == 200


@pytest.mark.parametrize("name", ["AC/DC", "R&D: 50% off?#x"])
def test_ids_with_any_character_work_through_the_admin_api(gateway, name):
    admin = httpx.Client(base_url=gateway.url + "/v1/unlearning", headers=ADMIN, timeout=10)
    target_id = admin.post("/targets", json={"name": name, "kind": "topic", "reason": "test"}).json()["id"]
    path = "/targets/" + quote(target_id, safe="/")
    assert admin.get(path).json()["name"] == name
    assert [c["action"] for c in admin.get(path + "/history").json()["data"]] == ["add"]
    assert admin.delete(path).json() == {"id": target_id, "removed": True}
    assert admin.get(path).json()["active"] is False


def test_a_reply_longer_than_max_reply_bytes_is_a_failed_call(upstream):
    control(upstream, default="word " * 5_000)
    model = OpenAICompatModel(upstream.url + "/v1", "fake-upstream-model", max_reply_bytes=10_000)
    with pytest.raises(ModelCallError, match="longer than 10000 bytes"):
        model.chat([{"role": "user", "content": "hi"}], GenerationParams(max_tokens=8))
    with pytest.raises(ModelCallError, match="longer than 10000 bytes"):
        asyncio.run(model.achat([{"role": "user", "content": "hi"}], GenerationParams(max_tokens=8)))
    control(upstream, default="short")
    assert model.chat([{"role": "user", "content": "hi"}], GenerationParams(max_tokens=8)).text == "short"
