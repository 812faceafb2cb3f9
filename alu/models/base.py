"""The small interface every chat backend implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

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
    """Sampling settings for one call."""

    max_tokens: int = 256
    temperature: float = 0.0
    seed: int = 0
    json_schema: dict[str, Any] | None = None
    timeout_s: float | None = None


class ChatModel(Protocol):
    """A chat model: messages in, one completion out. Raises ModelCallError on failure.

    A model may also offer `async achat(messages, params)` with the same contract: the gateway then awaits the
    governed model's call in its event loop instead of holding a worker thread for it (Unlearner.ask_async).
    """

    name: str

    def chat(self, messages: list[Message], params: GenerationParams) -> Completion: ...


@runtime_checkable
class ScoringModel(Protocol):
    """A backend that can score a given reply: the log-probability of each of its tokens."""

    def token_logprobs(self, messages: list[Message], continuation: str) -> list[float]: ...
