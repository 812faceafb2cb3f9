"""Screening: pick the few targets a request could concern, so the agents see a short list.

The index stays cheap at 100,000 targets: mentions are found through dictionaries (cost per text independent of
the number of targets), and every target's profile and knowledge chunks live in one vector store (HNSW, see
alu.screening.vectors), so adding or removing a target never rebuilds anything. Every sentence of the answer and
every user turn is looked up there (a text that names no target and shares no word with one only once a cheap
static vector finds it near a chunk, see TargetIndex._gate): a text about what a target is known for finds it
whatever its wording. Targets that share a content word with the texts (profile_words: in their profile or
knowledge, the rarest words first, at most ROW_BUDGET targets) are compared chunk by chunk at a lower floor, the
few sharing the rarest words at a lower one still: a shared rare word is evidence. Vectors come from a persistent
cache keyed by the text's sha256, so a restart encodes only texts it has never seen.
"""

from __future__ import annotations

import gc
import hashlib
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import islice, zip_longest
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import numpy as np
from rapidfuzz.distance import OSA

from ..embedding import DIM, EmbeddingCache, TextEncoder, default_cache, encode_cached
from ..inline import blocking, holding
from ..targets import Target
from .mentions import Mention, MentionIndex, SharedMention, Token, redact, split_sentences, tokenize
from .persons import names_another, names_someone_else
from .profile_words import ProfileWords, words_of
from .vectors import VectorStore, chunk
from .words import common_words, english_words, given_names, places

# Evidence levels, strongest first: a full name or alias; a misspelled or masked one (several words); a last name;
# a user turn about the target's knowledge (see Floors.described); a single misspelled or masked word; no mention.
NAMED, NEAR_NAME, LAST_NAME, DESCRIBED, NEAR_WORD, UNMENTIONED = range(6)
DEFAULT_CACHE = "default"
TURN_CACHE_SIZE = 4096  # conversation turns whose vectors stay in memory (1.5 KB each)
BLANK = "someone"  # stands for a partial mention when the text around it is compared with the tied targets' profiles
# words before a last name that keep it the person's ("Dr Park", "Author Stone")
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "doctor", "prof", "professor", "sir", "dame", "lord", "lady",
                    "madam", "madame", "mister", "author", "writer", "novelist", "poet", "journalist", "president",
                    "senator", "judge", "saint", "st", "rev", "reverend", "father", "sister", "brother"})
# months and weekdays, capitalised wherever they stand, some of them given names too ("June", "April")
CALENDAR = frozenset({"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                      "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                      "sunday"})
# A last name as a place: followed by a feature ("Washington state", "Jordan River"), after a capitalised place word
# ("Lake Washington") or after "<noun> of" ("the capital of Jordan", "the mayor of Houston"); see _a_place
PLACE_AFTER = frozenset({"state", "city", "county", "river", "lake", "island", "islands", "province", "street",
                         "avenue", "road", "bridge", "square", "airport", "harbor", "harbour", "bay", "valley",
                         "mountain", "mountains", "territory", "district", "township", "borough", "parish", "basin",
                         "delta"})
PLACE_BEFORE = frozenset({"lake", "mount", "fort", "port", "cape", "new", "north", "south", "east", "west", "upper",
                          "lower", "greater", "downtown", "central"})
PLACE_OF = frozenset({"capital", "state", "city", "country", "countries", "flag", "map", "population", "province",
                      "county", "republic", "kingdom", "people", "residents", "citizens", "governor", "mayor", "coast",
                      "border", "borders", "north", "south", "east", "west", "outskirts", "suburbs", "streets",
                      "university", "climate", "geography", "economy", "cities", "towns"})
FULL_NAMES = frozenset({"name", "alias"})  # the mention forms that name a target in full
NAMED_MAX_SHARED = 3  # a partial mention shared by more targets than this names none of them
FREEZE_MIN_BATCH = 10_000  # after a bulk load this large, the loaded objects leave the garbage collector's full passes
GROUP_DESCRIPTION = "anyone known by this name: several persons in the forget list share it"
NEIGHBOURS = 32  # nearest chunks looked up per text
CHUNK_BUDGET = 1024  # most chunks compared one by one: the mentioned targets', then those sharing the rarest words
LEXICAL_TOP = 3  # targets sharing the rarest words (highest idf sum) that get the lexical floor
EVIDENCE = 3  # knowledge chunks kept per candidate, to show the agents
ENCODE_BATCH = 50_000  # texts encoded and stored at a time in a bulk load (bounds the memory of a large import)
SAVE_MIN_VECTORS = 50_000  # a first load this large saves its graph for the next start (see TargetIndex._load)
# Texts longer than this in all take several milliseconds to screen (a 1,456-character answer 8.5 ms of CPU, 100
# targets with knowledge): they screen in a worker thread, not on an event loop (alu.inline)
INLINE_MAX_CHARS = 1_000
SAVED_GRAPHS = 3  # saved graphs kept (the newest): one per registry state recently started from
YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")  # a year as knowledge and questions give one (1500-2099)
# the words that tell which event a year is given for (other_years): a birth year and an award year never contradict
YEAR_EVENTS = {word: event for event, words in (
    ("birth", "born birth birthday birthplace"),
    ("death", "died death passed"),
    ("award", "award awarded awards prize prizes won honoured honored recognised recognized medal laureate"),
    ("publication", "published publication released debut wrote written"),
) for word in words.split()}
EVENT_WINDOW = 8  # words on either side of a year searched for its event


@dataclass(frozen=True)
class Floors:
    """The similarity floors of screening (cosines; see docs/knowledge.md for how they were calibrated)."""

    related: float = 0.45  # a target sharing a content word with the texts becomes a candidate
    lexical: float = 0.45  # one of the LEXICAL_TOP targets sharing the rarest words with the texts
    unrelated: float = 0.6  # any other target (found by vector search alone)
    described: float = 0.7  # a user turn this close to a person's (fact's, passage's) knowledge names it
    topic: float = 0.5  # a user turn this close to a topic's profile or examples is inside its domain
    gate: float = 0.0  # a text whose static vector comes no closer than this to any chunk is not encoded

    def names(self, target: Target) -> float:
        return self.topic if target.kind == "topic" else self.described


@dataclass
class Candidate:
    """A target the request may concern, with the evidence for it."""

    target: Target
    query_mentions: list[Mention] = field(default_factory=list)
    answer_mentions: list[Mention] = field(default_factory=list)
    context_mentions: list[Mention] = field(default_factory=list)  # in system turns: the answer may draw on them
    similarity: float = 0.0  # best cosine between a sentence of query/answer and the target's profile or knowledge
    described: float = 0.0  # best cosine between a user turn and the target's profile or knowledge
    matched: tuple[str, ...] = ()  # the knowledge chunks nearest the texts (at most EVIDENCE), for the agents
    named: bool = False  # the user's turns name this target (see TargetIndex._mentions_in)
    lines: tuple[str, ...] = ()  # the system-turn lines naming it: compared as its knowledge (see closeness)
    others: tuple[str, ...] = ()  # the system-turn lines about someone else: a text closer to one is about them
    passages: float | None = None  # the answer's closeness to those lines (None: not measured, no embedder)
    evidence: int = UNMENTIONED  # the strongest mention's level (NAMED ... UNMENTIONED)
    members: tuple[str, ...] = ()  # a group: the targets sharing a partial mention that did not fit one by one
    # the plan declined the part about it: the model was neither asked about it nor shown a passage about it, so the
    # audit checks its mentions and sim_leak, without asking the LLM about the similarities below (see Unlearner)
    declined: bool = False

    @property
    def covers(self) -> tuple[str, ...]:
        """The ids of the registered targets this candidate stands for."""
        return self.members or (self.target.id,)

    @property
    def rank(self) -> tuple[int, float, bool, str]:
        """Sort key: the strongest mention first, then embedding similarity, a group after its equals, then id (the
        same order in every process: no tie is left to a set's order, which depends on the process's hash seed)."""
        return (self.evidence, -self.similarity, bool(self.members), self.target.id)


class Subject(Protocol):
    """What closeness compares texts with: a Candidate or a Leak (a target, the registered ones it covers, the lines
    of a retrieved passage that name it, and those about someone else)."""

    target: Target
    covers: tuple[str, ...]
    lines: tuple[str, ...]
    others: tuple[str, ...]


class Shared(NamedTuple):
    """A partial mention that more than NAMED_MAX_SHARED targets share, as _mentions_in judged it."""

    mention: SharedMention
    words: str  # the text it spans
    field_name: str  # query_mentions, answer_mentions or context_mentions
    level: int
    names: bool


class TargetIndex:
    """Mention index, target word index and a vector store over target profiles and knowledge; add and remove
    without a rebuild."""

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
        self.vectors = VectorStore()
        self.targets: dict[str, Target] = {}
        self.encoded = 0  # texts encoded by the model (not found in the cache) since creation
        self._keys: dict[str, list[int]] = {}  # target id -> its vectors' keys: the profile's, then its chunks'
        self._lock = threading.RLock()  # a long-running process applies registry changes while it screens
        self._turns = Recent(TURN_CACHE_SIZE)
        # the static closeness of recent turns: a conversation's turns come back with every request, and its last
        # one is looked at twice in a request (the plan, then screening); forgotten when the stored chunks change
        self._closeness = Recent(TURN_CACHE_SIZE)
        self._load(list(targets))

    def __len__(self) -> int:
        return len(self.targets)

    def add_many(self, targets: list[Target]) -> None:
        """Add (or replace) targets; only texts never seen before are encoded (ENCODE_BATCH texts at a time). Names
        apply at once; vectors once encoded, outside the lock (a screen meanwhile finds a new or changed target by
        its names only, for the milliseconds its texts take to encode or look up).

        After a bulk load of FREEZE_MIN_BATCH targets or more, every object alive is moved to the garbage collector's
        permanent generation (gc.freeze): a full collection would otherwise scan the registry's objects again each
        time (about 0.5 s at 100,000 targets, a pause for every request in flight)."""
        with holding(self._lock):
            fresh = self._replace(targets)
        self._store_all(fresh)
        if len(targets) >= FREEZE_MIN_BATCH:
            gc.freeze()

    def _load(self, targets: list[Target]) -> None:
        """The first load: from a saved graph that holds exactly these texts when there is one (a registry of
        SAVE_MIN_VECTORS vectors or more takes minutes to build), else built, then saved beside the embedding
        cache for the next start."""
        with holding(self._lock):
            fresh = self._replace(targets)
        texts = [_texts(t) for t in fresh]
        path = self._saved_path(fresh, texts)
        if path is not None and path.exists() and self.vectors.load(
                path, [t.id for t, group in zip(fresh, texts, strict=True) for _ in group],
                [text for group in texts for text in group]):
            self._assign(fresh, texts, list(range(len(self.vectors))))
        else:
            self._store_all(fresh, parallel=path is not None)  # a graph to save is built on every core, once
            if path is not None:
                self.vectors.save(path)
                _keep_newest(path.parent, SAVED_GRAPHS)
        if len(targets) >= FREEZE_MIN_BATCH:
            gc.freeze()

    def _saved_path(self, targets: list[Target], texts: list[list[str]]) -> Path | None:
        """Where the graph of these targets' texts is saved: named by the sha256 of the model and every target's id
        and texts; None when it is not worth saving (fewer than SAVE_MIN_VECTORS) or there is no persistent
        cache."""
        if self.cache is None or sum(map(len, texts)) < SAVE_MIN_VECTORS:
            return None
        digest = hashlib.sha256(getattr(self.embedder, "cache_key", "").encode())
        for target, group in zip(targets, texts, strict=True):
            digest.update("\x1e".join([target.id, *group]).encode() + b"\x1d")
        return Path(self.cache.path).parent / "graphs" / f"{digest.hexdigest()}.usearch"

    def _replace(self, targets: list[Target]) -> list[Target]:
        """Register the targets' names; returns those whose profile or knowledge needs vectors."""
        unchanged = {t.id for t in targets if t.id in self.targets
                     and (self.targets[t.id].profile, self.targets[t.id].knowledge) == (t.profile, t.knowledge)}
        for target in targets:
            if target.id not in unchanged:
                self._remove(target.id)
            self.targets[target.id] = target
            self.mentions.add(target)
        if self.embedder is None:
            return []
        return list({t.id: t for t in targets if t.id not in unchanged and t.id not in self._keys}.values())

    def _store_all(self, targets: list[Target], parallel: bool = False) -> None:
        for batch in _batches(targets):
            self._store(batch, parallel)

    def _store(self, targets: list[Target], parallel: bool = False) -> None:
        """Encode (or look up) the targets' texts, then store them in one call (a target removed or replaced
        meanwhile is skipped; parallel: see VectorStore.add)."""
        texts = [_texts(t) for t in targets]
        vectors, encoded = encode_cached(self.embedder, [x for group in texts for x in group], self.cache)
        self.encoded += encoded
        with holding(self._lock):
            starts = np.cumsum([0] + [len(group) for group in texts])
            kept = [i for i, t in enumerate(targets) if self.targets.get(t.id) is t and t.id not in self._keys]
            rows = [row for i in kept for row in range(starts[i], starts[i + 1])]
            keys = self.vectors.add([targets[i].id for i in kept for _ in texts[i]],
                                    [text for i in kept for text in texts[i]], vectors[rows], parallel)
            self._assign([targets[i] for i in kept], [texts[i] for i in kept], keys)

    def _assign(self, targets: list[Target], texts: list[list[str]], keys: list[int]) -> None:
        """Give each target its run of keys (one per text, in order) and index its words."""
        self._closeness.clear()
        offset = 0
        for target, group in zip(targets, texts, strict=True):
            self._keys[target.id] = keys[offset : offset + len(group)]
            offset += len(group)
            names = _name_words(target.surface_forms)[0] if target.kind == "person" else frozenset()
            self.words.add(target.id, (target.profile, *target.knowledge), names)

    def add(self, target: Target) -> None:
        self.add_many([target])

    def remove(self, target_id: str) -> None:
        """Drop a target and its vectors."""
        with holding(self._lock):
            self._remove(target_id)

    def _remove(self, target_id: str) -> None:
        if self.targets.pop(target_id, None) is None:
            return
        self.mentions.remove(target_id)
        self.vectors.remove(self._keys.pop(target_id, []))
        self._closeness.clear()
        self.words.remove(target_id)

    def encode(self, texts: list[str], turns: list[str] = (), detail: dict | None = None) -> np.ndarray | None:
        """Vectors of texts then turns, in order, or None when there is nothing to compare (no embedder, no target).

        The turns of a conversation come back with every request, so their vectors are kept in memory (the last
        TURN_CACHE_SIZE distinct turns) and only new turns are encoded; texts are always encoded. Runs outside
        the index lock, so concurrent requests encode in parallel. detail gets the numbers of texts encoded and
        turns served from memory."""
        if self.embedder is None or not (texts or turns) or not self._keys:
            return None
        known = self._turns.get(turns)
        new_turns = list(dict.fromkeys(t for t in turns if t not in known))
        batch = list(texts) + new_turns
        vectors = self._encode(batch) if batch else np.zeros((0, DIM), dtype=np.float32)
        fresh = {turn: vector.copy() for turn, vector in zip(new_turns, vectors[len(texts):], strict=True)}
        self._turns.put(fresh)
        if detail is not None:
            detail.update(encoded=len(batch), cached_turns=len(turns) - len(new_turns))
        return np.vstack([vectors[: len(texts)], *(known.get(t, fresh.get(t)) for t in turns)])

    def _encode(self, texts: list[str]) -> np.ndarray:
        """The transformer's vectors of texts: milliseconds a text, so never inline (alu.inline)."""
        blocking()
        return self.embedder.encode(texts)

    def closeness(self, texts: list[str], subjects: list[Subject], floor: float) -> np.ndarray:
        """Per text and subject (a candidate or a leak), the best cosine between the text and the profile or
        knowledge chunks of the registered targets it covers, or the passage lines that name it (zeros without an
        embedder). A subject whose targets have no stored vectors is compared with its own profile, encoded now.
        floor: the lowest closeness the caller acts on; from there up, a text that names a person other than a
        person subject, or comes closer to a passage line about someone else (Subject.others) than to the subject,
        is not close to it (zero, see alu.screening.persons), and neither is a text that gives other years than the
        person's chunk nearest to it (other_years)."""
        scores = np.zeros((len(texts), len(subjects)), dtype=np.float32)
        if self.embedder is None or not texts or not subjects:
            return scores
        targets = [subject.target for subject in subjects]
        vectors = self._encode(texts)
        dated = [row for row, text in enumerate(texts) if YEAR.search(text)]  # most give no year
        known: list[tuple[list[str], np.ndarray]] = []  # per subject: its chunks (texts, vectors)
        with holding(self._lock):
            stored = [[key for tid in (s.covers or (s.target.id,)) for key in self._keys.get(tid, ())][:CHUNK_BUDGET]
                      for s in subjects]
            for column, keys in enumerate(stored):
                chunk_vectors = self.vectors.vectors(keys)
                if keys:
                    scores[:, column] = (vectors @ chunk_vectors.T).max(axis=1)
                known.append(([self.vectors.text(key) or "" for key in keys] if dated else [], chunk_vectors))
        unstored = [column for column, keys in enumerate(stored) if not keys]
        if unstored:
            profiles = self._encode([targets[column].profile for column in unstored])
            scores[:, unstored] = vectors @ profiles.T
        for column, subject in enumerate(subjects):
            chunks, chunk_vectors = known[column]
            if subject.lines:
                lines = self._encode(list(subject.lines))
                scores[:, column] = np.maximum(scores[:, column], (vectors @ lines.T).max(axis=1))
                chunks, chunk_vectors = [*chunks, *subject.lines], np.vstack([chunk_vectors, lines])
            if dated and subject.target.kind == "person":
                scores[list(_about_other_dates(texts, vectors, dated, chunks, chunk_vectors)), column] = 0.0
            if subject.others:
                closer = self._nearest(vectors, subject.others) > scores[:, column]
                scores[(scores[:, column] >= floor) & closer, column] = 0.0
        for row, column in zip(*np.nonzero(scores >= floor), strict=True):
            if names_someone_else(texts[row], targets[column]):
                scores[row, column] = 0.0
        return scores

    def _nearest(self, vectors: np.ndarray, lines: tuple[str, ...]) -> np.ndarray:
        """Per text vector, the best cosine with a sentence of the passage lines."""
        pieces = [piece for line in lines for piece in split_sentences(line)]
        if not pieces:
            return np.zeros(len(vectors), dtype=np.float32)
        return (vectors @ self._encode(pieces).T).max(axis=1)

    def without_others(self, candidate: Candidate, sentences: list[str], turns: list[str],
                       floor: float) -> float | None:
        """A person candidate at floor or closer whose answer sentences or user turns name someone else
        (alu.screening.persons): its similarity without those texts, and without the turns when an answer sentence
        does (the exchange is about that someone). None when nothing changes."""
        if candidate.similarity < floor:
            return None
        others = [names_someone_else(text, candidate.target) for text in [*sentences, *turns]]
        if not any(others) and not candidate.others:
            return None
        texts = sentences if any(others[: len(sentences)]) else [*sentences, *turns]
        return float(self.closeness(texts, [candidate], floor).max(initial=0.0))

    def mentions_in(self, text: str) -> list[SharedMention]:
        """The target mentions in text as a reader takes them: find_shared's, less a last name beside another
        person's name ("Harper Lee" mentions no forgotten Bruce Lee, see _own_reading)."""
        tokens = tokenize(text)
        with holding(self._lock):
            return self._read(text, tokens)

    def _read(self, text: str, tokens: list[Token]) -> list[SharedMention]:
        return [own for m in self.mentions.find_shared(text, tokens) if (own := self._own_reading(m, tokens))]

    def mentions_any(self, text: str, target_ids: set[str], forms: frozenset[str] | None = None) -> bool:
        """Whether text mentions one of the targets as a reader takes it (mentions_in: "Harper Lee" mentions no
        forgotten Bruce Lee), in one of forms when given (see Mention.form)."""
        return any(m.target_ids & target_ids and (forms is None or m.form in forms) for m in self.mentions_in(text))

    def about_others(self, candidate: Candidate, passages: list[str]) -> tuple[str, ...]:
        """The lines of the passages (system turns) about a person other than a person candidate, that name none of
        its targets in full (a shared last name is no naming): an answer sentence closer to one of them than to the
        candidate draws on what the passage says of that someone (Subject.others)."""
        ids = set(candidate.covers)
        return tuple(line for text in passages for line in text.splitlines()
                     if names_someone_else(line, candidate.target) and not self.mentions_any(line, ids, FULL_NAMES))

    def read_passages(self, candidate: Candidate, sentences: list[str], passages: list[str], floor: float) -> float:
        """What a retrieved passage says of a target counts as its knowledge for the answer drawn from it: sets
        candidate.lines to the lines of the passages (system turns) that mention it and are not about someone else
        (candidate.others, see about_others; Subject.lines) and returns the answer sentences' best closeness to it
        (see closeness)."""
        ids = set(candidate.covers)
        candidate.lines = tuple(line for text in passages for line in text.splitlines()
                                if line not in candidate.others and self.mentions_any(line, ids))
        return float(self.closeness(sentences, [candidate], floor).max(initial=0.0)) if sentences else 0.0

    def screen(self, query_texts: list[str], answer: str, limit: int, floors: Floors | float,
               context: list[str] = (), *, detail: dict | None = None) -> list[Candidate]:
        """At most limit candidates: targets mentioned in query, answer or context (full names and aliases first),
        then the targets whose profile or knowledge is most similar to a sentence of the answer or a user turn
        (at floors.related for those sharing a content word with the texts, floors.unrelated for the others). A user
        turn about a target's knowledge (floors.described, floors.topic for a topic) names it. floors: a float is
        the related floor, with the default others.

        When more targets are mentioned than fit (a last name many targets share), the texts are encoded with the
        partial mentions that more than NAMED_MAX_SHARED targets share blanked, so the targets tied by a shared word
        are ranked by how well their profile fits the words around it (the shared word itself would favour none).
        detail gets the numbers of texts encoded and of turns whose vectors came from memory."""
        floors = floors if isinstance(floors, Floors) else Floors(related=floors)
        query_texts = [t for t in query_texts if t.strip()]
        if sum(map(len, [*query_texts, answer, *context])) > INLINE_MAX_CHARS:
            blocking()
        tokens = {text: tokenize(text) for text in [*query_texts, answer, *context]}  # once, for both indexes
        with holding(self._lock):
            found: dict[str, Candidate] = {}
            shared: list[Shared] = []
            blanked_texts = [self._mentions_in(text, tokens[text], found, "query_mentions", shared)
                             for text in query_texts]
            blanked_texts.append(self._mentions_in(answer, tokens[answer], found, "answer_mentions", shared))
            for text in context:
                self._mentions_in(text, tokens[text], found, "context_mentions", shared)
            related = self.words.rows_sharing(set().union(*(words_of(tokens[t]) for t in [answer, *query_texts])))
        sharing = frozenset().union(*(s.mention.target_ids for s in shared))
        if len(sharing | found.keys()) > limit:
            query_texts = [blanked or text for text, blanked in zip(query_texts, blanked_texts[:-1], strict=True)]
            answer = blanked_texts[-1] or answer
        sentences = split_sentences(answer)
        if not (found or shared or related):  # no name, no shared word: only texts near a chunk need the transformer
            sentences, query_texts = self._gate(sentences, query_texts, floors.gate, detail)
        vectors = self.encode(sentences, query_texts, detail)
        with holding(self._lock):
            found = {tid: c for tid, c in found.items() if tid in self.targets}  # removed meanwhile
            groups: dict[str, set[str]] = {}
            for item in shared:
                groups.setdefault(item.words, set()).update(t for t in item.mention.target_ids if t in self.targets)
            unnoted = self._add_shared(found, shared, vectors, limit)
            if vectors is not None:
                self._score(found, vectors, [*sentences, *query_texts], len(sentences), limit, floors, related)
        return _fit(sorted(found.values(), key=lambda c: c.rank), groups, unnoted, limit)

    def _gate(self, sentences: list[str], turns: list[str], floor: float,
              detail: dict | None) -> tuple[list[str], list[str]]:
        """The sentences and turns whose static closeness reaches floor: calibrated so that the texts the
        transformer would find by vector search at the floors pass (benchmarks/knowledge_floors.py). All pass
        without a static encoder or a floor. detail gets the number of texts held back."""
        texts = [*sentences, *turns]
        if floor <= 0.0 or not texts or not hasattr(self.embedder, "encode_static") or not self._keys:
            return sentences, turns
        known = self._closeness.get(turns)
        fresh = [*sentences, *dict.fromkeys(t for t in turns if t not in known)]
        scores = dict(zip(fresh, self.static_closeness(fresh).tolist(), strict=True)) if fresh else {}
        self._closeness.put({t: scores[t] for t in turns if t in scores})
        passes = [scores.get(t, known.get(t, 0.0)) >= floor for t in texts]
        if detail is not None:
            detail["gated"] = passes.count(False)
        return ([t for t, ok in zip(sentences, passes, strict=False) if ok],
                [t for t, ok in zip(turns, passes[len(sentences):], strict=True) if ok])

    def static_closeness(self, texts: list[str]) -> np.ndarray:
        """Per text, the best cosine between its static vector (alu.embedding.static, about 100 times cheaper than
        the transformer's) and its nearest stored chunk."""
        vectors = self.embedder.encode_static(texts)
        with holding(self._lock):
            return self.vectors.nearest(vectors)

    def _mentions_in(self, text: str, tokens: list[Token], found: dict[str, Candidate], field_name: str,
                     shared: list[Shared]) -> str | None:
        """Record the text's mentions on their candidates, and in shared the partial mentions that more than
        NAMED_MAX_SHARED targets share (their targets become candidates in _add_shared); return the text with those
        shared partial mentions blanked (None if it has none).

        A query mention names its target when it is a full name or an alias (also misspelled or masked), or a
        last name (also masked) of at least 3 letters that at most NAMED_MAX_SHARED targets share. A misspelled
        single word ("Romaz" for a target named Romez), a short last name ("Li") and a last name that many targets
        share ("Smith" in a large registry) only make the targets candidates for the audit."""
        mentions = self._read(text, tokens)
        counts = Counter()
        for mention in mentions:
            counts[mention.start, mention.end] += len(mention.target_ids)
        ambiguous = []
        for mention in mentions:
            count, level = counts[mention.start, mention.end], _evidence(mention, text)
            names = field_name == "query_mentions" and _names(mention, level, text, count)
            if mention.form not in FULL_NAMES and count > NAMED_MAX_SHARED:
                ambiguous.append(mention)
                shared.append(Shared(mention, text[mention.start : mention.end], field_name, level, names))
                continue
            for one in mention.mentions():
                self._note(found, one, field_name, level, names)
        return redact(text, ambiguous, BLANK) if ambiguous else None

    def _own_reading(self, mention: SharedMention, tokens: list[Token]) -> SharedMention | None:
        """The mention with only the targets it can be of (None if none): a last name next to a word of another
        person's name ("Harper Lee", "C. S. Lewis", "James Joyce", past the target's own words in "Gabriel Garcia
        Marquez") is none of its targets', nor is one that stands as a place (_a_place); nor is a single Latin word
        that is a misspelling of a last name ("Aldous Huxley" for a forgotten Alice Huley)."""
        if mention.form not in ("last_name", "fuzzy"):
            return mention
        at = [i for i, t in enumerate(tokens) if mention.start <= t.start and t.end <= mention.end]
        if not at or not tokens[at[0]].capitalized:
            return mention
        if mention.form == "fuzzy" and (len(at) > 1 or tokens[at[0]].foreign):
            return mention  # a misspelled full name, or one in another script: read as before
        if _a_place(tokens, at[0], at[-1]):
            return None
        runs = (_adjacent(tokens, at[0], -1), _adjacent(tokens, at[-1], 1))  # the same for every target
        if not any(runs):
            return mention
        surname = frozenset(tokens[i].norm for i in at)
        word = "".join(tokens[i].norm for i in at) in english_words()
        kept = frozenset(tid for tid in mention.target_ids
                         if tid in self.targets and not _beside_another(runs, surname, word, self.targets[tid]))
        return replace(mention, target_ids=kept) if kept else None

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
            noted = [tid for tid in [*found, *sorted(chosen)] if tid in item.mention.target_ids]
            for one in replace(item.mention, target_ids=frozenset(noted)).mentions():
                self._note(found, one, item.field_name, item.level, item.names)
        return unnoted

    def _rank_fresh(self, item: Shared, shared: list[Shared], found: dict[str, Candidate],
                    vectors: np.ndarray | None) -> tuple[list[str], list[float]]:
        """The item's targets that are not candidates yet, best ranked first, with their similarities."""
        fresh = sorted(tid for tid in item.mention.target_ids if tid in self.targets and tid not in found)
        levels = [min(s.level for s in shared if tid in s.mention.target_ids) for tid in fresh]
        similarity = (np.zeros(len(fresh)) if vectors is None or not fresh
                      else self._profile_similarity(fresh, vectors))
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

    def _score(self, found: dict[str, Candidate], vectors: np.ndarray, texts: list[str], first_turn: int, limit: int,
               floors: Floors, related: dict[str, float]) -> None:
        """Similarities of the mentioned candidates, and new candidates to fill the limit: of the targets whose match
        reaches its floor (floors.lexical for the LEXICAL_TOP sharing the rarest words, floors.related for the other
        targets sharing a word with the texts, else floors.unrelated) or whose
        user-turn match names them, the most similar and those sharing the rarest words (related's weights), taken
        in turn."""
        by_weight = sorted((t for t in related if t not in found), key=lambda t: (-related[t], t))
        cut = related[by_weight[LEXICAL_TOP - 1]] if len(by_weight) >= LEXICAL_TOP else 0.0
        rarest = {t for t in by_weight if related[t] >= cut}  # a tie at the cut is no reason to prefer one

        def floor_of(target_id: str) -> float:
            return (floors.lexical if target_id in rarest else floors.related if target_id in related
                    else floors.unrelated)

        def reaches(target_id: str, match: _Match) -> bool:
            return match.similarity >= floor_of(target_id) or match.names(self.targets[target_id], floors)

        matches = self._matches(vectors, first_turn, [*found, *by_weight])
        # only the mentioned targets and those within reach of a floor are read further (their evidence, the
        # other-dates and other-persons rules, which can only lower a match): the rest could not become candidates
        matches = {tid: m for tid, m in matches.items() if tid in found or reaches(tid, m)}
        self._settle(matches, texts, vectors, first_turn)
        lowered = {tid: m for tid, m in matches.items() if tid not in found and m.similarity < floors.unrelated}
        self._without_other_persons(lowered, texts, vectors, first_turn)
        for target_id, candidate in found.items():
            if target_id in matches:
                _apply(candidate, matches[target_id], floors)
        fresh = [(tid, match) for tid, match in matches.items() if tid not in found and reaches(tid, match)]
        by_similarity = sorted(fresh, key=lambda item: (-item[1].similarity, item[0]))
        by_words = sorted((item for item in fresh if item[0] in related),
                          key=lambda item: (-related[item[0]], -item[1].similarity, item[0]))
        for target_id, match in _in_turn(by_similarity, by_words)[: max(limit - len(found), 0)]:
            found[target_id] = _apply(Candidate(self.targets[target_id]), match, floors)

    def _matches(self, vectors: np.ndarray, first_turn: int, compared: list[str]) -> dict[str, _Match]:
        """Per target, how close its profile and knowledge come to the texts (the answer's sentences, then the user's
        turns from first_turn on): the NEIGHBOURS nearest chunks of each text (any target), and every chunk of the
        compared targets, in order, up to CHUNK_BUDGET chunks in all."""
        matches: dict[str, _Match] = {}
        for row, hits in enumerate(self.vectors.search(vectors, NEIGHBOURS)):
            for key, similarity in hits:
                owner = self.vectors.owner(key)
                if owner is not None:
                    matches.setdefault(owner, _Match()).note(key, similarity, similarity if row >= first_turn else 0.0)
        keys = list(islice((key for target_id in compared for key in self._keys.get(target_id, ())), CHUNK_BUDGET))
        if keys:
            scores = self.vectors.vectors(keys) @ vectors.T
            overall = scores.max(axis=1)
            by_turn = scores[:, first_turn:]
            best = by_turn.max(axis=1) if by_turn.shape[1] else np.zeros(len(keys))
            for key, score, turn_score in zip(keys, overall.tolist(), best.tolist(), strict=True):
                matches.setdefault(self.vectors.owner(key), _Match()).note(key, score, turn_score)
        return matches

    def _settle(self, matches: dict[str, _Match], texts: list[str], vectors: np.ndarray, first_turn: int) -> None:
        """Each match's evidence (its EVIDENCE nearest chunks' texts), and the other-dates rule: a text that
        describes someone else by its dates (_about_other_dates) does not count towards a person's similarity."""
        dated = [row for row, text in enumerate(texts) if YEAR.search(text)]  # most give no year: no chunk is read
        for owner, match in matches.items():
            nearest = sorted(match.best, key=match.best.get, reverse=True)[:EVIDENCE]
            match.texts = tuple(self.vectors.text(key) for key in nearest)
            if not dated or self.targets[owner].kind != "person":
                continue
            keys = list(self._keys.get(owner, ()))[:CHUNK_BUDGET]
            chunks, chunk_vectors = [self.vectors.text(key) or "" for key in keys], self.vectors.vectors(keys)
            if others := _about_other_dates(texts, vectors, dated, chunks, chunk_vectors):
                match.leave_out(others, chunk_vectors, vectors, first_turn)

    def _without_other_persons(self, matches: dict[str, _Match], texts: list[str], vectors: np.ndarray,
                               first_turn: int) -> None:
        """A person found by a shared word alone (a match under floors.unrelated): the texts that name someone it
        does not know (alu.screening.persons.names_another: "Who wrote 'The Stranger'? Albert Camus") do not
        count towards its similarity, since the words they share with its knowledge are that someone's."""
        for owner, match in matches.items():
            if others := {row for row, text in enumerate(texts) if names_another(text, self.targets[owner])}:
                chunk_vectors = self.vectors.vectors(list(self._keys.get(owner, ()))[:CHUNK_BUDGET])
                match.leave_out(others, chunk_vectors, vectors, first_turn)

    def _profile_similarity(self, target_ids: list[str], vectors: np.ndarray) -> np.ndarray:
        """Per target, the best cosine between any of the vectors and the target's profile (0 while it has none)."""
        stored = [i for i, tid in enumerate(target_ids) if tid in self._keys]
        scores = np.zeros(len(target_ids), dtype=np.float32)
        if stored:
            keys = [self._keys[target_ids[i]][0] for i in stored]
            scores[stored] = (self.vectors.vectors(keys) @ vectors.T).max(axis=1)
        return scores


@dataclass
class _Match:
    """How close one target's texts come to a request's texts."""

    similarity: float = 0.0  # best over every text
    described: float = 0.0  # best over the user's turns
    best: dict[int, float] = field(default_factory=dict)  # chunk key -> its best similarity
    texts: tuple[str, ...] = ()

    def note(self, key: int, similarity: float, turn_similarity: float) -> None:
        """A chunk's similarity to the texts, and to the user's turns alone (0 when it was not compared with them)."""
        self.similarity = max(self.similarity, similarity)
        self.described = max(self.described, turn_similarity)
        self.best[key] = max(self.best.get(key, similarity), similarity)

    def leave_out(self, rows: set[int], chunk_vectors: np.ndarray, vectors: np.ndarray, first_turn: int) -> None:
        """Take the similarities again without the texts at rows (vectors: every text's, the user's turns from
        first_turn on; chunk_vectors: the target's chunks)."""
        kept = [row for row in range(len(vectors)) if row not in rows]
        self.similarity = min(self.similarity, _best(chunk_vectors, vectors[kept]))
        self.described = min(self.described, _best(chunk_vectors, vectors[[row for row in kept if row >= first_turn]]))

    def names(self, target: Target, floors: Floors) -> bool:
        """Whether the user's turns describe the target closely enough to name it."""
        return self.described >= floors.names(target)


def other_years(text: str, chunk: str) -> bool:
    """Whether a text (a user turn, an answer sentence) and the person's knowledge chunk it came closest to both give
    years and share none: "the author born in Tehran in 1976" against "... born in Tehran, Iran on 11/26/1972"
    describes someone else, however close the wording. Such a text does not name the person, nor count towards its
    similarity; the other texts of the exchange still do. Years of different events are no contradiction: when
    every year on both sides is read as one event (_year_events: a birth, a death, an award, a publication) and the
    two sides' events differ ("born in Baku in 1970" against "first honoured with an award in 2002"), the years
    say nothing about whether it is the same person."""
    asked, known = set(YEAR.findall(text)), set(YEAR.findall(chunk))
    if not asked or not known or asked & known:
        return False
    asked_events, known_events = _year_events(text), _year_events(chunk)
    return None in asked_events or None in known_events or bool(asked_events & known_events)


def _year_events(text: str) -> set[str | None]:
    """The event each year in text is given for: the one class of YEAR_EVENTS among the words of its sentence within
    EVENT_WINDOW words of it, else None (no event word, or words of several)."""
    events: set[str | None] = set()
    for sentence in split_sentences(text) or [text]:
        words = re.findall(r"\w+", sentence.casefold())
        for at, word in enumerate(words):
            if YEAR.fullmatch(word):
                near = words[max(at - EVENT_WINDOW, 0) : at + EVENT_WINDOW + 1]
                classes = {YEAR_EVENTS[w] for w in near if w in YEAR_EVENTS}
                events.add(classes.pop() if len(classes) == 1 else None)
    return events


def _about_other_dates(texts: list[str], vectors: np.ndarray, dated: list[int], chunks: list[str],
                       chunk_vectors: np.ndarray) -> set[int]:
    """The rows of the dated texts whose nearest of a person's chunks gives years, none of theirs (other_years): such
    a text describes someone else, however close its wording."""
    if not chunks:
        return set()
    nearest = (vectors[dated] @ chunk_vectors.T).argmax(axis=1)
    return {row for row, at in zip(dated, nearest.tolist(), strict=True) if other_years(texts[row], chunks[at])}


def _best(chunk_vectors: np.ndarray, vectors: np.ndarray) -> float:
    """The best cosine between the chunks and the vectors (0 if either is empty)."""
    if not len(chunk_vectors) or not len(vectors):
        return 0.0
    return float((chunk_vectors @ vectors.T).max())


def _in_turn(first: list, second: list) -> list:
    """The items of two rankings taken in turn (first[0], second[0], first[1], ...), each once."""
    merged, seen = [], set()
    for pair in zip_longest(first, second):
        for item in pair:
            if item is not None and item[0] not in seen:
                seen.add(item[0])
                merged.append(item)
    return merged


def _apply(candidate: Candidate, match: _Match, floors: Floors) -> Candidate:
    """Record a match on a candidate; a user turn about the target's knowledge names it."""
    candidate.similarity, candidate.described = match.similarity, match.described
    candidate.matched = tuple(t for t in match.texts if t != candidate.target.profile)
    if match.names(candidate.target, floors):
        candidate.named = True
        candidate.evidence = min(candidate.evidence, DESCRIBED)
    return candidate


class Recent:
    """What was computed for the last `size` distinct texts (their vectors, their static closeness), in memory, least
    recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, texts: list[str]) -> dict[str, Any]:
        found = {}
        with self._lock:
            for text in texts:
                if text in self._values:
                    self._values.move_to_end(text)
                    found[text] = self._values[text]
        return found

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def put(self, values: dict[str, Any]) -> None:
        with self._lock:
            self._values.update(values)
            while len(self._values) > self.size:
                self._values.popitem(last=False)


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
    if mention.form in FULL_NAMES:
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


def _beside_another(runs: tuple[list[Token], list[Token]], surname: frozenset[str], word: bool,
                    target: Target) -> bool:
    """Whether the target's last name (surname: its words; word: an English word; runs: the capitalised words
    adjacent to it on either side, _adjacent) stands next to a word of another person's name: on either side, the
    first word that is none of the target's name words (past them: "Gabriel Garcia Marquez" for Rafael Garcia
    Marquez), unless that side holds the first word of one of its names (a middle name between: "Martin Charles
    Gutzwiller" for Martin Gutzwiller; see _names_another)."""
    own, first = _name_words(target.surface_forms)
    for run in runs:
        if any(t.norm in first for t in run):
            continue
        near = next((t for t in run if t.norm not in own), None)
        if near is not None and _names_another(near, own, surname, word):
            return True
    return False


def _a_place(tokens: list[Token], first: int, last: int) -> bool:
    """Whether the last name at tokens[first : last + 1] stands as a place: followed by a geographic feature
    ("Washington state", "Jordan River"), by a comma and a country or state ("Lincoln, Nebraska") or by "D.C.";
    after a capitalised place word ("Lake Washington", "Fort Lincoln") or after "<noun> of" ("the capital of
    Jordan"). Anything else ("in Washington", "the legacy of Washington") stays the person's."""
    after = [t for t in tokens[last + 1 : last + 3] if t.start - tokens[last].end <= 8]
    if after and after[0].start - tokens[last].end <= 2:
        two = " ".join(t.norm for t in after)
        if (after[0].norm in PLACE_AFTER or after[0].norm in places() or two in places()
                or two == "d c" and all(len(t.norm) == 1 for t in after)):
            return True
    before = tokens[max(first - 2, 0) : first]
    if (before and before[-1].norm in PLACE_BEFORE and before[-1].capitalized
            and tokens[first].start - before[-1].end == 1):
        return True
    return len(before) == 2 and before[1].norm == "of" and before[0].norm in PLACE_OF


def _adjacent(tokens: list[Token], at: int, step: int) -> list[Token]:
    """The capitalised words from tokens[at] on in direction step, each adjacent to the one before (one space or
    punctuation mark apart; an initial's dot and space before a name)."""
    run, here = [], at
    while 0 <= here + step < len(tokens):
        left, right = sorted((tokens[here], tokens[here + step]), key=lambda t: t.start)
        gap = right.start - left.end
        if gap > 2 or (gap == 2 and len(left.norm) > 1) or not tokens[here + step].capitalized:
            break
        here += step
        run.append(tokens[here])
    return run


def _names_another(near: Token, own: frozenset[str], surname: frozenset[str], word: bool) -> bool:
    """Whether a capitalised word next to a target's last name (surname: its words; word: an English word) is of
    another person's name: letters only (not "B451l" or "J*hn": a disguise may hide the target's own), no title or
    function word (but a given name of 4 letters or more that is one, inside a sentence: "Did Will Smith win?");
    an initial, a word that is no English word ("Harper" may be a common noun), a given name that is one ("Robin
    Williams"; not a month or weekday: "in June Williams won"), or any English word when
    the last name is one too and the word starts no sentence ("Serengeti National Park", "Park Avenue"; not
    "Dr Park", "Yesterday Park said"); and, if it is an initial or a name, not the start of one of the target's other
    name words, nor one of them its start, nor 2 edits from one (the target's own initial, short form or respelling:
    "J.", "Jo", "Mary" for Marie)."""
    if not near.capitalized or near.upper or not near.norm.isalpha() or near.norm in TITLES:
        return False
    given = near.norm in given_names() and near.norm not in CALENDAR
    if near.norm in common_words() and not (given and len(near.norm) >= 4 and not near.initial):
        return False  # a function word, unless a given name inside a sentence ("Did Will Smith win?")
    if len(near.norm) > 1 and near.norm in english_words() and not given:
        return word and not near.initial
    return not any(w.startswith(near.norm) or near.norm.startswith(w) or _respelled(near.norm, w)
                   for w in own - surname)


def _respelled(word: str, own: str) -> bool:
    """Whether a word may be one of the target's own name words respelled ("Mary" for Marie, "Steven" for Stephen):
    both of 4 letters or more, at most 2 edits apart."""
    return min(len(word), len(own)) >= 4 and OSA.distance(word, own) <= 2


@lru_cache(maxsize=65_536)
def _name_words(forms: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """The words of a target's names and aliases, and the first word of each."""
    words = [[t.norm for t in tokenize(form)] for form in forms]
    return frozenset(w for form in words for w in form), frozenset(form[0] for form in words if form)


def encode_targets(targets: list[Target], embedder: TextEncoder, progress: Callable[[int], None] | None = None,
                   cache: EmbeddingCache | str | None = DEFAULT_CACHE) -> int:
    """Put the vectors of the targets' profiles and knowledge chunks in the embedding cache ahead of time (a bulk
    import), ENCODE_BATCH texts at a time, calling progress(texts) after each batch; returns the number encoded. An
    interrupted run keeps what it saved: the next one encodes only the rest."""
    cache, encoded = _cache_for(embedder, cache), 0
    for batch in _batches(targets):
        texts = [text for target in batch for text in _texts(target)]
        encoded += encode_cached(embedder, texts, cache)[1]
        if progress is not None:
            progress(len(texts))
    return encoded


def target_texts(targets: list[Target]) -> int:
    """The number of texts (profiles and knowledge chunks) that get a vector."""
    return sum(len(_texts(target)) for target in targets)


def _texts(target: Target) -> list[str]:
    """The texts of a target that get vectors: its profile, then its knowledge chunks."""
    return [target.profile, *(piece for text in target.knowledge for piece in chunk(text))]


def _batches(targets: list[Target]) -> list[list[Target]]:
    """Consecutive runs of targets with about ENCODE_BATCH texts each."""
    batches, current, size = [], [], 0
    for target in targets:
        current.append(target)
        size += 1 + len(target.knowledge)
        if size >= ENCODE_BATCH:
            batches.append(current)
            current, size = [], 0
    return [*batches, current] if current else batches


def _keep_newest(folder: Path, count: int) -> None:
    """Delete all but the count newest saved graphs in folder."""
    graphs = sorted(folder.glob("*.usearch"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in graphs[count:]:
        old.unlink(missing_ok=True)


def _cache_for(embedder: TextEncoder | None, cache: EmbeddingCache | str | None) -> EmbeddingCache | None:
    """The default cache only serves embedders that name their model (a cache_key); test fakes stay in memory."""
    if cache != DEFAULT_CACHE:
        return cache
    return default_cache() if embedder is not None and hasattr(embedder, "cache_key") else None
