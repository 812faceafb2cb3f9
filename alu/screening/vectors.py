"""The vector store of screening: every target's profile and knowledge chunks in one approximate nearest-neighbour
index (usearch HNSW, float16), so a text about what a target is known for finds it whatever its wording.

Chosen by measurement (benchmarks/vector_index.py on real knowledge-like texts): at 200,000 chunks usearch float16
keeps recall@10 0.996 against exact search at 0.47 ms a query and about 1 KB a chunk (1,000,000 chunks in about
1 GB), and removes a chunk in place. A search costs about the same at any size (the HNSW graph's depth grows with
the logarithm of the number of chunks). Keys are never reused: a removed chunk's key stays a tombstone.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from usearch.index import Index

from ..embedding import DIM
from .mentions import split_sentences

CONNECTIVITY, EXPANSION = 32, 128  # HNSW graph degree and candidate lists (build and search), as measured
CHUNK_CHARS = 400  # a longer knowledge text (a passage) is cut at sentence ends into chunks of about this size


def chunk(text: str) -> list[str]:
    """A knowledge text as chunks: short texts whole, a passage as runs of sentences of about CHUNK_CHARS."""
    if len(text) <= CHUNK_CHARS:
        return [text]
    chunks, current = [], ""
    for sentence in split_sentences(text, limit=len(text)) or [text]:
        if current and len(current) + 1 + len(sentence) > CHUNK_CHARS:
            chunks.append(current)
            current = ""
        current = f"{current} {sentence}".strip()
    return [*chunks, current] if current else chunks


class VectorStore:
    """Unit vectors with an owner (a target id) and a text each; nearest-neighbour search by cosine."""

    def __init__(self) -> None:
        self._index = _new_index()
        self._owners: list[str | None] = []  # key -> target id (None: removed)
        self._texts: list[str | None] = []  # key -> the chunk's text

    def __len__(self) -> int:
        return len(self._index)

    def add(self, owners: list[str], texts: list[str], vectors: np.ndarray, parallel: bool = False) -> list[int]:
        """Store vectors, each with its owner and text; returns their keys, in order. The graph is built on one
        thread: built on several, it differs from build to build (the insertion order varies), and so would the
        candidates of a request; on one, the same vectors give the same graph, and the same answers, in every
        process. parallel: on every core, about twice as fast, for a first load whose graph is saved and loaded
        by the next starts (TargetIndex._load), which then all share that one graph."""
        start = len(self._owners)
        keys = list(range(start, start + len(texts)))
        if keys:
            self._index.add(np.asarray(keys, dtype=np.uint64), np.asarray(vectors, dtype=np.float32),
                            threads=0 if parallel else 1)
        self._owners.extend(owners)
        self._texts.extend(texts)
        return keys

    def remove(self, keys: list[int]) -> None:
        if keys:
            self._index.remove(np.asarray(keys, dtype=np.uint64))
        for key in keys:
            self._owners[key] = self._texts[key] = None

    def owner(self, key: int) -> str | None:
        return self._owners[key]

    def text(self, key: int) -> str | None:
        return self._texts[key]

    def vectors(self, keys: list[int]) -> np.ndarray:
        """The stored vectors of keys (float16 precision), as float32 rows."""
        if not keys:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.asarray(self._index.get(np.asarray(keys, dtype=np.uint64), dtype=np.float32), dtype=np.float32)

    def search(self, vectors: np.ndarray, count: int) -> list[list[tuple[int, float]]]:
        """Per query vector, up to count (key, cosine) pairs of the nearest stored vectors, best first."""
        if len(self._index) == 0 or len(vectors) == 0:
            return [[] for _ in range(len(vectors))]
        found = self._index.search(np.asarray(vectors, dtype=np.float32), min(count, len(self._index)), threads=1)
        if len(vectors) == 1:  # usearch answers one query with Matches, several with BatchMatches
            return [[(int(k), 1.0 - float(d)) for k, d in zip(found.keys, found.distances, strict=True)]]
        return [[(int(k), 1.0 - float(d)) for k, d in zip(keys[:n], distances[:n], strict=True)]
                for keys, distances, n in zip(found.keys, found.distances, found.counts, strict=True)]

    def nearest(self, vectors: np.ndarray) -> np.ndarray:
        """Per query vector, the cosine of its nearest stored vector (0.0 when none is stored): search's best,
        read from usearch's arrays without building its pairs."""
        best = np.zeros(len(vectors), dtype=np.float32)
        if len(self._index) == 0 or len(vectors) == 0:
            return best
        found = self._index.search(np.asarray(vectors, dtype=np.float32), 1, threads=1)
        if len(vectors) == 1:
            return 1.0 - np.asarray(found.distances[:1], dtype=np.float32) if len(found.keys) else best
        hit = np.asarray(found.counts) > 0
        best[hit] = 1.0 - np.asarray(found.distances, dtype=np.float32)[hit, 0]
        return best

    def save(self, path: Path) -> None:
        """Write the graph and its vectors to path (a temporary file, then renamed: never half a file)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        self._index.save(str(partial))
        partial.replace(path)

    def load(self, path: Path, owners: list[str], texts: list[str]) -> bool:
        """Take a saved graph whose vectors are, by key 0, 1, ..., those of owners' texts (the store must be
        empty); False, and nothing changed, when the file cannot be read or holds another number of vectors."""
        if self._owners:
            return False
        index = _new_index()
        try:
            index.load(str(path))
        except (OSError, RuntimeError, ValueError):
            return False
        if len(index) != len(texts):
            return False
        self._index, self._owners, self._texts = index, list(owners), list(texts)
        return True

    @property
    def nbytes(self) -> int:
        """Memory held by the index (vectors and graph)."""
        return int(self._index.memory_usage)


def _new_index() -> Index:
    return Index(ndim=DIM, metric="ip", dtype="f16", connectivity=CONNECTIVITY, expansion_add=EXPANSION,
                 expansion_search=EXPANSION)
