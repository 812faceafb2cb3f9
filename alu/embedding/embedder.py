"""Sentence embeddings with the packaged all-MiniLM-L6-v2 (int8 on ONNX Runtime, loaded once per process, offline)."""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

import numpy as np

from .minilm import load_minilm
from .static import load_static

MODEL_NAME = "all-MiniLM-L6-v2-int8"  # names the vectors in the cache: another model or precision never mixes in


class TextEncoder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


class Embedder:
    """Unit-length sentence vectors; cosine similarity is a dot product. Safe to call from many threads at once."""

    cache_key = MODEL_NAME  # embedders with a cache_key get their vectors cached on disk

    def __init__(self) -> None:
        self._model = load_minilm()

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(list(texts))

    def encode_static(self, texts: list[str]) -> np.ndarray:
        """Cheap approximations of encode's vectors, in the same space (see alu.embedding.static)."""
        return load_static().encode(texts)


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    """The process-wide embedder."""
    return Embedder()
