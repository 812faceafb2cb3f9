"""Profile words: which target profiles share a content word with a text.

Similarity to the profiles is computed only for those rows, the rarest words first and at most a fixed number of
rows, so the cost of a screen stays the same from 10 to 100,000 targets; a text that shares no content word with
any profile is not encoded at all. Content words are the folded tokens of 3 characters or more with a letter,
other than common function words; a word that more profiles share than the budget says little about which target
a text means and is skipped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from .mentions import MASK_CHARS, Token, tokenize
from .words import common_words

ROW_BUDGET = 1024  # most profile rows a screen compares with its texts


def content_words(text: str) -> set[str]:
    """The folded tokens that can tell targets apart: no function words, numbers, masks or short tokens."""
    return words_of(tokenize(text))


def words_of(tokens: Iterable[Token]) -> set[str]:
    """content_words of a text already tokenized."""
    common = common_words()
    return {
        t.norm for t in tokens
        if len(t.norm) >= 3 and t.norm not in common and any(ch.isalpha() for ch in t.norm)
        and not any(ch in MASK_CHARS for ch in t.norm)
    }


class ProfileWords:
    """Inverted index from content word to the rows of the profiles that contain it; add and remove in place."""

    def __init__(self) -> None:
        self._rows: dict[str, set[int]] = defaultdict(set)
        self._words: dict[int, set[str]] = {}

    def add(self, row: int, profile: str) -> None:
        self.remove(row)
        words = content_words(profile)
        self._words[row] = words
        for word in words:
            self._rows[word].add(row)

    def remove(self, row: int) -> None:
        for word in self._words.pop(row, ()):
            rows = self._rows[word]
            rows.discard(row)
            if not rows:
                del self._rows[word]

    def rows(self, texts: Iterable[str], budget: int = ROW_BUDGET) -> set[int]:
        """Rows whose profile shares a content word with the texts (see rows_sharing)."""
        return self.rows_sharing(set().union(*(content_words(text) for text in texts)), budget)

    def rows_sharing(self, words: set[str], budget: int = ROW_BUDGET) -> set[int]:
        """Rows whose profile contains one of the words: the rarest words' rows first, as long as they fit in
        budget rows."""
        found: set[int] = set()
        for rows in sorted((self._rows[w] for w in words if w in self._rows), key=len):
            merged = found | rows
            if len(merged) > budget:
                break
            found = merged
        return found
