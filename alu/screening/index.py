"""Screening: pick the few targets a request could concern, so the agents see a short list.

The index stays cheap at 100,000 targets: mentions are found through dictionaries (cost per text independent of
the number of targets), and target profiles live in a preallocated float32 matrix whose rows are reused after a
remove, so adding or removing a target never rebuilds anything. Embedding similarity is computed only for the
profiles that share a content word with the texts (profile_words: the rarest words first, at most ROW_BUDGET rows),
so a search costs the same at any size, and a text that shares no word with any profile and mentions no
target is not encoded. Profile vectors come from a persistent cache keyed by the text's sha256, so a restart
encodes only profiles it has never seen.
"""

from __future__ import annotations

import gc
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

from ..embedding import DIM, EmbeddingCache, TextEncoder, default_cache, encode_cached
from ..targets import Target
from .mentions import Mention, MentionIndex, SharedMention, Token, redact, split_sentences, tokenize
from .profile_words import ProfileWords, words_of

# Evidence levels, strongest first: a full name or alias; a misspelled or masked one (several words); a last name;
# a single misspelled or masked word; no mention (similarity only).
NAMED, NEAR_NAME, LAST_NAME, NEAR_WORD, UNMENTIONED = range(5)
DEFAULT_CACHE = "default"
TURN_CACHE_SIZE = 4096  # conversation turns whose vectors stay in memory (1.5 KB each)
BLANK = "someone"  # stands for a partial mention when the text around it is compared with the tied targets' profiles
NAMED_MAX_SHARED = 3  # a partial mention shared by more targets than this names none of them
FREEZE_MIN_BATCH = 10_000  # after a bulk load this large, the loaded objects leave the garbage collector's full passes
GROUP_DESCRIPTION = "anyone known by this name: several persons in the forget list share it"


@dataclass
class Candidate:
    """A target the request may concern, with the evidence for it."""

    target: Target
    query_mentions: list[Mention] = field(default_factory=list)
    answer_mentions: list[Mention] = field(default_factory=list)
    context_mentions: list[Mention] = field(default_factory=list)  # in system turns: the answer may draw on them
    similarity: float = 0.0  # best cosine between a sentence of query/answer and the target's profile
    named: bool = False  # the user's turns name this target (see TargetIndex._mentions_in)
    evidence: int = UNMENTIONED  # the strongest mention's level (NAMED ... UNMENTIONED)
    members: tuple[str, ...] = ()  # a group: the targets sharing a partial mention that did not fit one by one

    @property
    def covers(self) -> tuple[str, ...]:
        """The ids of the registered targets this candidate stands for."""
        return self.members or (self.target.id,)

    @property
    def rank(self) -> tuple[int, float]:
        """Sort key: the strongest mention first, then embedding similarity."""
        return (self.evidence, -self.similarity)


class Shared(NamedTuple):
    """A partial mention that more than NAMED_MAX_SHARED targets share, as _mentions_in judged it."""

    mention: SharedMention
    words: str  # the text it spans
    field_name: str  # query_mentions, answer_mentions or context_mentions
    level: int
    names: bool


class TargetIndex:
    """Mention index, profile word index and an embedding matrix over target profiles; add and remove without a
    rebuild."""

    def __init__(
        self,
        targets: list[Target] = (),
        embedder: TextEncoder | None = None,
        cache: EmbeddingCache | str | None = DEFAULT_CACHE,
    ) -> None:
        self.embedder = embedder
        self.cache = _cache_for(embedder, cache)
        self.mentions = MentionIndex()
        self.words = ProfileWords()
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
        """Add (or replace) targets; only profiles never seen before are encoded.

        After a bulk load of FREEZE_MIN_BATCH targets or more, every object alive is moved to the garbage collector's
        permanent generation (gc.freeze): a full collection would otherwise scan the registry's objects again each
        time (about 0.5 s at 100,000 targets, a pause for every request in flight)."""
        with self._lock:
            self._add_many(targets)
        if len(targets) >= FREEZE_MIN_BATCH:
            gc.freeze()

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
                self.words.add(row, target.profile)

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
            self.words.remove(row)

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

    def nearest(self, vectors: np.ndarray | None, k: int, rows: set[int] | None = None) -> list[tuple[str, float]]:
        """The k targets whose profile is most similar to any of the vectors (best cosine), best first, among the
        given rows; rows=None scans every profile (exact, for measuring what the word index keeps)."""
        with self._lock:
            if vectors is None or k <= 0:
                return []
            if rows is None:
                scores = (self._vectors[: len(self._ids)] @ vectors.T).max(axis=1)
                scores[self._free] = -np.inf
                return _top(scores, self._ids, k)
            live = [row for row in rows if self._ids[row] is not None]  # removed since the rows were looked up
            return _top(self._similarity(live, vectors), [self._ids[row] for row in live], k)

    def _similarity(self, rows, vectors: np.ndarray) -> np.ndarray:
        """Per row, the best cosine between any of the vectors and the row's profile (a gather, not a scan)."""
        return (self._vectors[np.asarray(rows, dtype=np.int64)] @ vectors.T).max(axis=1)

    def related_rows(self, texts: list[str]) -> set[int]:
        """Rows of the profiles that share a content word with the texts (see alu.screening.profile_words)."""
        with self._lock:
            return self.words.rows(texts)

    def similar(self, texts: list[str], limit: int) -> list[tuple[str, float]]:
        """Targets sharing a content word with the texts whose profile is most similar to any of them, best
        first."""
        rows = self.related_rows(texts)
        return self.nearest(self.encode(texts), limit, rows) if rows else []

    def screen(self, query_texts: list[str], answer: str, limit: int, min_similarity: float,
               context: list[str] = (), *, detail: dict | None = None, exact: bool = False) -> list[Candidate]:
        """At most limit candidates: targets mentioned in query, answer or context (full names and aliases first),
        then, of the targets whose profile shares a content word with the answer or a user turn, those most similar
        to one of its sentences. Nothing is encoded when no target is mentioned and no profile shares a word.

        When more targets are mentioned than fit (a last name many targets share), the texts are encoded with the
        partial mentions that more than NAMED_MAX_SHARED targets share blanked, so the targets tied by a shared word
        are ranked by how well their profile fits the words around it (the shared word itself would favour none).
        detail gets the numbers of texts encoded and of turns whose vectors came from memory. exact=True compares
        every profile (for measuring what the word index keeps)."""
        query_texts = [t for t in query_texts if t.strip()]
        tokens = {text: tokenize(text) for text in [*query_texts, answer, *context]}  # once, for both indexes
        with self._lock:
            found: dict[str, Candidate] = {}
            shared: list[Shared] = []
            blanked_texts = [self._mentions_in(text, tokens[text], found, "query_mentions", shared)
                             for text in query_texts]
            blanked_texts.append(self._mentions_in(answer, tokens[answer], found, "answer_mentions", shared))
            for text in context:
                self._mentions_in(text, tokens[text], found, "context_mentions", shared)
            related = None if exact else self.words.rows_sharing(
                set().union(*(words_of(tokens[text]) for text in [answer, *query_texts])))
        sharing = frozenset().union(*(s.mention.target_ids for s in shared))
        if not found and not sharing and related == set():
            return []
        if len(sharing | found.keys()) > limit:
            query_texts = [blanked or text for text, blanked in zip(query_texts, blanked_texts[:-1], strict=True)]
            answer = blanked_texts[-1] or answer
        vectors = self.encode(split_sentences(answer), query_texts, detail)
        with self._lock:
            found = {tid: c for tid, c in found.items() if tid in self.targets}  # removed meanwhile
            groups: dict[str, set[str]] = {}
            for item in shared:
                groups.setdefault(item.words, set()).update(t for t in item.mention.target_ids if t in self.targets)
            unnoted = self._add_shared(found, shared, vectors, limit)
            if vectors is not None:
                self._score(found, vectors, limit, min_similarity, related)
        return _fit(sorted(found.values(), key=lambda c: c.rank), groups, unnoted, limit)

    def _mentions_in(self, text: str, tokens: list[Token], found: dict[str, Candidate], field_name: str,
                     shared: list[Shared]) -> str | None:
        """Record the text's mentions on their candidates, and in shared the partial mentions that more than
        NAMED_MAX_SHARED targets share (their targets become candidates in _add_shared); return the text with those
        shared partial mentions blanked (None if it has none).

        A query mention names its target when it is a full name or an alias (also misspelled or masked), or a
        last name (also masked) of at least 3 letters that at most NAMED_MAX_SHARED targets share. A misspelled
        single word ("Romaz" for a target named Romez), a short last name ("Li") and a last name that many targets
        share ("Smith" in a large registry) only make the targets candidates for the audit."""
        mentions = self.mentions.find_shared(text, tokens)
        counts = Counter()
        for mention in mentions:
            counts[mention.start, mention.end] += len(mention.target_ids)
        ambiguous = []
        for mention in mentions:
            count, level = counts[mention.start, mention.end], _evidence(mention, text)
            names = field_name == "query_mentions" and _names(mention, level, text, count)
            if mention.form not in ("name", "alias") and count > NAMED_MAX_SHARED:
                ambiguous.append(mention)
                shared.append(Shared(mention, text[mention.start : mention.end], field_name, level, names))
                continue
            for one in mention.mentions():
                self._note(found, one, field_name, level, names)
        return redact(text, ambiguous, BLANK) if ambiguous else None

    def _add_shared(self, found: dict[str, Candidate], shared: list[Shared], vectors: np.ndarray | None,
                    limit: int) -> dict[str, float]:
        """Make candidates of the targets of shared partial mentions: of each mention's targets not yet candidates,
        the limit best ranked (the strongest of their shared mentions, then similarity to the texts, then id); the
        rest stay in the shared words' group only (see _fit), so no object is made per target sharing a name. Then
        note every shared mention on the candidates of its targets. Returns, by shared words, the best similarity
        of the targets left out."""
        ranked = {item: self._rank_fresh(item, shared, found, vectors) for item in shared}
        chosen = {tid for order, _ in ranked.values() for tid in order[:limit]}
        unnoted: dict[str, float] = {}
        for item, (order, similarity) in ranked.items():
            left = [sim for tid, sim in zip(order[limit:], similarity[limit:], strict=True) if tid not in chosen]
            unnoted[item.words] = max([unnoted.get(item.words, 0.0), *left])
        for item in shared:
            noted = [tid for tid in [*found, *chosen] if tid in item.mention.target_ids]
            for one in replace(item.mention, target_ids=frozenset(noted)).mentions():
                self._note(found, one, item.field_name, item.level, item.names)
        return unnoted

    def _rank_fresh(self, item: Shared, shared: list[Shared], found: dict[str, Candidate],
                    vectors: np.ndarray | None) -> tuple[list[str], list[float]]:
        """The item's targets that are not candidates yet, best ranked first, with their similarities."""
        fresh = sorted(tid for tid in item.mention.target_ids if tid in self.targets and tid not in found)
        levels = [min(s.level for s in shared if tid in s.mention.target_ids) for tid in fresh]
        similarity = (np.zeros(len(fresh)) if vectors is None or not fresh
                      else self._similarity([self._row[tid] for tid in fresh], vectors))
        order = np.lexsort((-similarity, levels))
        return [fresh[i] for i in order], similarity[order].tolist()

    def _note(self, found: dict[str, Candidate], mention: Mention, field_name: str, level: int,
              names: bool) -> None:
        """Record a mention on its target's candidate (made if new)."""
        if mention.target_id not in found:
            found[mention.target_id] = Candidate(self.targets[mention.target_id])
        candidate = found[mention.target_id]
        getattr(candidate, field_name).append(mention)
        candidate.evidence = min(candidate.evidence, level)
        candidate.named = candidate.named or names

    def _score(self, found: dict[str, Candidate], vectors: np.ndarray, limit: int, min_similarity: float,
               related: set[int] | None) -> None:
        rows = [self._row.get(tid) for tid in found]
        known = [(c, row) for c, row in zip(found.values(), rows, strict=True) if row is not None]
        if known:
            similarity = self._similarity([row for _, row in known], vectors)
            for (candidate, _), sim in zip(known, similarity, strict=True):
                candidate.similarity = float(sim)
        for target_id, score in self.nearest(vectors, limit + len(found), related):
            if score >= min_similarity and target_id not in found:
                found[target_id] = Candidate(self.targets[target_id], similarity=score)


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


def _fit(ranked: list[Candidate], groups: dict[str, set[str]], unnoted: dict[str, float],
         limit: int) -> list[Candidate]:
    """The best limit candidates. When targets sharing a partial mention ("Smith" in a registry of many Smiths) do not
    all fit, one group candidate stands for those left out, so every target the text may mean reaches the audit.
    unnoted: by shared words, the best similarity of the group's targets that are not candidates."""
    ranked_ids = {c.target.id for c in ranked}
    if len(ranked) <= limit and all(ids <= ranked_ids for ids in groups.values()):
        return ranked
    spilled: dict[str, set[str]] = {}
    while True:  # each group takes the place of one more candidate, which may leave out a member of another
        kept = ranked[: max(limit - len(spilled), 0)]
        kept_ids = {c.target.id for c in kept}
        left_out = {words: ids - kept_ids for words, ids in groups.items() if ids - kept_ids}
        grown, spilled = len(left_out) > len(spilled), left_out
        if not grown:
            break
    groups_left = [_group(words, ids, [c for c in ranked if c.target.id in ids], unnoted.get(words, 0.0))
                   for words, ids in spilled.items()]
    return sorted(kept + groups_left, key=lambda c: c.rank)[:limit]


def _group(words: str, ids: set[str], members: list[Candidate], unnoted: float) -> Candidate:
    """One candidate standing for the targets (ids) that share a partial mention: named by it, with the evidence
    of its best member (members: those that are candidates, the best ranked of the group, see
    TargetIndex._add_shared) and the best similarity of any (unnoted: of those that are not candidates)."""
    best = min(members, key=lambda c: c.rank)
    target = Target(words, kind=best.target.kind, description=GROUP_DESCRIPTION, id=f"group: {words.casefold()}")
    return Candidate(target, query_mentions=best.query_mentions, answer_mentions=best.answer_mentions,
                     context_mentions=best.context_mentions,
                     similarity=max(unnoted, *(c.similarity for c in members)), evidence=best.evidence,
                     members=tuple(sorted(ids)))


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
