"""Chat backends (one class each), the embedded model catalog, and the one factory every caller uses."""

from __future__ import annotations

from .base import (
    AsyncChatModel,
    ChatModel,
    Completion,
    GenerationParams,
    LoadableModel,
    Message,
    ScoringModel,
    StreamingChatModel,
)
from .catalog import CATALOG, DEFAULT_MODEL, installed_models
from .llama import LlamaCppModel
from .openai_http import MAX_REPLY_BYTES, OpenAICompatModel
from .settings import ModelSettings


def get_model(name: str = DEFAULT_MODEL, base_url: str | None = None, api_key: str | None = None, *,
              n_ctx: int = 4096, max_reply_bytes: int = MAX_REPLY_BYTES) -> ChatModel:
    """A local GGUF model by catalog name or path (n_ctx: its context), or the model `name` served at base_url
    (max_reply_bytes: the longest reply body it reads)."""
    if base_url:
        return OpenAICompatModel(base_url=base_url, model=name, api_key=api_key, max_reply_bytes=max_reply_bytes)
    return LlamaCppModel(name, n_ctx=n_ctx)


def models_of(settings: ModelSettings) -> tuple[ChatModel, ChatModel]:
    """The governed model and the agents' model (the same object unless settings name another)."""
    governed = model_named(settings, settings.model)
    return governed, (model_named(settings, settings.agent_model) if settings.agent_model else governed)


def model_named(settings: ModelSettings, name: str) -> ChatModel:
    """The model `name`, local or served where settings say."""
    return get_model(name, settings.base_url, settings.api_key, n_ctx=settings.n_ctx,
                     max_reply_bytes=settings.max_reply_bytes)


__all__ = [
    "CATALOG",
    "DEFAULT_MODEL",
    "AsyncChatModel",
    "StreamingChatModel",
    "ChatModel",
    "Completion",
    "GenerationParams",
    "LlamaCppModel",
    "LoadableModel",
    "Message",
    "ModelSettings",
    "OpenAICompatModel",
    "ScoringModel",
    "get_model",
    "installed_models",
    "model_named",
    "models_of",
]
