"""Screening: pick the few targets a request could concern, so the agents see a short list.

The index stays cheap at 100,000 targets: mentions are found through dictionaries (cost per text independent of
the number of targets), and target profiles live in a preallocated float32 matrix whose rows are reused after a
remove, so adding or removing a target never rebuilds anything. Below ANN_MIN_ROWS rows the nearest profiles come
from an exact scan of the matrix; from there on from an HNSW graph (hnswlib) over the same rows, updated in place
(a removed row is marked deleted, a reused row is re-inserted), so a search costs about the same at any size.
Profile vectors come from a persistent cache keyed by the text's sha256, so a restart encodes only profiles it
has never seen.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import hnswlib
import numpy as np

from .embedding import DIM, EmbeddingCache, TextEncoder, default_cache, encode_cached
from .matching import Mention, MentionIndex, redact, split_sentences
from .targets import Target

# Evidence levels, strongest first: a full name or alias; a misspelled or masked one (several words); a last name;
# a single misspelled or masked word; no mention (similarity only).
NAMED, NEAR_NAME, LAST_NAME, NEAR_WORD, UNMENTIONED = range(5)
DEFAULT_CACHE = "default"
TURN_CACHE_SIZE = 4096  # conversation turns whose vectors stay in memory (1.5 KB each)
BLANK = "someone"  # stands for a partial mention when its context is compared with the tied targets' profiles
ANN_MIN_ROWS = 20_000  # below this an exact scan costs less than a millisecond or two; from here a graph search
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF = 16, 100, 256  # graph degree, build and search breadth (see docs)
NAMED_MAX_SHARED = 3  # a partial mention shared by more targets than this names none of them


@dataclass
class Candidate:
    """A target the request may concern, with the evidence for it."""

    target: Target
    query_mentions: list[Mention] = field(default_factory=list)
    answer_mentions: list[Mention] = field(default_factory=list)
    context_mentions: list[Mention] = field(default_factory=list)  # in system turns: the answer may draw on them
    similarity: float = 0.0  # best cosine between a sentence of query/answer and the target's profile
    context: float = 0.0  # best cosine between a text with its partial mentions blanked and the target's profile
    named: bool = False  # the user's turns name this target (see TargetIndex._mentions_in)
    evidence: int = UNMENTIONED  # the strongest mention's level (NAMED ... UNMENTIONED)

    @property
    def rank(self) -> tuple[int, float]:
        """Sort key: the strongest mention first, then embedding similarity; targets known by a last name only also
        by how well they fit the text around it (that is what tells apart targets sharing a last name)."""
        return (self.evidence, -self.similarity - (self.context if self.evidence == LAST_NAME else 0.0))


class TargetIndex:
    """Mention index plus an embedding matrix over target profiles; add and remove without a rebuild."""

    def __init__(
        self,
        targets: list[Target] = (),
        embedder: TextEncoder | None = None,
        cache: EmbeddingCache | str | None = DEFAULT_CACHE,
        ann_min_rows: int = ANN_MIN_ROWS,
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
        self.ann_min_rows = ann_min_rows
        self._graph: hnswlib.Index | None = None  # built once the registry reaches ann_min_rows profiles
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
            self._index_rows(rows)

    def _index_rows(self, rows: list[int]) -> None:
        """Put new rows in the graph (building it once the registry is large enough)."""
        if self._graph is not None:
            self._graph.add_items(self._vectors[rows], rows)  # a reused (deleted) label is un-deleted and updated
        elif len(self._row) >= self.ann_min_rows:
            self._graph = hnswlib.Index(space="ip", dim=DIM)
            self._graph.init_index(max_elements=len(self._vectors), M=HNSW_M, ef_construction=HNSW_EF_CONSTRUCTION)
            live = sorted(self._row.values())
            self._graph.add_items(self._vectors[live], live)

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
            if self._graph is not None:
                self._graph.mark_deleted(row)

    def _allocate(self, count: int) -> list[int]:
        """Rows for count new vectors: free rows first, then new ones (capacity doubles, amortised O(1))."""
        reused = [self._free.pop() for _ in range(min(count, len(self._free)))]
        start, extra = len(self._ids), count - len(reused)
        if start + extra > len(self._vectors):
            grown = np.zeros((max(2 * len(self._vectors), start + extra, 1024), DIM), dtype=np.float32)
            grown[:start] = self._vectors[:start]
            self._vectors = grown
            if self._graph is not None:
                self._graph.resize_index(len(grown))
        self._ids.extend([None] * extra)
        return reused + list(range(start, start + extra))

    def encode(self, texts: list[str], turns: list[str] = (), detail: dict | None = None) -> np.ndarray | None:
        """Vectors of texts then turns, in order, or None when there is nothing to compare (no embedder, no target).

        The turns of a conversation come back with every request, so their vectors are kept in memory (the last
        TURN_CACHE_SIZE distinct turns) and only new turns are encoded; texts are always encoded. Runs outside
        the index lock, so concurrent requests encode in parallel. detail gets the numbers of texts encoded and
        turns served from memory."""
        if self.embedder is None or not (texts or turns) or not self._row:
            return None
        known = self._turns.get(turns)
        new_turns = list(dict.fromkeys(t for t in turns if t not in known))
        batch = list(texts) + new_turns
        vectors = self.embedder.encode(batch) if batch else np.zeros((0, DIM), dtype=np.float32)
        fresh = {turn: vector.copy() for turn, vector in zip(new_turns, vectors[len(texts):], strict=True)}
        self._turns.put(fresh)
        if detail is not None:
            detail.update(encoded=len(batch), cached_turns=len(turns) - len(new_turns))
        return np.vstack([vectors[: len(texts)], *(known.get(t, fresh.get(t)) for t in turns)])

    def nearest(self, vectors: np.ndarray | None, k: int, exact: bool = False) -> list[tuple[str, float]]:
        """The k targets whose profile is most similar to any of the vectors (best cosine), best first: an exact
        scan, or the HNSW graph once the registry has one (exact=True forces the scan, for measuring recall)."""
        with self._lock:
            k = min(k, len(self._row))
            if vectors is None or k <= 0:
                return []
            if self._graph is not None and not exact:
                try:
                    return self._graph_nearest(vectors, k)
                except RuntimeError:  # hnswlib found fewer than k live rows (many removals): scan instead
                    pass
            scores = (self._vectors[: len(self._ids)] @ vectors.T).max(axis=1)
            scores[self._free] = -np.inf
            return _top(scores, self._ids, k)

    def _graph_nearest(self, vectors: np.ndarray, k: int) -> list[tuple[str, float]]:
        self._graph.set_ef(max(HNSW_EF, k))
        labels, _ = self._graph.knn_query(vectors, k=k, num_threads=1)
        rows = np.unique(labels)
        scores = self._similarity(rows, vectors)
        best = np.argsort(-scores, kind="stable")[:k]
        return [(self._ids[rows[i]], float(scores[i])) for i in best]

    def _similarity(self, rows, vectors: np.ndarray) -> np.ndarray:
        """Per row, the best cosine between any of the vectors and the row's profile (a gather, not a scan)."""
        return (self._vectors[np.asarray(rows, dtype=np.int64)] @ vectors.T).max(axis=1)

    def similar(self, texts: list[str], limit: int) -> list[tuple[str, float]]:
        """Targets whose profile is most similar to any of the texts, best first."""
        return self.nearest(self.encode(texts), limit)

    def screen(self, query_texts: list[str], answer: str, limit: int, min_similarity: float,
               context: list[str] = (), *, detail: dict | None = None, exact: bool = False) -> list[Candidate]:
        """At most limit candidates: targets mentioned in query, answer or context (full names and aliases first),
        then the targets whose profile is most similar to a sentence of the answer or a user turn.

        When more targets are mentioned than fit (a last name many targets share), those known by a partial mention
        are ranked by how well their profile fits the text around it: each text with partial mentions is then also
        encoded with them blanked. detail gets the numbers of texts encoded and of turns whose vectors came from
        memory. exact=True scans every profile instead of searching the graph (for measuring the graph's recall)."""
        with self._lock:
            found: dict[str, Candidate] = {}
            query_texts = [t for t in query_texts if t.strip()]
            partial_texts = [self._mentions_in(text, found, "query_mentions") for text in query_texts]
            partial_texts.append(self._mentions_in(answer, found, "answer_mentions"))
            for text in context:
                self._mentions_in(text, found, "context_mentions")
        sentences = split_sentences(answer)
        contexts = [c for c in partial_texts if c is not None] if len(found) > limit else []
        contexts = [s for c in contexts for s in split_sentences(c) if BLANK in s]
        vectors = self.encode(sentences + contexts, query_texts, detail)
        with self._lock:
            found = {tid: c for tid, c in found.items() if tid in self.targets}  # removed meanwhile
            if vectors is not None:
                split = [len(sentences), len(sentences) + len(contexts)]
                asked, blanked, turns = np.split(vectors, split)
                self._score(found, np.vstack([asked, turns]), blanked, limit, min_similarity, exact)
        return sorted(found.values(), key=lambda c: c.rank)[:limit]

    def _mentions_in(self, text: str, found: dict[str, Candidate], field_name: str) -> str | None:
        """Record the text's mentions on their candidates; return the text with partial mentions blanked (None if
        it has none).

        A query mention names its target when it is a full name or an alias (also misspelled or masked), or a
        last name (also masked) of at least 3 letters that at most NAMED_MAX_SHARED targets share. A misspelled
        single word ("Romeo" for a target named Romez), a short last name ("Li") and a last name that many targets
        share ("Smith" in a large registry) only make the targets candidates for the audit."""
        mentions = self.mentions.find(text)
        shared: dict[tuple[int, int], int] = {}
        for mention in mentions:
            shared[mention.start, mention.end] = shared.get((mention.start, mention.end), 0) + 1
        for mention in mentions:
            candidate = self._candidate(found, mention.target_id)
            getattr(candidate, field_name).append(mention)
            level = _evidence(mention, text)
            candidate.evidence = min(candidate.evidence, level)
            if field_name == "query_mentions" and _names(mention, level, text, shared[mention.start, mention.end]):
                candidate.named = True
        partial = [m for m in mentions if m.form not in ("name", "alias")]
        return redact(text, partial, BLANK) if partial else None

    def _score(self, found: dict[str, Candidate], vectors: np.ndarray, contexts: np.ndarray, limit: int,
               min_similarity: float, exact: bool) -> None:
        rows = [self._row.get(tid) for tid in found]
        known = [(c, row) for c, row in zip(found.values(), rows, strict=True) if row is not None]
        if known:
            rows_known = [row for _, row in known]
            similarity = self._similarity(rows_known, vectors)
            context = self._similarity(rows_known, contexts) if len(contexts) else np.zeros(len(known))
            for (candidate, _), sim, ctx in zip(known, similarity, context, strict=True):
                candidate.similarity, candidate.context = float(sim), float(ctx)
        for target_id, score in self.nearest(vectors, limit + len(found), exact):
            if score >= min_similarity and target_id not in found:
                found[target_id] = Candidate(self.targets[target_id], similarity=score)

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


def _evidence(mention: Mention, text: str) -> int:
    if mention.form in ("name", "alias"):
        return NAMED
    if mention.form == "last_name":
        return LAST_NAME
    return NEAR_NAME if len(text[mention.start : mention.end].split()) > 1 else NEAR_WORD


def _names(mention: Mention, level: int, text: str, shared: int) -> bool:
    """Whether a mention in the user's turns singles out its target (see TargetIndex._mentions_in)."""
    if level in (NAMED, NEAR_NAME):
        return True
    letters = sum(ch.isalpha() for ch in text[mention.start : mention.end])
    return mention.form != "fuzzy" and letters >= 3 and shared <= NAMED_MAX_SHARED


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
