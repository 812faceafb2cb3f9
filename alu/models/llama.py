"""Local GGUF backend through llama-cpp-python. Each file is loaded once per process."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import threading
import time
from collections.abc import AsyncIterator, Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import ModelCallError, ModelNotFoundError
from .base import Completion, GenerationParams, Message
from .catalog import resolve_gguf

_OPEN: list = []  # every Llama loaded, closed at exit while the modules its destructor needs still exist


@atexit.register
def _close_all() -> None:
    """Free the loaded models before interpreter shutdown (llama-cpp-python's own destructor, run during shutdown,
    prints a traceback)."""
    while _OPEN:
        _OPEN.pop().close()


def _opened(llama):
    _OPEN.append(llama)
    return llama


@lru_cache(maxsize=4)
def _load(path: str, n_ctx: int, n_threads: int):
    from llama_cpp import Llama

    llama = _opened(Llama(model_path=path, n_ctx=n_ctx, n_threads=n_threads, seed=0, verbose=False))
    return llama, threading.Lock()


@lru_cache(maxsize=1)
def _load_scorer(path: str, n_ctx: int, n_threads: int):
    """A second instance with room for the logits of every position (needed to score a given continuation), with
    the chat template of the file compiled once."""
    from llama_cpp import Llama
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    llama = _opened(Llama(model_path=path, n_ctx=n_ctx, n_threads=n_threads, logits_all=True, verbose=False))
    llama._logits_all = False  # switched on per call, for the scored tokens only
    formatter = Jinja2ChatFormatter(template=llama.metadata["tokenizer.chat_template"],
                                    eos_token=_token_text(llama, llama.token_eos()),
                                    bos_token=_token_text(llama, llama.token_bos()))
    return llama, formatter, threading.Lock()


class LlamaCppModel:
    """A GGUF model (a catalog name or a file path) run in-process."""

    def __init__(self, name: str, n_ctx: int = 4096, n_threads: int | None = None) -> None:
        self.name = name
        self.path: Path = resolve_gguf(name)
        self.n_ctx = n_ctx
        self.n_threads = n_threads or int(os.environ.get("ALU_THREADS", 0)) or os.cpu_count() or 2
        self.warm_up()  # load now, so a bad file is a clear error rather than a refusal later

    def warm_up(self) -> None:
        """Load the file into memory (once per process)."""
        self._llama()

    def _llama(self):
        try:
            return _load(str(self.path), self.n_ctx, self.n_threads)
        except (ValueError, RuntimeError, OSError):
            raise ModelNotFoundError(f"cannot load model file {self.path}: not a valid GGUF model") from None

    def chat(self, messages: list[Message], params: GenerationParams) -> Completion:
        """Stream the reply so that the deadline is checked after every token."""
        return self._generate(messages, params)

    async def astream(self, messages: list[Message], params: GenerationParams) -> AsyncIterator[str]:
        """The reply's text as the model writes it: generation runs in a worker thread and stops when the reader
        does (a client that leaves, a sentence held back)."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        stop = threading.Event()

        def put(item: str | BaseException | None) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody reads any more
                loop.call_soon_threadsafe(queue.put_nowait, item)

        def run() -> None:
            try:
                self._generate(messages, params, put, stop)
            except Exception as exc:  # ModelCallError: re-raised in the reader
                put(exc)
            else:
                put(None)

        loop.run_in_executor(None, run)
        try:
            while (item := await queue.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()

    def _generate(self, messages: list[Message], params: GenerationParams,
                  on_piece: Callable[[str], None] | None = None, stop: threading.Event | None = None) -> Completion:
        """The reply, each piece passed to on_piece as it is written; generation ends early once stop is set."""
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
                    piece = chunk["choices"][0]["delta"].get("content") or ""
                    pieces.append(piece)
                    if piece and on_piece is not None:
                        on_piece(piece)
                    if time.monotonic() > deadline:
                        stream.close()
                        raise ModelCallError(f"model call timed out after {params.timeout_s:g}s")
                    if stop is not None and stop.is_set():
                        stream.close()
                        break
            except ModelCallError:
                raise
            except Exception as exc:  # llama.cpp raises ValueError, RuntimeError, ...
                raise ModelCallError(f"local model failed: {exc.__class__.__name__}") from None
            completion_tokens = sum(1 for piece in pieces if piece)
            prompt_tokens = max(llama.n_tokens - completion_tokens, 0)
        return Completion("".join(pieces), prompt_tokens, completion_tokens, time.monotonic() - started)

    def token_logprobs(self, messages: list[Message], continuation: str) -> list[float]:
        """Log-probability of each token of continuation as the assistant's reply to messages.

        Computed as a log-softmax over the raw logits: llama-cpp-python's own `logprobs` output is wrong in 0.3.x.
        """
        llama, formatter, lock = _load_scorer(str(self.path), self.n_ctx, self.n_threads)
        with lock:
            prompt = llama.tokenize(formatter(messages=messages).prompt.encode(), add_bos=False, special=True)
            reply = llama.tokenize(continuation.encode(), add_bos=False, special=False)
            if not reply:
                return []
            if len(prompt) + len(reply) > llama.n_ctx():
                raise ModelCallError("the text to score does not fit the model's context")
            _eval_prefix(llama, prompt[:-1])
            llama._logits_all = True  # the vocabulary projection only where it is needed: the reply's positions
            try:
                llama.eval(prompt[-1:] + reply)
            finally:
                llama._logits_all = False
            logits = np.asarray(llama.scores[len(prompt) - 1: len(prompt) + len(reply) - 1], dtype=np.float64)
        top = logits.max(axis=1, keepdims=True)
        log_norm = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
        return (logits[np.arange(len(reply)), reply] - log_norm).tolist()


def _eval_prefix(llama, tokens: list[int]) -> None:
    """Evaluate tokens without logits, reusing the cached state when the last call began the same way."""
    if llama.n_tokens >= len(tokens) and llama.input_ids[: len(tokens)].tolist() == tokens:
        llama.n_tokens = len(tokens)
        return
    llama.reset()
    llama.eval(tokens)


def _token_text(llama, token_id: int) -> str:
    return llama._model.token_get_text(token_id) if token_id != -1 else ""
