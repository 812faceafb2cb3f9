"""Screening: pick the few targets a request could concern, so the agents see a short list.

The index stays cheap at 100,000 targets: mentions are found through dictionaries (cost per text independent of
the number of targets), and target profiles live in a preallocated float32 matrix whose rows are reused after a
remove, so adding or removing a target never rebuilds anything. Profile vectors come from a persistent cache
keyed by the text's sha256, so a restart encodes only profiles it has never seen.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from .embedding import DIM, EmbeddingCache, TextEncoder, default_cache, encode_cached
from .matching import Mention, MentionIndex, split_sentences
from .targets import Target

FORM_RANK = {"name": 0, "alias": 0, "last_name": 1, "fuzzy": 2, "masked": 2}
DEFAULT_CACHE = "default"
TURN_CACHE_SIZE = 4096  # conversation turns whose vectors stay in memory (1.5 KB each)


@dataclass
class Candidate:
    """A target the request may concern, with the evidence for it."""

    target: Target
    query_mentions: list[Mention] = field(default_factory=list)
    answer_mentions: list[Mention] = field(default_factory=list)
    context_mentions: list[Mention] = field(default_factory=list)  # in system turns: the answer may draw on them
    similarity: float = 0.0  # best cosine between a sentence of query/answer and the target's profile

    @property
    def rank(self) -> tuple[int, float]:
        """Sort key: the strongest mention form first (full names and aliases), then embedding similarity."""
        forms = [FORM_RANK[m.form] for m in self.query_mentions + self.answer_mentions + self.context_mentions]
        return (min(forms, default=3), -self.similarity)


class TargetIndex:
    """Mention index plus an embedding matrix over target profiles; add and remove without a rebuild."""

    def __init__(
        self,
        targets: list[Target] = (),
        embedder: TextEncoder | None = None,
        cache: EmbeddingCache | str | None = DEFAULT_CACHE,
    ) -> None:
        self.embedder = embedder
        self.cache = _cache_for(embedder, cache)
        self.mentions = MentionIndex()
        self.targets: dict[str, Target] = {}
        self.encoded = 0  # profiles encoded by the model (not found in the cache) since creation
        self._ids: list[str | None] = []  # row -> target id; None marks a free row
        self._row: dict[str, int] = {}
        self._free: list[int] = []
        self._vectors = np.zeros((0, DIM), dtype=np.float32)
        self._lock = threading.RLock()  # a long-running process applies registry changes while it screens
        self._turns = RecentVectors(TURN_CACHE_SIZE)
        self.add_many(list(targets))

    def __len__(self) -> int:
        return len(self.targets)

    def add_many(self, targets: list[Target]) -> None:
        """Add (or replace) targets; only profiles never seen before are encoded."""
        with self._lock:
            self._add_many(targets)

    def _add_many(self, targets: list[Target]) -> None:
        unchanged = {t.id for t in targets if t.id in self.targets and self.targets[t.id].profile == t.profile}
        for target in targets:
            if target.id not in unchanged:
                self._remove(target.id)
            self.targets[target.id] = target
            self.mentions.add(target)
        new = list({t.id: t for t in targets if t.id not in unchanged and t.id not in self._row}.values())
        if self.embedder is not None and new:
            vectors, encoded = encode_cached(self.embedder, [t.profile for t in new], self.cache)
            self.encoded += encoded
            rows = self._allocate(len(new))
            self._vectors[rows] = vectors
            for target, row in zip(new, rows, strict=True):
                self._ids[row], self._row[target.id] = target.id, row

    def add(self, target: Target) -> None:
        self.add_many([target])

    def remove(self, target_id: str) -> None:
        """Drop a target; its embedding row is zeroed and reused by a later add."""
        with self._lock:
            self._remove(target_id)

    def _remove(self, target_id: str) -> None:
        if self.targets.pop(target_id, None) is None:
            return
        self.mentions.remove(target_id)
        row = self._row.pop(target_id, None)
        if row is not None:
            self._vectors[row] = 0.0
            self._ids[row] = None
            self._free.append(row)

    def _allocate(self, count: int) -> list[int]:
        """Rows for count new vectors: free rows first, then new ones (capacity doubles, amortised O(1))."""
        reused = [self._free.pop() for _ in range(min(count, len(self._free)))]
        start, extra = len(self._ids), count - len(reused)
        if start + extra > len(self._vectors):
            grown = np.zeros((max(2 * len(self._vectors), start + extra, 1024), DIM), dtype=np.float32)
            grown[:start] = self._vectors[:start]
            self._vectors = grown
        self._ids.extend([None] * extra)
        return reused + list(range(start, start + extra))

    def encode(self, texts: list[str], turns: list[str] = (), detail: dict | None = None) -> np.ndarray | None:
        """Vectors of texts and turns, or None when there is nothing to compare (no embedder, no target).

        The turns of a conversation come back with every request, so their vectors are kept in memory (the last
        TURN_CACHE_SIZE distinct turns) and only new turns are encoded; texts are always encoded. Runs outside
        the index lock, so concurrent requests reach the embedder together (it batches them). detail gets the
        numbers of texts encoded and turns served from memory."""
        if self.embedder is None or not (texts or turns) or not self._row:
            return None
        known = self._turns.get(turns)
        new_turns = list(dict.fromkeys(t for t in turns if t not in known))
        batch = new_turns + list(texts)
        vectors = self.embedder.encode(batch) if batch else np.zeros((0, DIM), dtype=np.float32)
        self._turns.put({turn: vector.copy() for turn, vector in zip(new_turns, vectors, strict=False)})
        if detail is not None:
            detail.update(encoded=len(vectors), cached_turns=len(turns) - len(new_turns))
        return np.vstack([vectors, *known.values()]) if known else vectors

    def scores(self, vectors: np.ndarray | None) -> np.ndarray | None:
        """Per row, the best cosine between any of the vectors and the row's profile (free rows: -inf)."""
        if vectors is None or not self._row:
            return None
        scores = (self._vectors[: len(self._ids)] @ vectors.T).max(axis=1)
        scores[self._free] = -np.inf
        return scores

    def similar(self, texts: list[str], limit: int) -> list[tuple[str, float]]:
        """Targets whose profile is most similar to any of the texts, best first."""
        vectors = self.encode(texts)
        with self._lock:
            scores = self.scores(vectors)
            if scores is None or limit <= 0:
                return []
            return _top(scores, self._ids, min(limit, len(self._row)))

    def screen(self, query_texts: list[str], answer: str, limit: int, min_similarity: float,
               context: list[str] = (), *, detail: dict | None = None) -> list[Candidate]:
        """At most limit candidates: targets mentioned in query, answer or context (full names and aliases first),
        then the targets whose profile is most similar to a sentence of the answer or a user turn. detail gets the
        numbers of texts encoded and of turns whose vectors came from memory."""
        vectors = self.encode(split_sentences(answer), [t for t in query_texts if t.strip()], detail)
        with self._lock:
            return self._screen(query_texts, answer, context, vectors, limit, min_similarity)

    def _screen(self, query_texts: list[str], answer: str, context: list[str], vectors: np.ndarray | None,
                limit: int, min_similarity: float) -> list[Candidate]:
        found: dict[str, Candidate] = {}
        sources = ((query_texts, "query_mentions"), ([answer], "answer_mentions"), (context, "context_mentions"))
        for texts, kind in sources:
            for text in texts:
                for mention in self.mentions.find(text):
                    getattr(self._candidate(found, mention.target_id), kind).append(mention)
        scores = self.scores(vectors)
        if scores is not None:
            for target_id, candidate in found.items():
                candidate.similarity = float(scores[self._row[target_id]]) if target_id in self._row else 0.0
            for target_id, score in _top(scores, self._ids, min(limit + len(found), len(self._row))):
                if score >= min_similarity and target_id not in found:
                    found[target_id] = Candidate(self.targets[target_id], similarity=score)
        return sorted(found.values(), key=lambda c: c.rank)[:limit]

    def _candidate(self, found: dict[str, Candidate], target_id: str) -> Candidate:
        if target_id not in found:
            found[target_id] = Candidate(self.targets[target_id])
        return found[target_id]


class RecentVectors:
    """The vectors of the last `size` distinct texts, in memory, least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, texts: list[str]) -> dict[str, np.ndarray]:
        found = {}
        with self._lock:
            for text in texts:
                if text in self._vectors:
                    self._vectors.move_to_end(text)
                    found[text] = self._vectors[text]
        return found

    def put(self, vectors: dict[str, np.ndarray]) -> None:
        with self._lock:
            self._vectors.update(vectors)
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)


def _top(scores: np.ndarray, ids: list[str | None], k: int) -> list[tuple[str, float]]:
    """The k best (id, score) pairs, best first, skipping free rows."""
    if k <= 0:
        return []
    best = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    best = best[np.argsort(-scores[best], kind="stable")]
    return [(ids[i], float(scores[i])) for i in best if ids[i] is not None]


def _cache_for(embedder: TextEncoder | None, cache: EmbeddingCache | str | None) -> EmbeddingCache | None:
    """The default cache only serves embedders that name their model (a cache_key); test fakes stay in memory."""
    if cache != DEFAULT_CACHE:
        return cache
    return default_cache() if embedder is not None and hasattr(embedder, "cache_key") else None
