"""Chat backends and the embedded model catalog."""

from __future__ import annotations

from .base import ChatModel, Completion, GenerationParams, Message
from .catalog import CATALOG, DEFAULT_MODEL, installed_models
from .llama import LlamaCppModel
from .openai_http import OpenAICompatModel


def get_model(name: str = DEFAULT_MODEL, base_url: str | None = None, api_key: str | None = None) -> ChatModel:
    """A local GGUF model by catalog name or path, or a remote model when base_url is given."""
    if base_url:
        return OpenAICompatModel(base_url=base_url, model=name, api_key=api_key)
    return LlamaCppModel(name)


__all__ = [
    "CATALOG",
    "DEFAULT_MODEL",
    "ChatModel",
    "Completion",
    "GenerationParams",
    "LlamaCppModel",
    "Message",
    "OpenAICompatModel",
    "get_model",
    "installed_models",
]
