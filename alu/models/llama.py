"""Local GGUF backend through llama-cpp-python. Each file is loaded once per process."""

from __future__ import annotations

import os
import threading
import time
from functools import lru_cache
from pathlib import Path

from ..errors import ModelCallError
from .base import Completion, GenerationParams, Message
from .catalog import resolve_gguf


class _Deadline(Exception):
    """Raised inside generation when the call's time is up."""


@lru_cache(maxsize=4)
def _load(path: str, n_ctx: int, n_threads: int):
    from llama_cpp import Llama

    return Llama(model_path=path, n_ctx=n_ctx, n_threads=n_threads, seed=0, verbose=False), threading.Lock()


class LlamaCppModel:
    """A GGUF model (a catalog name or a file path) run in-process."""

    def __init__(self, name: str, n_ctx: int = 4096, n_threads: int | None = None) -> None:
        self.name = name
        self.path: Path = resolve_gguf(name)
        self.n_ctx = n_ctx
        self.n_threads = n_threads or int(os.environ.get("ALU_THREADS", 0)) or os.cpu_count() or 2

    def _llama(self):
        return _load(str(self.path), self.n_ctx, self.n_threads)

    def chat(self, messages: list[Message], params: GenerationParams) -> Completion:
        llama, lock = self._llama()
        kwargs = {}
        if params.json_schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": params.json_schema}
        started = time.monotonic()
        deadline = started + params.timeout_s if params.timeout_s else None

        def stop_at_deadline(input_ids, logits):
            if deadline is not None and time.monotonic() > deadline:
                raise _Deadline
            return logits

        with lock:
            llama.set_seed(params.seed)
            try:
                response = llama.create_chat_completion(
                    messages=messages,
                    max_tokens=params.max_tokens,
                    temperature=params.temperature,
                    seed=params.seed,
                    logits_processor=[stop_at_deadline],
                    **kwargs,
                )
            except _Deadline:
                raise ModelCallError(f"model call timed out after {params.timeout_s:.0f}s") from None
            except Exception as exc:  # llama.cpp raises ValueError, RuntimeError, ...
                raise ModelCallError(f"local model failed: {exc.__class__.__name__}") from None
        usage = response.get("usage", {})
        return Completion(
            text=response["choices"][0]["message"].get("content") or "",
            prompt_tokens=usage.get("prompt_tokens", 0),
            completion_tokens=usage.get("completion_tokens", 0),
            latency_s=time.monotonic() - started,
        )
