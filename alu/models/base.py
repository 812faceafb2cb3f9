"""The small interface every chat backend implements, and the optional abilities a backend may add."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ..errors import ModelCallError

Message = dict[str, str]


@dataclass
class Completion:
    """One model reply with its cost."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0


@dataclass(frozen=True)
class GenerationParams:
    """Sampling settings for one call. `role` names the agent making it (vanilla, confirm, smooth, critic, compose,
    paper_erase): backends ignore it; it labels the call for tests and traces."""

    max_tokens: int = 256
    temperature: float = 0.0
    seed: int = 0
    json_schema: dict[str, Any] | None = None
    timeout_s: float | None = None
    role: str = ""


@runtime_checkable
class ChatModel(Protocol):
    """A chat model: messages in, one completion out. Raises ModelCallError on failure.

    Optional abilities, each a protocol below that a backend may also implement:
    AsyncChatModel (awaitable calls, for the gateway's event loop), ScoringModel (log-probabilities of a given
    reply, for TOFU's metrics) and LoadableModel (load now rather than on the first call)."""

    name: str

    def chat(self, messages: list[Message], params: GenerationParams) -> Completion: ...


@runtime_checkable
class AsyncChatModel(Protocol):
    """chat() for an event loop: the gateway awaits the governed model's call instead of holding a worker thread."""

    async def achat(self, messages: list[Message], params: GenerationParams) -> Completion: ...

    async def aclose(self) -> None:
        """Close the connections opened by achat (in the event loop that opened them)."""
        ...


@runtime_checkable
class StreamingChatModel(Protocol):
    """A model whose reply is read as it is written: the gateway's --stream sentences releases it sentence by
    sentence."""

    def astream(self, messages: list[Message], params: GenerationParams) -> AsyncIterator[str]:
        """The reply's text, piece by piece; ModelCallError if the call fails."""
        ...


@runtime_checkable
class ScoringModel(Protocol):
    """A backend that can score a given reply: the log-probability of each of its tokens."""

    def token_logprobs(self, messages: list[Message], continuation: str) -> list[float]: ...


@runtime_checkable
class LoadableModel(Protocol):
    """A backend that loads its weights into memory: warm_up() does it now rather than on the first request."""

    def warm_up(self) -> None: ...


def checked_text(text: str) -> str:
    """A model's output, when it is valid Unicode (no lone surrogate): ModelCallError otherwise, so the request is
    refused rather than failing when the answer is written out."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ModelCallError("the model returned invalid Unicode") from None
    return text
