"""Local GGUF backend through llama-cpp-python. Each file is loaded once per process."""

from __future__ import annotations

import os
import threading
import time
from functools import lru_cache
from pathlib import Path

from ..errors import ModelCallError, ModelNotFoundError
from .base import Completion, GenerationParams, Message
from .catalog import resolve_gguf


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
        self._llama()  # load now, so a bad file is a clear error rather than a refusal later

    def _llama(self):
        try:
            return _load(str(self.path), self.n_ctx, self.n_threads)
        except (ValueError, RuntimeError, OSError):
            raise ModelNotFoundError(f"cannot load model file {self.path}: not a valid GGUF model") from None

    def chat(self, messages: list[Message], params: GenerationParams) -> Completion:
        """Stream the reply so that the deadline is checked after every token."""
        llama, lock = self._llama()
        kwargs = {}
        if params.json_schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": params.json_schema}
        started = time.monotonic()
        deadline = started + params.timeout_s if params.timeout_s else float("inf")
        pieces: list[str] = []
        with lock:
            llama.set_seed(params.seed)
            try:
                stream = llama.create_chat_completion(
                    messages=messages, max_tokens=params.max_tokens, temperature=params.temperature,
                    seed=params.seed, stream=True, **kwargs,
                )
                for chunk in stream:
                    pieces.append(chunk["choices"][0]["delta"].get("content") or "")
                    if time.monotonic() > deadline:
                        stream.close()
                        raise ModelCallError(f"model call timed out after {params.timeout_s:g}s")
            except ModelCallError:
                raise
            except Exception as exc:  # llama.cpp raises ValueError, RuntimeError, ...
                raise ModelCallError(f"local model failed: {exc.__class__.__name__}") from None
            completion_tokens = sum(1 for piece in pieces if piece)
            prompt_tokens = max(llama.n_tokens - completion_tokens, 0)
        return Completion("".join(pieces), prompt_tokens, completion_tokens, time.monotonic() - started)
