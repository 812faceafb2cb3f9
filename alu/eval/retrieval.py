"""A small BM25 retriever: the knowledge of the assistant under evaluation (TOFU and WPU QA pairs)."""

from __future__ import annotations

import math
import re
from collections import Counter

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOP_WORDS = ("a an the of in on at to for and or is are was were be by with what who whom which how does did "
               "do has have had his her their its this that as from about can you tell me")
_STOP = frozenset(_STOP_WORDS.split())


def terms(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.casefold()) if w not in _STOP]


class BM25:
    """Okapi BM25 over short passages (k1=1.5, b=0.75)."""

    def __init__(self, passages: list[str], k1: float = 1.5, b: float = 0.75) -> None:
        self.passages = passages
        self.docs = [Counter(terms(p)) for p in passages]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avg = sum(self.lengths) / max(len(self.docs), 1)
        df = Counter(t for d in self.docs for t in d)
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.postings: dict[str, list[int]] = {}
        for i, doc in enumerate(self.docs):
            for t in doc:
                self.postings.setdefault(t, []).append(i)
        self.k1, self.b = k1, b

    def top(self, query: str, k: int = 3) -> list[int]:
        """Indexes of the k best passages for the query."""
        scores: Counter[int] = Counter()
        for t in set(terms(query)):
            idf = self.idf.get(t, 0.0)
            for i in self.postings.get(t, ()):
                f = self.docs[i][t]
                norm = f + self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avg)
                scores[i] += idf * f * (self.k1 + 1) / norm
        return [i for i, _ in scores.most_common(k)]

    def search(self, query: str, k: int = 3) -> list[str]:
        return [self.passages[i] for i in self.top(query, k)]
