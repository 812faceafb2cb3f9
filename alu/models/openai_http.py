"""OpenAI-compatible HTTP backend: vLLM, Ollama, llama.cpp server, OpenAI."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import httpx

from ..errors import ModelCallError
from .base import Completion, GenerationParams, Message

MAX_REPLY_BYTES = 2_000_000


class _FormatRejected(Exception):
    """The server refused the response_format of a request."""


def _json_formats(schema: dict) -> list[dict | None]:
    """Ways to ask for schema-bound JSON, most standard first; None = ask in the prompt only."""
    return [
        {"type": "json_schema", "json_schema": {"name": "output", "schema": schema, "strict": True}},  # OpenAI, vLLM
        {"type": "json_object", "schema": schema},  # llama.cpp server (llama-cpp-python)
        None,
    ]


class OpenAICompatModel:
    """Chat completions over HTTP against any server that speaks the OpenAI API."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout_s: float = 120.0,
                 max_reply_bytes: int = MAX_REPLY_BYTES) -> None:
        """max_reply_bytes: a reply body longer than this is a failed call (read no further)."""
        self.base_url = base_url.rstrip("/")
        self.max_reply_bytes = max_reply_bytes
        self.model = model
        self.name = f"{model}@{self.base_url}"
        key = api_key if api_key is not None else os.environ.get("ALU_API_KEY") or os.environ.get("OPENAI_API_KEY")
        self._headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._timeout_s = timeout_s
        # every request thread keeps its connection alive (httpx keeps only 20 by default)
        limits = httpx.Limits(max_keepalive_connections=None)
        self._client = httpx.Client(base_url=self.base_url, headers=self._headers, timeout=timeout_s, limits=limits)
        self._session: aiohttp.ClientSession | None = None
        self._session_loop: asyncio.AbstractEventLoop | None = None
        self._json_format = 0  # index into _json_formats that this server accepts

    def chat(self, messages: list[Message], params: GenerationParams) -> Completion:
        for index, response_format in self._formats(params):
            try:
                completion = self._post(messages, params, response_format)
            except _FormatRejected:
                continue
            self._json_format = index
            return completion
        raise ModelCallError("model server rejected every JSON request format")

    async def achat(self, messages: list[Message], params: GenerationParams) -> Completion:
        """chat() for an event loop, over a pooled aiohttp session."""
        for index, response_format in self._formats(params):
            try:
                completion = await self._apost(messages, params, response_format)
            except _FormatRejected:
                continue
            self._json_format = index
            return completion
        raise ModelCallError("model server rejected every JSON request format")

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _formats(self, params: GenerationParams) -> list[tuple[int, dict | None]]:
        """(index, response_format) to try in turn, from the one this server accepted last."""
        if params.json_schema is None:
            return [(self._json_format, None)]
        formats = _json_formats(params.json_schema)
        return [(index, formats[index]) for index in range(self._json_format, len(formats))]

    def _body(self, messages: list[Message], params: GenerationParams, response_format: dict | None) -> dict:
        body: dict = {
            "model": self.model,
            "messages": messages,
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "seed": params.seed,
        }
        if response_format is not None:
            body["response_format"] = response_format
        return body

    def _post(self, messages: list[Message], params: GenerationParams, response_format: dict | None) -> Completion:
        started = time.monotonic()
        try:
            with self._client.stream("POST", "/chat/completions", json=self._body(messages, params, response_format),
                                     timeout=params.timeout_s or httpx.USE_CLIENT_DEFAULT) as response:
                status = response.status_code
                data = json.loads(self._read(response.iter_bytes())) if status < 400 else None
        except httpx.TimeoutException:
            raise ModelCallError("model server timed out") from None
        except (httpx.HTTPError, ValueError) as exc:
            raise ModelCallError(f"model server call failed: {exc.__class__.__name__}") from None
        return _completion(status, data, response_format, started)

    def _read(self, chunks: Iterator[bytes]) -> bytes:
        body = bytearray()
        for chunk in chunks:
            self._grow(body, chunk)
        return bytes(body)

    async def _aread(self, chunks: AsyncIterator[bytes]) -> bytes:
        body = bytearray()
        async for chunk in chunks:
            self._grow(body, chunk)
        return bytes(body)

    def _grow(self, body: bytearray, chunk: bytes) -> None:
        """Add a chunk to a reply body; past max_reply_bytes the call fails (nothing more is read)."""
        body += chunk
        if len(body) > self.max_reply_bytes:
            raise ModelCallError(f"model server reply longer than {self.max_reply_bytes} bytes")

    def _session_here(self) -> aiohttp.ClientSession:
        """The aiohttp session of the running event loop: one per loop (a session cannot outlive its loop); up to
        100 keep-alive connections (aiohttp's default), more concurrent calls wait for one; no cookies: calls of
        different end users must not share state."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session_loop is not loop:
            self._session = aiohttp.ClientSession(headers=self._headers, cookie_jar=aiohttp.DummyCookieJar())
            self._session_loop = loop
        return self._session

    async def astream(self, messages: list[Message], params: GenerationParams) -> AsyncIterator[str]:
        """The reply's text as the server streams it (server-sent events), at most max_reply_bytes."""
        timeout = aiohttp.ClientTimeout(total=params.timeout_s or self._timeout_s)
        body, size = {**self._body(messages, params, None), "stream": True}, 0
        try:
            async with self._session_here().post(self.base_url + "/chat/completions", timeout=timeout,
                                                 json=body) as response:
                if response.status >= 400:
                    raise ModelCallError(f"model server answered HTTP {response.status}")
                async for line in response.content:
                    size += len(line)
                    if size > self.max_reply_bytes:
                        raise ModelCallError(f"model server reply longer than {self.max_reply_bytes} bytes")
                    data = line.strip().removeprefix(b"data:").strip()
                    if not line.startswith(b"data:") or not data:
                        continue
                    if data == b"[DONE]":
                        return
                    choices = json.loads(data).get("choices") or [{}]
                    piece = (choices[0].get("delta") or {}).get("content") or ""
                    if piece:
                        yield piece
        except asyncio.TimeoutError:
            raise ModelCallError("model server timed out") from None
        except (aiohttp.ClientError, ValueError, AttributeError, TypeError) as exc:
            raise ModelCallError(f"model server call failed: {exc.__class__.__name__}") from None

    async def _apost(self, messages: list[Message], params: GenerationParams,
                     response_format: dict | None) -> Completion:
        started = time.monotonic()
        timeout = aiohttp.ClientTimeout(total=params.timeout_s or self._timeout_s)
        try:
            async with self._session_here().post(self.base_url + "/chat/completions", timeout=timeout,
                                          json=self._body(messages, params, response_format)) as response:
                status = response.status
                data = json.loads(await self._aread(response.content.iter_chunked(65536))) if status < 400 else None
        except asyncio.TimeoutError:
            raise ModelCallError("model server timed out") from None
        except (aiohttp.ClientError, ValueError) as exc:
            raise ModelCallError(f"model server call failed: {exc.__class__.__name__}") from None
        return _completion(status, data, response_format, started)


def _completion(status: int, data: Any, response_format: dict | None, started: float) -> Completion:
    """The completion of a response (its status and JSON body), or the error it amounts to."""
    if status >= 400:
        # llama-cpp-python answers 500 to a response_format type it does not know
        if response_format is not None and status in (400, 422, 500):
            raise _FormatRejected
        raise ModelCallError(f"model server answered HTTP {status}")
    try:
        text = data["choices"][0]["message"].get("content") or ""
        usage = data.get("usage") or {}
        return Completion(
            text=text,
            prompt_tokens=usage.get("prompt_tokens", 0),
            completion_tokens=usage.get("completion_tokens", 0),
            latency_s=time.monotonic() - started,
        )
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise ModelCallError(f"model server call failed: {exc.__class__.__name__}") from None
