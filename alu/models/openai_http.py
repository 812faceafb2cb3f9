"""OpenAI-compatible HTTP backend: vLLM, Ollama, llama.cpp server, OpenAI."""

from __future__ import annotations

import os
import time

import httpx

from ..errors import ModelCallError
from .base import Completion, GenerationParams, Message


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

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout_s: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"{model}@{self.base_url}"
        key = api_key if api_key is not None else os.environ.get("ALU_API_KEY") or os.environ.get("OPENAI_API_KEY")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout_s)
        self._json_format = 0  # index into _json_formats that this server accepts

    def chat(self, messages: list[Message], params: GenerationParams) -> Completion:
        if params.json_schema is None:
            return self._post(messages, params, None)
        formats = _json_formats(params.json_schema)
        for index in range(self._json_format, len(formats)):
            try:
                completion = self._post(messages, params, formats[index])
            except _FormatRejected:
                continue
            self._json_format = index
            return completion
        raise ModelCallError("model server rejected every JSON request format")

    def _post(self, messages: list[Message], params: GenerationParams, response_format: dict | None) -> Completion:
        body: dict = {
            "model": self.model,
            "messages": messages,
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "seed": params.seed,
        }
        if response_format is not None:
            body["response_format"] = response_format
        started = time.monotonic()
        try:
            timeout = params.timeout_s or httpx.USE_CLIENT_DEFAULT
            response = self._client.post("/chat/completions", json=body, timeout=timeout)
            response.raise_for_status()
            data = response.json()
            text = data["choices"][0]["message"].get("content") or ""
        except httpx.TimeoutException:
            raise ModelCallError("model server timed out") from None
        except httpx.HTTPStatusError as exc:
            # llama-cpp-python answers 500 to a response_format type it does not know
            if response_format is not None and exc.response.status_code in (400, 422, 500):
                raise _FormatRejected from None
            raise ModelCallError(f"model server answered HTTP {exc.response.status_code}") from None
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            raise ModelCallError(f"model server call failed: {exc.__class__.__name__}") from None
        usage = data.get("usage") or {}
        return Completion(
            text=text,
            prompt_tokens=usage.get("prompt_tokens", 0),
            completion_tokens=usage.get("completion_tokens", 0),
            latency_s=time.monotonic() - started,
        )
