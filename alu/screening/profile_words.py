"""Target words: which targets share a content word with a text, in their profile or their knowledge.

A shared content word is lexical evidence: the targets sharing one are compared with the text chunk by chunk, at a
lower similarity floor than targets found by vector search alone, and those sharing the rarest words fill half the
candidate places (see TargetIndex._score). The rarest words come first and at most a fixed number of targets are
taken, so the cost of a screen stays the same from 10 to 100,000 targets. Content words are the folded tokens of 3
characters or more with a letter, other than common function words. A word that more targets share than the budget
says little about which target a text means: its list is dropped and the word stays skipped from then on (also
after removals), so memory grows with the rare words only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from .mentions import MASK_CHARS, Token, tokenize
from .words import common_words, demonyms

ROW_BUDGET = 1024  # most targets a screen compares chunk by chunk for sharing a word with its texts


def content_words(text: str) -> set[str]:
    """The folded tokens that can tell targets apart: no function words, numbers, masks or short tokens."""
    return words_of(tokenize(text))


def words_of(tokens: Iterable[Token]) -> set[str]:
    """content_words of a text already tokenized; a word for a country's people stands as the country's
    ("brazilian" as "brazil": words.demonyms)."""
    common, countries = common_words(), demonyms()
    return {
        countries.get(t.norm, t.norm) for t in tokens
        if len(t.norm) >= 3 and t.norm not in common and any(ch.isalpha() for ch in t.norm)
        and not any(ch in MASK_CHARS for ch in t.norm)
    }


class ProfileWords:
    """Inverted index from content word to the targets whose profile or knowledge contains it; add and remove in
    place."""

    def __init__(self, budget: int = ROW_BUDGET) -> None:
        self.budget = budget
        self._rows: dict[str, set[str]] = {}
        self._words: dict[str, tuple[str, ...]] = {}
        self._skipped: set[str] = set()  # shared by more targets than the budget at some point

    def add(self, target_id: str, texts: Iterable[str], names: frozenset[str] = frozenset()) -> None:
        """Index the content words of the target's texts, except names: the words of a person's own names, which the
        mention index reads with its rules (a given name alone, or a last name beside another person's given name,
        names no target), so sharing one is no evidence here."""
        self.remove(target_id)
        countries = demonyms()
        names = {countries.get(name, name) for name in names}
        words = set().union(*(content_words(text) for text in texts)) - self._skipped - names
        for word in words:
            rows = self._rows.setdefault(word, set())
            rows.add(target_id)
            if len(rows) > self.budget:
                del self._rows[word]
                self._skipped.add(word)
        self._words[target_id] = tuple(words - self._skipped)

    def remove(self, target_id: str) -> None:
        for word in self._words.pop(target_id, ()):
            rows = self._rows.get(word)
            if rows is not None:
                rows.discard(target_id)
                if not rows:
                    del self._rows[word]

    def rows(self, texts: Iterable[str]) -> set[str]:
        """Targets that share a content word with the texts (see rows_sharing)."""
        return set(self.rows_sharing(set().union(*(content_words(text) for text in texts))))

    def rows_sharing(self, words: set[str]) -> dict[str, float]:
        """Targets whose profile or knowledge contains one of the words, the rarest words' targets first as long as
        they fit in the budget, each with the weight of the words it shares: the sum of their inverse document
        frequencies, 1 + log(targets / targets with the word) (a word few targets share counts most)."""
        found: dict[str, float] = {}
        total = max(len(self._words), 1)
        shared = sorted((w for w in words if w in self._rows), key=lambda w: (len(self._rows[w]), w))  # not the
        for rows in (self._rows[w] for w in shared):  # set's order: the same budget cut in every process
            if len(found.keys() | rows) > self.budget:
                break
            weight = math.log(total / len(rows)) + 1.0
            for target_id in rows:
                found[target_id] = found.get(target_id, 0.0) + weight
        return found
