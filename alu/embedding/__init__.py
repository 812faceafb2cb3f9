"""Sentence embeddings: the packaged MiniLM encoder and the persistent cache of vectors."""

from .cache import EmbeddingCache, default_cache, encode_cached
from .embedder import MODEL_NAME, Embedder, TextEncoder, get_embedder
from .minilm import DIM

__all__ = ["DIM", "MODEL_NAME", "Embedder", "EmbeddingCache", "TextEncoder", "default_cache", "encode_cached",
           "get_embedder"]
