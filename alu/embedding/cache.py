"""A persistent cache of sentence vectors keyed by the sha256 of model name and text, so a restart loads target
profiles instead of re-encoding them."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..paths import embedding_cache_path
from .embedder import TextEncoder
from .minilm import DIM

CHUNK = 2048  # texts encoded and saved at a time


class EmbeddingCache:
    """Vectors of texts already encoded, in an SQLite file (float16, keyed by sha256 of model name and text)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)")

    def get(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        """The cached vectors among keys."""
        found: dict[bytes, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(keys), 900):  # below SQLite's limit on bound parameters
                chunk = keys[start : start + 900]
                marks = ",".join("?" * len(chunk))
                for key, blob in self._db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk):
                    found[key] = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
        return found

    def put(self, items: dict[bytes, np.ndarray]) -> None:
        rows = [(key, vector.astype(np.float16).tobytes()) for key, vector in items.items()]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)", rows)

    def close(self) -> None:
        self._db.close()


def encode_cached(embedder: TextEncoder, texts: list[str], cache: EmbeddingCache | None) -> tuple[np.ndarray, int]:
    """Vectors for texts, encoding only those not in the cache (each distinct text once); also the number encoded."""
    if cache is None:
        return embedder.encode(texts), len(texts)
    model = getattr(embedder, "cache_key", type(embedder).__name__)
    keys = [_key(model, text) for text in texts]
    vectors = cache.get(list(dict.fromkeys(keys)))
    missing = list(dict.fromkeys(text for key, text in zip(keys, texts, strict=True) if key not in vectors))
    for start in range(0, len(missing), CHUNK):  # saved chunk by chunk: an interrupted bulk load keeps its work
        chunk = missing[start : start + CHUNK]
        new = {_key(model, text): vector for text, vector in zip(chunk, embedder.encode(chunk), strict=True)}
        cache.put(new)
        vectors.update(new)
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for row, key in enumerate(keys):
        out[row] = vectors[key]
    return out, len(missing)


def _key(model: str, text: str) -> bytes:
    return hashlib.sha256(f"{model}\0{text}".encode()).digest()


@lru_cache(maxsize=1)
def default_cache() -> EmbeddingCache:
    """The process-wide embedding cache."""
    return EmbeddingCache(embedding_cache_path())
