"""No disguised name reaches a client of a real `alu serve` process, and clean answers pass unchanged.

The fake upstream answers with each disguised form of tests/disguises.py (plain and streamed), or answers with the
plain name and then, as the rewriting agent, puts the disguised form back in (a rewrite that keeps a mention).
"""

from __future__ import annotations

import re

import httpx
import pytest
from disguises import CLEAN, TARGETS, Disguise, disguises
from server_helpers import ADMIN_KEY, control, start_gateway

from alu.prompts import default_prompts

pytestmark = pytest.mark.server

MODEL = "gpt-test"
REFUSAL = default_prompts().refusal
FALSE_POSITIVE_GOAL = 0.01


@pytest.fixture(scope="module")
def gateway(upstream, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gateway")
    process = start_gateway(tmp, "--db", str(tmp / "alu.db"), "--base-url", upstream.url + "/v1",
                            "--model-map", f"{MODEL}=fake-upstream-model", env={"ALU_ADMIN_KEY": ADMIN_KEY})
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    for target in TARGETS:
        body = {"name": target.name, "aliases": list(target.aliases), "kind": target.kind}
        assert httpx.post(process.url + "/v1/unlearning/targets", json=body, headers=admin).status_code == 201
    yield process
    process.stop()


@pytest.fixture(scope="module")
def http(gateway):
    with httpx.Client(base_url=gateway.url + "/v1", timeout=60) as client:
        yield client


def chat(http: httpx.Client, question: str, stream: bool = False) -> str:
    body = {"model": MODEL, "messages": [{"role": "user", "content": question}], "stream": stream}
    if not stream:
        response = http.post("/chat/completions", json=body)
        assert response.status_code == 200, response.text
        return response.json()["choices"][0]["message"]["content"]
    with http.stream("POST", "/chat/completions", json=body) as response:
        assert response.status_code == 200
        events = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    return "".join(httpx.Response(200, content=event).json()["choices"][0]["delta"].get("content", "")
                   for event in events[:-1] if '"choices": []' not in event)


def letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.casefold())


def reaches(answer: str, disguise: Disguise) -> bool:
    """Whether the client got the disguised form (or, for a form in Latin letters, its letters in a row)."""
    if disguise.form in answer:
        return True
    spelled = letters(disguise.form)
    return disguise.form.isascii() and len(spelled) >= 5 and spelled in letters(answer)


CORPUS = disguises()
QUESTIONS = {f"<<{i}>>": d for i, d in enumerate(CORPUS)}


def test_the_corpus_covers_every_kind_of_disguise():
    categories = {d.category for d in CORPUS}
    assert len(CORPUS) >= 150 and len(categories) >= 30 and len({d.target.id for d in CORPUS}) == len(TARGETS)


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_no_disguised_name_reaches_the_client(upstream, http, stream):
    control(upstream, rules=[[key, d.sentence(i)] for i, (key, d) in enumerate(QUESTIONS.items())], agents={},
            fail=0)
    reached = [(d.category, d.form) for key, d in QUESTIONS.items() if reaches(chat(http, key, stream), d)]
    assert reached == []


def test_a_rewrite_that_puts_a_disguised_name_back_never_reaches_the_client(upstream, http):
    reached = []
    for i, disguise in enumerate(CORPUS):
        rewrite = disguise.sentence(i)
        control(upstream, rules=[], default=f"{disguise.target.name} is the one you asked about. It rained.",
                agents={"smooth": {"text": rewrite}, "compose": {"answer": rewrite}}, fail=0)
        answer = chat(http, "Who is it?")
        if reaches(answer, disguise) or disguise.target.name in answer:
            reached.append((disguise.category, disguise.form, answer))
    control(upstream, agents={}, default="The sky looks blue because air scatters blue light.")
    assert reached == []


def test_clean_answers_with_look_alike_words_pass_unchanged(upstream, http):
    assert len(CLEAN) >= 200
    control(upstream, rules=[[f"<<clean {i}>>", text] for i, text in enumerate(CLEAN)], agents={}, fail=0)
    changed = [(text, answer) for i, text in enumerate(CLEAN)
               if (answer := chat(http, f"<<clean {i}>>")) != text]
    rate = len(changed) / len(CLEAN)
    print(f"false positives: {len(changed)} of {len(CLEAN)} ({rate:.1%}):", *changed, sep="\n  ")
    assert rate <= FALSE_POSITIVE_GOAL, changed
