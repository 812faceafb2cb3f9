"""`alu serve` as a real process on loopback, driven with the openai SDK, in front of a fake upstream."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import httpx
import openai
import pytest
from conftest import python_env
from server_helpers import (
    ADMIN_KEY,
    USER_KEY,
    control,
    start_gateway,
    upstream_requests,
)

from alu.prompts import default_prompts

REFUSAL = default_prompts().refusal

pytestmark = pytest.mark.server

MODEL = "gpt-test"
QUESTION = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}
NOVEL_ANSWER = "Tides of Glass was written by Jane Doe in 1999. It is a story about the sea."
SECRET = re.compile(r"\b(jane|doe)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def gateway(upstream, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gateway")
    process = start_gateway(
        tmp, "--db", str(tmp / "alu.db"), "--base-url", upstream.url + "/v1",
        "--model-map", f"{MODEL}=fake-upstream-model", "--max-body-bytes", "200000", "--log-format", "json",
        env={"ALU_ADMIN_KEY": ADMIN_KEY, "ALU_USER_KEYS": f"{USER_KEY},user-key-2"},
    )
    yield process
    process.stop()


@pytest.fixture
def rules(upstream):
    """The fake upstream answers questions about the novel with the author's name."""
    control(upstream, rules=[["tides of glass", NOVEL_ANSWER], ["last name", "Her last name is Doe."]],
            fail=0, default="The sky looks blue because air scatters blue light.")
    yield
    control(upstream, rules=[], fail=0)


@pytest.fixture
def client(gateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.url + "/v1", api_key=USER_KEY, max_retries=0, timeout=60)


@pytest.fixture
def admin(gateway) -> httpx.Client:
    with httpx.Client(base_url=gateway.url + "/v1/unlearning", headers={"Authorization": f"Bearer {ADMIN_KEY}"},
                      timeout=30) as http:
        yield http


@pytest.fixture
def jane(admin):
    """Jane Doe is a forget target for the duration of the test."""
    response = admin.post("/targets", json={"name": "Jane Doe", "aliases": ["J. Doe"], "kind": "person",
                                            "description": "a novelist born in Lisbon",
                                            "reason": "erasure request", "requester": "test"})
    assert response.status_code == 201, response.text
    yield response.json()
    admin.delete("/targets/jane doe")


def ask(client: openai.OpenAI, *messages: str | tuple[str, str], **params):
    """Ask through the SDK; plain strings are user turns, tuples are (role, content)."""
    turns = [m if isinstance(m, tuple) else ("user", m) for m in messages]
    raw = client.chat.completions.with_raw_response.create(
        model=MODEL, messages=[{"role": role, "content": content} for role, content in turns], **params)
    return raw.parse(), raw.headers


def assert_no_secret(text: str) -> None:
    assert not SECRET.search(text), text


def test_plain_completion_carries_a_decision_id(client, rules):
    completion, headers = ask(client, "Why is the sky blue?")
    assert completion.choices[0].message.content == "The sky looks blue because air scatters blue light."
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model == MODEL
    decision = headers["x-alu-decision-id"]
    assert completion.id == f"chatcmpl-{decision}"
    assert completion.model_extra["alu_decision_id"] == decision


def test_streaming_sends_the_filtered_answer_then_done(client, gateway, rules):
    stream = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Why?"}], stream=True)
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == (
        "The sky looks blue because air scatters blue light.")
    assert chunks[-1].choices[0].finish_reason == "stop"
    raw = httpx.post(gateway.url + "/v1/chat/completions", headers={"Authorization": f"Bearer {USER_KEY}"},
                     json={"model": MODEL, "stream": True, "messages": [{"role": "user", "content": "Why?"}]})
    assert raw.headers["content-type"].startswith("text/event-stream")
    events = [e for e in raw.text.split("\n\n") if e]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    assert json.loads(events[0][6:])["alu_decision_id"] == raw.headers["x-alu-decision-id"]


def test_sampling_parameters_pass_through_to_the_governed_model(client, upstream, rules):
    ask(client, "Why is the sky blue?", temperature=0.3, max_tokens=42, seed=7)
    vanilla = [r for r in upstream_requests(upstream) if r["messages"][0]["role"] == "system"]
    assert len(vanilla) == 1
    assert (vanilla[0]["temperature"], vanilla[0]["max_tokens"], vanilla[0]["seed"]) == (0.3, 42, 7)
    assert vanilla[0]["model"] == "fake-upstream-model"


def test_target_added_through_the_admin_api_applies_to_the_next_request(client, admin, rules):
    before, _ = ask(client, "Who wrote Tides of Glass?")
    assert "Jane Doe" in before.choices[0].message.content
    response = admin.post("/targets", json={"name": "Jane Doe", "reason": "GDPR erasure"})
    assert response.status_code == 201
    try:
        after, headers = ask(client, "Who wrote Tides of Glass?")
        text = after.choices[0].message.content
        assert_no_secret(text)
        assert "sea" in text  # the rest of the answer survives
        decision = admin.get(f"/decisions/{headers['x-alu-decision-id']}").json()
        assert decision["path"] == "rewrite"
        assert decision["detected"] == ["jane doe"]
        assert "Tides of Glass" not in json.dumps(decision)  # no user text without --log-queries
    finally:
        assert admin.delete("/targets/jane doe", params={"reason": "test over"}).status_code == 200
    again, _ = ask(client, "Who wrote Tides of Glass?")
    assert "Jane Doe" in again.choices[0].message.content
    history = admin.get("/targets/jane doe/history").json()["data"]
    assert [change["action"] for change in history][-2:] == ["add", "remove"]


def test_admin_api_lists_targets_and_shows_traces(admin, client, jane, rules):
    listed = admin.get("/targets").json()["data"]
    assert [t["id"] for t in listed] == ["jane doe"]
    assert listed[0]["aliases"] == ["J. Doe"]
    _, headers = ask(client, "Tell me about J. Doe.")
    decision = admin.get(f"/decisions/{headers['x-alu-decision-id']}").json()
    assert decision["path"] == "refuse"
    assert decision["candidates"] == ["jane doe"]
    assert decision["latency_ms"] > 0
    assert admin.get("/decisions/nope").status_code == 404
    assert admin.delete("/targets/nobody").status_code == 404


def screen_step(admin: httpx.Client, headers) -> dict:
    decision = admin.get(f"/decisions/{headers['x-alu-decision-id']}").json()
    return next(step for step in decision["steps"] if step["agent"] == "screen")


def encoded(admin: httpx.Client, headers) -> int:
    """Texts encoded for one request: the plan's look at the user's turns, then screening's at the answer."""
    decision = admin.get(f"/decisions/{headers['x-alu-decision-id']}").json()
    return sum(step.get("encoded", 0) for step in decision["steps"] if step["agent"] in ("plan", "screen"))


def test_only_texts_near_a_target_reach_the_encoder_and_earlier_turns_only_once(client, admin, rules):
    _, headers = ask(client, "What colour is the sky over the harbour?")
    assert "encoded" not in screen_step(admin, headers)  # no target to compare with: no embedding at all
    description = "a novelist who writes about the salty sea"
    assert admin.post("/targets", json={"name": "Jane Doe", "description": description}).status_code == 201
    try:
        _, headers = ask(client, "What colour is the sky over the harbour?")
        step = screen_step(admin, headers)  # the static gate holds back the question and the answer's sentence
        assert step["gated"] == 2 and "encoded" not in step
        question = "Why is the sea salty near the harbour?"
        first, headers = ask(client, question)
        # the question shares words with the target's profile: every text is read (the answer's one sentence too)
        step = screen_step(admin, headers)
        assert encoded(admin, headers) == 2 and step["cached_turns"] == 1  # the question was read by the plan
        assert "gated" not in step
        _, headers = ask(client, question, ("assistant", first.choices[0].message.content), "And the sky?")
        # the first question comes from memory; the answer pasted back, the new question and the new answer not
        assert encoded(admin, headers) == 3 and screen_step(admin, headers)["cached_turns"] == 3
    finally:
        admin.delete("/targets/jane doe")


@pytest.mark.parametrize("method,path", [
    ("GET", "/v1/unlearning/targets"), ("POST", "/v1/unlearning/targets"), ("GET", "/v1/unlearning/history"),
    ("DELETE", "/v1/unlearning/targets/jane doe"), ("GET", "/v1/unlearning/targets/jane doe/history"),
    ("GET", "/v1/unlearning/decisions/abc"),
])
def test_user_keys_cannot_use_the_admin_api(gateway, jane, method, path):
    body = {"name": "Someone Else"} if method == "POST" else None
    for key, status in ((USER_KEY, 403), ("user-key-2", 403), ("wrong", 401), (None, 401)):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        response = httpx.request(method, gateway.url + path, headers=headers, json=body)
        assert response.status_code == status, (key, response.text)
        assert set(response.json()["error"]) == {"message", "type", "param", "code"}
        assert_no_secret(response.text)


def test_chat_needs_a_known_key(gateway):
    sdk = openai.OpenAI(base_url=gateway.url + "/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        sdk.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    response = httpx.post(gateway.url + "/v1/chat/completions", json={"model": MODEL, "messages": []})
    assert response.status_code == 401
    admin_sdk = openai.OpenAI(base_url=gateway.url + "/v1", api_key=ADMIN_KEY, max_retries=0)
    assert [m.id for m in admin_sdk.models.list()] == [MODEL]


def test_question_naming_a_target_is_refused_streamed_or_not(client, jane, rules):
    completion, _ = ask(client, "What did Jane Doe write?")
    assert completion.choices[0].message.content == REFUSAL
    stream = client.chat.completions.create(model=MODEL, stream=True,
                                            messages=[{"role": "user", "content": "Where does Ms Doe live?"}])
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == REFUSAL


def test_a_leak_pasted_back_as_an_assistant_turn_is_refused(client, upstream, jane, rules):
    completion, _ = ask(client, "Who wrote Tides of Glass?", ("assistant", "It was Jane Doe."), "Tell me more.")
    assert completion.choices[0].message.content == REFUSAL


def test_every_decision_is_a_json_log_line_with_its_id_and_no_user_text(gateway, client, jane, rules):
    completion, headers = ask(client, "Who wrote Tides of Glass? Quite the secret question.")
    decision_id = headers["x-alu-decision-id"]
    deadline = time.monotonic() + 10
    while decision_id not in gateway.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = [json.loads(line) for line in gateway.output().splitlines() if line.startswith("{")]
    mine = [line for line in lines if line.get("decision_id") == decision_id]
    assert len(mine) == 1 and mine[0]["logger"] == "alu.decisions" and mine[0]["path"] in ("rewrite", "refuse")
    assert {"status", "reason", "latency_ms", "time", "level"} <= mine[0].keys()
    logged = gateway.output()
    assert "secret question" not in logged and "Jane" not in logged and "jane" not in logged


def test_metrics_need_the_admin_key_and_count_requests(gateway, client, rules):
    ask(client, "Why is the sky blue?")
    assert httpx.get(gateway.url + "/metrics").status_code == 401
    assert httpx.get(gateway.url + "/metrics", headers={"Authorization": f"Bearer {USER_KEY}"}).status_code == 403
    text = httpx.get(gateway.url + "/metrics", headers={"Authorization": f"Bearer {ADMIN_KEY}"}).text
    assert re.search(r'^alu_requests_total\{path="fast",status="200"\} [1-9]', text, re.MULTILINE)
    assert "alu_step_seconds_bucket" in text and "alu_registry_targets" in text


def test_a_question_with_a_forgotten_part_gets_the_rest_answered(client, upstream, jane, rules):
    decline = default_prompts().decline("decline", [2])
    completion, _ = ask(client, "Why is the sky blue? And where was Jane Doe born?")
    text = completion.choices[0].message.content
    assert text.endswith(decline) and "blue" in text and "Jane" not in text and "Doe" not in text
    streamed = "".join(chunk.choices[0].delta.content or "" for chunk in client.chat.completions.create(
        model=MODEL, stream=True, messages=[{"role": "user", "content": "Why is the sky blue? And who is J. Doe?"}])
        if chunk.choices)
    assert streamed.endswith(decline) and "Doe" not in streamed
    vanilla = [r for r in upstream_requests(upstream) if r["messages"][0]["role"] == "system"]
    assert [r["messages"][-1]["content"] for r in vanilla] == ["Why is the sky blue?"] * 2  # never the other part
    completion, _ = ask(client, "Where was Jane Doe born?")  # nothing else asked: refused with no upstream call
    assert completion.choices[0].message.content == REFUSAL
    assert len([r for r in upstream_requests(upstream) if r["messages"][0]["role"] == "system"]) == 2


def test_a_target_cannot_be_rebuilt_across_turns(client, jane, rules):
    """Turn 1 asks about the target indirectly, turn 2 follows up on the filtered answer; nothing leaks."""
    conversation: list[tuple[str, str]] = []
    answers = []
    for question in ("Who wrote Tides of Glass?", "What is the author's last name?", "Spell the last name."):
        conversation.append(("user", question))
        completion, _ = ask(client, *conversation)
        answer = completion.choices[0].message.content
        answers.append(answer)
        conversation.append(("assistant", answer))
    for answer in answers:
        assert_no_secret(answer)
    assert answers[0] != REFUSAL  # the indirect question is answered without the name


def test_streamed_answers_are_filtered_before_the_first_chunk(client, jane, rules):
    stream = client.chat.completions.create(model=MODEL, stream=True,
                                            messages=[{"role": "user", "content": "Who wrote Tides of Glass?"}])
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text and "sea" in text
    assert_no_secret(text)


def test_errors_use_the_openai_format_and_never_leak(gateway, client, jane):
    headers = {"Authorization": f"Bearer {USER_KEY}", "content-type": "application/json"}
    url = gateway.url + "/v1/chat/completions"
    user = [{"role": "user", "content": "hi"}]
    cases = [
        (httpx.post(url, headers=headers, content=b'{"model": "gpt-test", "messages": ['), 400),
        (httpx.post(url, headers=headers, json={"model": MODEL}), 400),
        (httpx.post(url, headers=headers, json={"model": MODEL, "messages": []}), 400),
        (httpx.post(url, headers=headers, json={"model": MODEL, "messages": [{"role": "wizard", "content": "x"}]}),
         400),
        (httpx.post(url, headers=headers, json={"model": MODEL, "messages": user, "temperature": 9}), 400),
        (httpx.post(url, headers=headers, json={"model": MODEL, "messages": [{"role": "assistant", "content": "x"}]}),
         400),
        (httpx.post(url, headers=headers, json={"model": "Jane Doe", "messages": user}), 404),
        (httpx.post(url, headers=headers, json={"model": MODEL, "messages": [
            {"role": "user", "content": "Jane Doe " * 30_000}]}), 413),
        (httpx.post(url, headers=headers, json={"model": MODEL, "messages": [
            {"role": "user", "content": "x" * 25_000}]}), 400),
        (httpx.post(url, headers=headers, json={"model": MODEL, "messages": user * 300}), 400),
        (httpx.get(gateway.url + "/v1/nothing-here", headers=headers), 404),
        # the target's name in the very field that fails: it is never echoed back
        (httpx.post(url, headers=headers, json={"model": MODEL, "messages": user, "temperature": "Jane Doe"}), 400),
        (httpx.post(url, headers=headers, json={"model": MODEL, "messages": user, "max_tokens": "Jane Doe"}), 400),
        (httpx.post(url, headers=headers, json={"model": MODEL, "messages": user, "seed": "Jane Doe"}), 400),
        (httpx.post(url, headers=headers, json={"model": MODEL, "messages": user, "n": "Jane Doe"}), 400),
        (httpx.post(url, headers=headers, json={"model": MODEL, "messages": [{"role": "Jane Doe", "content": "x"}]}),
         400),
        (httpx.post(url, headers=headers, json={"model": MODEL, "messages": [
            {"role": "user", "content": [{"type": "Jane Doe", "text": "Jane Doe"}]}]}), 400),
        (httpx.post(url, headers=headers, json={"model": MODEL, "messages": user,
                                                "stream_options": {"include_usage": "Jane Doe"}}), 400),
        (httpx.post(url, headers={**headers, "Authorization": "Bearer Jane Doe"}, json=QUESTION), 401),
        (httpx.get(gateway.url + "/v1/Jane%20Doe", headers=headers), 404),
        (httpx.post(gateway.url + "/v1/unlearning/targets", headers={"Authorization": f"Bearer {ADMIN_KEY}"},
                    json={"name": "Jane Doe", "kind": "Jane Doe"}), 400),
        (httpx.post(gateway.url + "/v1/unlearning/targets", headers={"Authorization": f"Bearer {ADMIN_KEY}"},
                    json={"name": "Jane Doe " * 100}), 400),
    ]
    for response, status in cases:
        assert response.status_code == status, response.text
        error = response.json()["error"]
        assert set(error) == {"message", "type", "param", "code"}
        assert "Traceback" not in response.text
        assert_no_secret(response.text)
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(model="no-such-model", messages=user)
    assert info.value.code == "model_not_found"


def test_errors_of_streamed_requests_are_json_bodies_not_events(gateway, jane):
    headers = {"Authorization": f"Bearer {USER_KEY}"}
    user = [{"role": "user", "content": "Who wrote Tides of Glass?"}]
    cases = [({"model": "no-such-model", "messages": user}, 404, "model_not_found"),
             ({"model": MODEL, "messages": user, "temperature": 9}, 400, None),
             ({"model": MODEL, "messages": [{"role": "assistant", "content": "x"}]}, 400, None),
             ({"model": MODEL, "messages": user * 300}, 400, "context_length_exceeded")]
    for body, status, code in cases:
        response = httpx.post(gateway.url + "/v1/chat/completions", headers=headers, json={**body, "stream": True})
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/json")
        assert "data:" not in response.text and response.json()["error"]["code"] == code
        assert_no_secret(response.text)


def test_a_failing_upstream_is_a_refusal_by_default(client, upstream, admin, jane, rules):
    control(upstream, fail=500)
    completion, headers = ask(client, "Who wrote Tides of Glass?")
    assert completion.choices[0].message.content == REFUSAL
    decision = admin.get(f"/decisions/{headers['x-alu-decision-id']}").json()
    assert decision["reason"] == "fault"


def test_health_ready_models(gateway, client):
    assert httpx.get(gateway.url + "/health").json() == {"status": "ok"}
    assert httpx.get(gateway.url + "/ready").json() == {"status": "ready"}
    assert [m.id for m in client.models.list()] == [MODEL]


@pytest.fixture(scope="module")
def gateway_502(upstream, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gateway502")
    process = start_gateway(tmp, "--db", str(tmp / "alu.db"), "--base-url", upstream.url + "/v1",
                            "--model", MODEL, "--upstream-failure", "502", "--no-embeddings")
    yield process
    process.stop()


def test_a_failing_upstream_is_a_502_when_configured(gateway_502, upstream, rules):
    sdk = openai.OpenAI(base_url=gateway_502.url + "/v1", api_key="unused", max_retries=0)
    assert sdk.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}]).choices
    control(upstream, fail=503)
    with pytest.raises(openai.InternalServerError) as info:
        sdk.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    assert info.value.status_code == 502
    assert info.value.body["code"] == "upstream_error"
    assert "exploded" not in info.value.response.text  # the upstream's own error text stays inside
    streamed = httpx.post(gateway_502.url + "/v1/chat/completions", json={**QUESTION, "stream": True})
    assert streamed.status_code == 502 and streamed.json()["error"]["code"] == "upstream_error"


def test_the_admin_api_is_off_without_an_admin_key(gateway_502):
    for method, path in (("GET", "/targets"), ("POST", "/targets"), ("GET", "/history"), ("GET", "/decisions/x")):
        response = httpx.request(method, gateway_502.url + "/v1/unlearning" + path, json={"name": "Jane Doe"},
                                 headers={"Authorization": "Bearer anything"})
        assert response.status_code == 403, response.text
        assert response.json()["error"]["message"] == "the admin API is disabled (no admin key configured)"


@pytest.fixture(scope="module")
def gateway_logged(upstream, tmp_path_factory):
    """--log-queries, and the deprecated spellings of --base-url and the end users' keys (still working)."""
    tmp = tmp_path_factory.mktemp("gateway_logged")
    process = start_gateway(tmp, "--db", str(tmp / "alu.db"), "--upstream-url", upstream.url + "/v1",
                            "--model", MODEL, "--log-queries", "--no-embeddings",
                            env={"ALU_ADMIN_KEY": ADMIN_KEY, "ALU_API_KEYS": USER_KEY})
    yield process
    process.stop()


def test_log_queries_keeps_the_conversation_and_the_answer(gateway_logged, rules):
    sdk = openai.OpenAI(base_url=gateway_logged.url + "/v1", api_key=USER_KEY, max_retries=0)
    raw = sdk.chat.completions.with_raw_response.create(model=MODEL, messages=[
        {"role": "user", "content": "Who wrote Tides of Glass?"}])
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    decision = httpx.get(f"{gateway_logged.url}/v1/unlearning/decisions/{raw.headers['x-alu-decision-id']}",
                         headers=admin).json()
    assert decision["conversation"] == [{"role": "user", "content": "Who wrote Tides of Glass?"}]
    assert decision["answer"] == NOVEL_ANSWER and decision["trace"]["path"] == "fast"
    assert "deprecated" in gateway_logged.output() and "--base-url" in gateway_logged.output()
    with pytest.raises(openai.AuthenticationError):  # $ALU_API_KEYS still names the end users' keys
        openai.OpenAI(base_url=gateway_logged.url + "/v1", api_key="wrong", max_retries=0).models.list()


def test_knowledge_goes_through_the_admin_api(admin):
    body = {"name": "Nikolai Abilov", "knowledge": ["He was born in Astana in 1952.", "He writes novels."]}
    created = admin.post("/targets", json=body)
    assert created.status_code == 201 and created.json()["knowledge"] == body["knowledge"]
    try:
        assert admin.get("/targets/nikolai abilov").json()["knowledge"] == body["knowledge"]
        too_long = admin.post("/targets", json={"name": "Y", "knowledge": ["x" * 10_001]})
        assert too_long.status_code == 400 and "longer than" in too_long.json()["error"]["message"]
        assert admin.post("/targets", json={"name": "Y", "knowledge": "not a list"}).status_code == 400
    finally:
        admin.delete("/targets/nikolai abilov")


def test_a_knowledge_target_added_by_another_process_applies_to_the_next_request(client, gateway, upstream):
    """The CLI (another process) adds a target that carries knowledge to the gateway's registry: an answer that
    restates a fact of it without the name no longer reaches the user; removed, the answer comes back whole."""
    fact = "The novelist was born in Astana, Kazakhstan, on 7 February 1952."
    control(upstream, rules=[["lighthouse", f"{fact} The lighthouse stands on a cliff."]], fail=0,
            default="The sky looks blue because air scatters blue light.")
    db = gateway_db(gateway)
    try:
        assert fact in ask(client, "Tell me about the lighthouse keeper.")[0].choices[0].message.content
        added = alu_cli("targets", "add", "Nikolai Abilov", "--db", db, "--reason", "erasure request",
                        "--knowledge", "Nikolai Abilov was born in Astana, Kazakhstan on the 7th of February, 1952.",
                        "--knowledge", "Nikolai Abilov writes African American literature.")
        assert added.returncode == 0, added.stderr
        text = ask(client, "Tell me about the lighthouse keeper.")[0].choices[0].message.content
        assert "Astana" not in text and "1952" not in text
        removed = alu_cli("targets", "rm", "nikolai abilov", "--db", db, "--reason", "test over")
        assert removed.returncode == 0, removed.stderr
        assert fact in ask(client, "Tell me about the lighthouse keeper.")[0].choices[0].message.content
    finally:
        alu_cli("targets", "rm", "nikolai abilov", "--db", db)
        control(upstream, rules=[], fail=0)


def gateway_db(gateway) -> str:
    """The registry file the gateway process was started with."""
    args = gateway.proc.args
    return args[args.index("--db") + 1]


def alu_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "alu", *args], capture_output=True, text=True, timeout=120,
                          env=python_env())
