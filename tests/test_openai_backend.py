"""The OpenAI-compatible backend against a real server process (llama-cpp-python's server) on loopback."""

from __future__ import annotations

import asyncio
import sys

import httpx
import pytest
from server_helpers import control, free_port, start, start_fake_upstream

from alu import Unlearner
from alu.errors import ModelCallError
from alu.models import GenerationParams, OpenAICompatModel
from alu.models.catalog import DEFAULT_MODEL, resolve_gguf

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(resolve_gguf(DEFAULT_MODEL)),
               "--model_alias", "qwen", "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"]
    process = start(command, tmp_path_factory.mktemp("llama-server") / "server.log", port, "/v1/models")
    try:
        yield f"{process.url}/v1"
    finally:
        process.stop()


def test_plain_and_json_calls(server_url):
    model = OpenAICompatModel(server_url, "qwen")
    reply = model.chat([{"role": "user", "content": "Say hello."}], GenerationParams(max_tokens=10))
    assert reply.text and reply.prompt_tokens > 0
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    data = model.chat([{"role": "user", "content": "Capital of France as JSON."}],
                      GenerationParams(max_tokens=30, json_schema=schema))
    assert "city" in httpx.Response(200, content=data.text).json()


async def in_thread(func, *args):
    return await asyncio.to_thread(func, *args)


def achat(model: OpenAICompatModel, messages, params):
    """One async call in its own event loop, closing the model's session before the loop ends."""

    async def call():
        try:
            return await model.achat(messages, params)
        finally:
            await model.aclose()

    return asyncio.run(call())


def test_async_calls_answer_like_sync_ones(server_url):
    model = OpenAICompatModel(server_url, "qwen")
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    calls = [([{"role": "user", "content": "Say hello."}], GenerationParams(max_tokens=10)),
             ([{"role": "user", "content": "Capital of France as JSON."}],
              GenerationParams(max_tokens=30, json_schema=schema))]
    plain, data = (achat(model, *call) for call in calls)
    assert plain.text and plain.prompt_tokens == model.chat(*calls[0]).prompt_tokens
    assert "city" in httpx.Response(200, content=data.text).json()


def test_pipeline_over_http_forgets_the_target(server_url):
    alu = Unlearner(["J. K. Rowling"], model="qwen", base_url=server_url)
    result = alu.ask("Who wrote the Harry Potter books?")
    assert not result.refused and "rowling" not in result.text.lower()
    assert result.trace.path == "rewrite"
    result = asyncio.run(alu.ask_async("Who wrote the Harry Potter books?", run_sync=in_thread))
    assert not result.refused and "rowling" not in result.text.lower()
    assert result.trace.path == "rewrite"


def test_unreachable_server_fails_closed():
    model = OpenAICompatModel(f"http://127.0.0.1:{free_port()}/v1", "qwen", timeout_s=2)
    with pytest.raises(ModelCallError, match="failed"):
        model.chat([{"role": "user", "content": "hi"}], GenerationParams())
    result = Unlearner(["J. K. Rowling"], model=model, embedder=None).ask("Who wrote the Harry Potter books?")
    assert result.refused and "ConnectError" in result.trace.error
    with pytest.raises(ModelCallError, match="failed"):
        achat(model, [{"role": "user", "content": "hi"}], GenerationParams())
    unlearner = Unlearner(["J. K. Rowling"], model=model, embedder=None)
    result = asyncio.run(unlearner.ask_async("Who wrote the Harry Potter books?", run_sync=in_thread))
    assert result.refused and result.trace.reason == "fault" and "ModelCallError" in result.trace.error


def test_async_and_sync_calls_report_http_errors_alike(tmp_path):
    upstream = start_fake_upstream(tmp_path)
    try:
        model = OpenAICompatModel(upstream.url + "/v1", "fake-upstream-model")
        control(upstream, rules=[["hello", "Hello there."], ["bye", "Goodbye."]])
        hello = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello"}]
        bye = [{"role": "user", "content": "bye"}]
        assert achat(model, hello, GenerationParams()).text == model.chat(hello, GenerationParams()).text
        assert model.chat(hello, GenerationParams()).text == "Hello there."  # the answer to this question
        assert achat(model, bye, GenerationParams()).text == model.chat(bye, GenerationParams()).text == "Goodbye."
        control(upstream, fail=503)
        with pytest.raises(ModelCallError, match="answered HTTP 503"):
            model.chat(hello, GenerationParams())
        with pytest.raises(ModelCallError, match="answered HTTP 503"):
            achat(model, hello, GenerationParams())
    finally:
        upstream.stop()
