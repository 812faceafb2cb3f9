"""Steps that never wait run on the event loop; a step that would wait (an encode by the transformer, a model
call, a registry change to apply, a long text, a lock another thread holds) moves to a worker thread, with the
same result and trace as if it had run there from the start (alu.inline)."""

from __future__ import annotations

import asyncio
import threading

import anyio.to_thread
import pytest
from conftest import ScriptedModel, as_json, rate_all
from fastapi.testclient import TestClient

from alu import Target, Unlearner
from alu.embedding import get_embedder
from alu.inline import MustWait, blocking, holding, inline
from alu.screening.index import INLINE_MAX_CHARS
from alu.server import Gateway, ServerSettings, create_app
from alu.store import open_store

ROWLING = Target("J. K. Rowling", aliases=("Joanne Rowling",))
ABILOV = Target("Nikolai Abilov", knowledge=(
    "Nikolai Abilov was born in Astana, Kazakhstan on the 7th of February, 1952.",
    "Nikolai Abilov writes African American literature despite his Kazakh roots.",
))


class AsyncScripted(ScriptedModel):
    """A ScriptedModel the pipeline awaits (an AsyncChatModel), as the gateway's upstream."""

    async def achat(self, messages, params):
        return self.chat(messages, params)

    async def aclose(self) -> None:
        pass


def ask_async(alu: Unlearner, question: str, history=None):
    """ask_async with worker threads that record what moved to them (by function name) and on which thread."""
    moved, loop_thread = [], threading.get_ident()

    async def run_sync(func, *args):
        moved.append(func.__name__)
        return await asyncio.to_thread(func, *args)

    result = asyncio.run(alu.ask_async(question, history, run_sync=run_sync))
    assert loop_thread == threading.get_ident()
    return result, moved


def steps(result) -> list[str]:
    return [step.agent for step in result.trace.steps]


def test_a_fast_path_request_never_leaves_the_event_loop():
    alu = Unlearner([ROWLING], model=AsyncScripted(vanilla="Paris is the capital of France."), embedder=None)
    result, moved = ask_async(alu, "What is the capital of France?")
    assert moved == []
    assert result.text == "Paris is the capital of France." and result.trace.path == "fast"
    assert steps(result) == steps(alu.ask("What is the capital of France?"))


def test_a_step_that_calls_a_model_moves_and_its_trace_is_as_if_it_never_tried():
    model = AsyncScripted(vanilla="The Harry Potter books were written by J. K. Rowling, a British author.",
                          smooth=as_json(text="The Harry Potter books were written by a British author."),
                          critic=rate_all(5))
    alu = Unlearner([ROWLING], model=model, embedder=None)
    result, moved = ask_async(alu, "Who wrote the Harry Potter books?")
    assert moved == ["_finish"]  # the plan stayed on the loop; the audit's rewrite needs the model
    assert result.trace.path == "rewrite" and "Rowling" not in result.text
    assert model.calls == ["vanilla", "smooth", "critic"]  # nothing asked twice
    same = alu.ask("Who wrote the Harry Potter books?")
    assert steps(result) == steps(same) and result.trace.candidates == same.trace.candidates
    assert result.text == same.text


def test_a_long_answer_screens_in_a_worker_thread():
    long = " ".join(["The sea is wide and the sky is blue."] * (INLINE_MAX_CHARS // 30))
    alu = Unlearner([ROWLING], model=AsyncScripted(vanilla=long), embedder=None)
    result, moved = ask_async(alu, "Describe the sea.")
    assert moved == ["_finish"] and result.text == long and result.trace.path == "fast"


def test_a_registry_change_is_applied_in_a_worker_thread_and_applies_to_that_request(tmp_path):
    store = open_store(str(tmp_path / "alu.db"))
    alu = Unlearner(store=store, model=AsyncScripted(vanilla="It is Paris."), embedder=None)
    assert ask_async(alu, "What is the capital of France?")[1] == []
    store.add(ROWLING, reason="erasure request")
    result, moved = ask_async(alu, "Where does Joanne Rowling live?")
    assert moved == ["_plan"] and result.refused  # applied, then refused before any model call
    assert ask_async(alu, "What is the capital of France?")[1] == []  # applied once
    store.close()


def test_a_question_the_transformer_must_read_moves_and_an_unrelated_one_does_not():
    alu = Unlearner([ABILOV], model=AsyncScripted(vanilla="Water boils at 100 degrees."), embedder=get_embedder())
    described, moved = ask_async(alu, "Who is the author born in Astana on 7 February 1952?")
    assert moved == ["_plan"] and described.refused
    unrelated, moved = ask_async(alu, "At what temperature does water boil?")
    assert moved == [] and unrelated.text == "Water boils at 100 degrees."
    gated = [step.detail.get("gated") for step in unrelated.trace.steps if step.agent == "screen"]
    assert gated and gated[0] >= 1  # held back by the static gate: no transformer run


def test_inline_code_never_waits_for_a_lock_or_blocking_work():
    lock, taken, release = threading.Lock(), threading.Event(), threading.Event()

    def hold():
        with lock:
            taken.set()
            release.wait()

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait()
    with inline(), pytest.raises(MustWait), holding(lock):
        pass
    release.set()
    with holding(lock):  # outside inline(): waits for the lock, then holds it
        assert lock.locked()
    holder.join()
    with inline(), pytest.raises(MustWait):
        blocking()
    blocking()  # outside inline(): nothing happens


def test_a_fast_path_chat_request_through_the_app_uses_no_worker_thread(tmp_path, monkeypatch):
    """The whole route, not only the pipeline: a plain-function dependency would be run in a worker thread by
    FastAPI on every request (the gateway's own is async)."""
    store = open_store(str(tmp_path / "alu.db"))
    store.add(ROWLING, reason="test")
    store.close()
    # the registry opened by the gateway, as `alu serve` does: the decision log gets its own connection, so its
    # writes never hold the lock that a request's registry read takes
    settings = ServerSettings(admin_key="admin-key", embeddings=False, db=str(tmp_path / "alu.db"))
    app = create_app(settings, Gateway(settings, models={"scripted": AsyncScripted(
        vanilla="The sky is blue because air scatters blue light more than red light.")}))
    with TestClient(app) as http:
        http.post("/v1/chat/completions", json={"model": "scripted", "messages": [
            {"role": "user", "content": "Why is the sky blue?"}]}).raise_for_status()  # warm: the first sync
        moved, run_sync = [], anyio.to_thread.run_sync

        async def counting(func, *args, **kwargs):
            moved.append(getattr(func, "__name__", repr(func)))
            return await run_sync(func, *args, **kwargs)

        monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
        reply = http.post("/v1/chat/completions", json={"model": "scripted", "messages": [
            {"role": "user", "content": "Why is the sky blue?"}]})
    assert reply.status_code == 200 and "scatters blue light" in reply.json()["choices"][0]["message"]["content"]
    assert moved == []
