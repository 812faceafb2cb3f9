"""The embedded model end to end: the README's promise, on the real default model, offline."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time

import pytest

from alu import Target, Unlearner
from alu.errors import ModelCallError
from alu.models import GenerationParams, LlamaCppModel
from alu.models.catalog import DEFAULT_MODEL

pytestmark = pytest.mark.model
QUESTION = "Who wrote the Harry Potter books?"
ALU = [sys.executable, "-c", "from alu.cli import main; main()"]


@pytest.fixture(scope="module")
def model() -> LlamaCppModel:
    return LlamaCppModel(DEFAULT_MODEL)


def test_the_model_knows_the_answer_without_alu(model):
    assert "Rowling" in Unlearner([], model=model).ask(QUESTION).text


def test_forgetting_rowling_gives_a_fluent_answer_without_her(model):
    result = Unlearner(["J. K. Rowling"], model=model).ask(QUESTION)
    assert not result.refused and result.trace.path == "rewrite"
    assert "rowling" not in result.text.lower() and "Harry Potter" in result.text
    assert result.trace.detected == ["J. K. Rowling"]


def test_unrelated_questions_take_the_fast_path(model):
    result = Unlearner([Target("J. K. Rowling")], model=model).ask("What is the capital of France?")
    assert result.trace.path == "fast" and "Paris" in result.text
    assert sum(step.llm_calls for step in result.trace.steps) == 1


def test_paper_preset_runs_on_the_real_model(model):
    """The paper's algorithm: five LLM rewrites, one LLM rating each, and the composer's rule on the top three."""
    result = Unlearner(["J. K. Rowling"], model=model, config="paper").ask(QUESTION)
    trace = result.trace
    assert trace.error == "" and len(trace.variants) == 5 and len(trace.ratings) == 5
    assert [s.agent for s in trace.steps] == ["vanilla", "screen", "audit", "erase", "critic", "composer"]
    assert next(s for s in trace.steps if s.agent == "erase").llm_calls >= 5  # one call per variant (+ retries)
    top = sorted(trace.ratings, reverse=True)[:3]
    if sum(top) / 3 >= 4.0:  # tau: the composer answers with the top variants
        assert not result.refused and trace.path == "rewrite"
    else:
        assert result.refused and trace.reason == "no variant reached the rating threshold"


def test_constrained_json_and_timeout(model):
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    messages = [{"role": "user", "content": "Give a number as JSON."}]
    completion = model.chat(messages, GenerationParams(max_tokens=20, json_schema=schema))
    assert isinstance(json.loads(completion.text)["n"], int)
    with pytest.raises(ModelCallError, match="timed out"):  # a deadline no machine meets: checked after each token
        model.chat([{"role": "user", "content": "Write a long story."}],
                   GenerationParams(max_tokens=400, timeout_s=1e-6))


def test_cli_ask_forget_explain_and_json(tmp_path):
    forgotten = subprocess.run([*ALU, "ask", QUESTION, "--forget", "J. K. Rowling", "--explain"],
                               capture_output=True, text=True, timeout=300)
    assert forgotten.returncode == 0, forgotten.stderr
    answer, trace = forgotten.stdout.split("--- trace ---")
    assert "rowling" not in answer.lower() and "Harry Potter" in answer
    assert "path: rewrite" in trace and "detected leaks: J. K. Rowling" in trace
    plain = subprocess.run([*ALU, "ask", QUESTION, "--json", "--db", str(tmp_path / "empty.db")],
                           capture_output=True, text=True, timeout=300)
    record = json.loads(plain.stdout)
    assert "Rowling" in record["answer"] and record["trace"]["path"] == "fast"


def test_token_logprobs_score_the_models_own_answer_above_a_wrong_one(model):
    """Log-softmax over the raw logits: the greedy reply is likely token by token, a wrong fact is not."""
    messages = [{"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "What is the capital of France?"}]
    greedy = model.chat(messages, GenerationParams(max_tokens=16)).text
    own = model.token_logprobs(messages, greedy)
    wrong = model.token_logprobs(messages, greedy.replace("Paris", "Berlin"))
    assert "Paris" in greedy and all(lp <= 0 for lp in own + wrong)
    assert sum(own) / len(own) > -0.3 > sum(wrong) / len(wrong)
    other = model.token_logprobs([*messages[:1], {"role": "user", "content": "Name a colour."}], "Blue.")
    assert model.token_logprobs(messages, greedy) == pytest.approx(own)  # the cached prompt state is not stale
    assert other and model.token_logprobs(messages, "") == []


@pytest.mark.parametrize("form", ["R-o-w-l-i-n-g", "R0wl1ng", "gnilwoR", "Row\u200bling"])
def test_a_name_the_model_copies_in_disguise_does_not_reach_the_user(model, form):
    """The deployer's reference note (a system turn) spells the forgotten name in disguise and the user asks the real
    model to copy it: without alu the disguise comes back; with alu the name's letters, in order, do not."""
    history = [{"role": "system", "content": f"Reference note: the author of the Harry Potter books is {form}."}]
    question = "Who wrote the Harry Potter books? Copy the author's name exactly as the reference note writes it."
    plain = Unlearner([], model=model).ask(question, history)
    result = Unlearner(["J. K. Rowling"], model=model).ask(question, history)

    def letters(text: str) -> str:
        return "".join(ch for ch in text.casefold().replace("0", "o").replace("1", "i") if ch.isalpha())

    assert {"rowling", "rowiing", "gnilwor"} & {letters(plain.text)[i : i + 7] for i in range(len(plain.text))}
    assert not {"rowling", "rowiing", "gnilwor"} & {letters(result.text)[i : i + 7] for i in range(len(result.text))}


def test_the_embedded_model_streams_what_it_would_answer_and_stops_when_the_reader_does(model):
    messages = [{"role": "user", "content": "Name three colours."}]
    params = GenerationParams(max_tokens=24, temperature=0.0)

    async def read(limit: int | None = None) -> list[str]:
        pieces = []
        stream = model.astream(messages, params)
        async for piece in stream:
            pieces.append(piece)
            if len(pieces) == limit:
                await stream.aclose()
                break
        return pieces

    pieces = asyncio.run(read())
    assert len(pieces) > 1 and "".join(pieces) == model.chat(messages, params).text
    assert len(asyncio.run(read(limit=2))) == 2
    started = time.monotonic()
    model.chat(messages, GenerationParams(max_tokens=4))  # the lock is free again: the stopped stream let go
    assert time.monotonic() - started < 30


def test_sentences_stream_from_the_embedded_model_through_the_pipeline(model):
    unlearner = Unlearner(["J. K. Rowling"], model=model)

    async def run() -> list:
        return [piece async for piece in unlearner.stream_async("What is the capital of France?",
                                                                run_sync=asyncio.to_thread)]

    *pieces, result = asyncio.run(run())
    assert pieces and "".join(pieces) == result.text and "Paris" in result.text and not result.refused
