"""Faithful rewrites: a rewrite may remove or generalise what its source answer says, never add to it. Checked
deterministically against the source answer (less what was erased), never against the question: a name the question
holds is no licence to put it into the answer."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from itertools import combinations

from ..prompts import Prompts
from ..screening import TargetIndex, common_words, split_sentences, tokenize
from .base import PLACEHOLDER

NEGATIONS = frozenset({"not", "no", "never", "nor", "neither", "none", "nobody", "nothing", "without", "cannot"})
_NOT = re.compile(r"n't\b", re.IGNORECASE)


def is_faithful(text: str, source: str, guard: TargetIndex, prompts: Prompts, ordered: bool = True) -> bool:
    """No target mention, no leftover placeholder, and nothing the source does not say (see added_claims)."""
    if PLACEHOLDER in text or guard.mentions_in(text):
        return False
    return not added_claims(text, source, neutral_words(prompts), ordered)


def neutral_words(prompts: Prompts) -> frozenset[str]:
    """The words of the phrases that stand for a removed target (Prompts.neutral and Prompts.examples)."""
    phrases = [*prompts.phrases["neutral"].values(), *prompts.phrases["examples"].values()]
    return frozenset(token.norm for phrase in phrases for token in tokenize(phrase))


def added_claims(rewrite: str, source: str, neutral: frozenset[str] = frozenset(), ordered: bool = True) -> list[str]:
    """What rewrite says that source does not, one reason each (none: faithful).

    - Every word the rewrite adds is a function word or one of the neutral words that stand for a removed target
      (neutral): no name, number or content word of its own. ordered: words are added wherever the rewrite departs
      from the source's word order (a smoothing rewrite); unordered: words found nowhere in the source (a merge of
      several rewrites).
    - No negation is added, and none is dropped from a sentence the rewrite keeps.
    - Two names or numbers that one sentence of the rewrite joins stand together in one sentence of the source:
      who did what is not recombined."""
    allowed = (common_words() | neutral) - NEGATIONS
    source_sentences = [_words(s) for s in split_sentences(source.replace(PLACEHOLDER, " "))]
    words = [w for sentence in source_sentences for w in sentence]
    reasons = [f"adds {word!r}" for word in _added(words, _words(rewrite), ordered) if word not in allowed]
    if ordered:
        reasons += _dropped_negations(source_sentences, _words(rewrite))
    joined = [set(_entities(s)) for s in split_sentences(source.replace(PLACEHOLDER, " "))]
    for sentence in split_sentences(rewrite):
        for pair in combinations(sorted(set(_entities(sentence))), 2):
            if not any(set(pair) <= entities for entities in joined):
                reasons.append(f"joins {pair[0]!r} and {pair[1]!r}")
    return list(dict.fromkeys(reasons))


def _words(text: str) -> list[str]:
    return [token.norm for token in tokenize(_NOT.sub(" not", text))]


def _entities(text: str) -> list[str]:
    """Names and numbers: capitalised words that are not common words, and words with digits."""
    common = common_words()
    return [t.norm for t in tokenize(text)
            if any(ch.isdigit() for ch in t.norm) or (t.capitalized and t.norm not in common)]


def _added(source: list[str], rewrite: list[str], ordered: bool) -> list[str]:
    if not ordered:
        known = set(source)
        return [word for word in rewrite if word not in known]
    matcher = SequenceMatcher(None, source, rewrite, autojunk=False)
    return [word for tag, _, _, j1, j2 in matcher.get_opcodes() if tag in ("insert", "replace")
            for word in rewrite[j1:j2]]


def _dropped_negations(source_sentences: list[list[str]], rewrite: list[str]) -> list[str]:
    """A negation the rewrite leaves out of a source sentence it otherwise keeps words of."""
    source = [w for sentence in source_sentences for w in sentence]
    sentence_of = [i for i, sentence in enumerate(source_sentences) for _ in sentence]
    matcher = SequenceMatcher(None, source, rewrite, autojunk=False)
    kept = {sentence_of[i] for tag, i1, i2, _, _ in matcher.get_opcodes() if tag == "equal" for i in range(i1, i2)}
    return [f"drops {source[i]!r}" for tag, i1, i2, _, _ in matcher.get_opcodes() if tag in ("delete", "replace")
            for i in range(i1, i2) if source[i] in NEGATIONS and sentence_of[i] in kept]
