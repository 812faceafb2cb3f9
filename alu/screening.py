"""Screening: pick the few targets a request could concern, so the agents see a short list."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .embedding import Embedder
from .matching import Mention, MentionIndex, split_sentences
from .targets import Target


@dataclass
class Candidate:
    """A target the request may concern, with the evidence for it."""

    target: Target
    query_mentions: list[Mention] = field(default_factory=list)
    answer_mentions: list[Mention] = field(default_factory=list)
    similarity: float = 0.0  # best cosine between a sentence of query/answer and the target's profile


class TargetIndex:
    """Mention index plus an embedding matrix over target profiles; add and remove without a rebuild."""

    def __init__(self, targets: list[Target] = (), embedder: Embedder | None = None) -> None:
        self.embedder = embedder
        self.mentions = MentionIndex()
        self.targets: dict[str, Target] = {}
        self._ids: list[str] = []
        self._row: dict[str, int] = {}
        self._vectors = np.zeros((0, 384), dtype=np.float32)
        self.add_many(list(targets))

    def __len__(self) -> int:
        return len(self.targets)

    def add_many(self, targets: list[Target]) -> None:
        for target in targets:
            self.remove(target.id)
            self.targets[target.id] = target
            self.mentions.add(target)
        if self.embedder is not None and targets:
            vectors = self.embedder.encode([t.profile for t in targets])
            start = len(self._ids)
            self._ids.extend(t.id for t in targets)
            self._row.update({t.id: start + i for i, t in enumerate(targets)})
            self._vectors = np.vstack([self._vectors, vectors])

    def add(self, target: Target) -> None:
        self.add_many([target])

    def remove(self, target_id: str) -> None:
        """Drop a target; its embedding row is zeroed (a free slot, never scored)."""
        if self.targets.pop(target_id, None) is None:
            return
        self.mentions.remove(target_id)
        row = self._row.pop(target_id, None)
        if row is not None:
            self._vectors[row] = 0.0

    def similar(self, texts: list[str], limit: int) -> list[tuple[str, float]]:
        """Targets whose profile is most similar to any of the texts, best first."""
        if self.embedder is None or not texts or not self._row:
            return []
        scores = (self.embedder.encode(texts) @ self._vectors.T).max(axis=0)
        top = np.argsort(-scores)[: limit * 2]
        return [(self._ids[i], float(scores[i])) for i in top if self._ids[i] in self._row][:limit]

    def screen(self, query_texts: list[str], answer: str, limit: int, min_similarity: float) -> list[Candidate]:
        """Candidates: every target mentioned in query or answer, then the most similar by embedding."""
        found: dict[str, Candidate] = {}
        for text in query_texts:
            for mention in self.mentions.find(text):
                found.setdefault(mention.target_id, Candidate(self.targets[mention.target_id]))
                found[mention.target_id].query_mentions.append(mention)
        for mention in self.mentions.find(answer):
            found.setdefault(mention.target_id, Candidate(self.targets[mention.target_id]))
            found[mention.target_id].answer_mentions.append(mention)
        sentences = split_sentences(answer) + [t for t in query_texts if t.strip()]
        for target_id, score in self.similar(sentences, limit):
            if target_id in found:
                found[target_id].similarity = score
            elif score >= min_similarity and len(found) < limit:
                found[target_id] = Candidate(self.targets[target_id], similarity=score)
        return list(found.values())
