"""Word lists that tell ordinary words from names: function words, correctly spelled words, short words and
acronyms, English words as a dictionary writes them, given names, places and the words for countries' peoples."""

from __future__ import annotations

from functools import cache
from importlib import resources


def is_word(norm: str) -> bool:
    """A folded word that spells an ordinary word or acronym ("not", "hiv", "smith", "prize")."""
    return norm in short_words() or norm in english_words() or norm in known_words()


def short_words() -> frozenset[str]:
    """Words of 2 or 3 letters, acronyms included (alu/screening/data/short_words.txt)."""
    return _word_list("short_words.txt")


def common_words() -> frozenset[str]:
    """Function words and other words that name no one (alu/screening/data/common_words.txt)."""
    return _word_list("common_words.txt")


def given_names() -> frozenset[str]:
    """Given names of the 1990 US Census, lower case ("robin", "will", "grace"; alu/screening/data/given_names.txt)."""
    return _word_list("given_names.txt")


@cache
def places() -> frozenset[str]:
    """Countries and the states and provinces of the largest federations, lower case, words joined by one space
    ("texas", "new york"; alu/screening/data/places.txt)."""
    return frozenset(line.strip() for line in _data_lines("places.txt") if line.strip())


@cache
def demonyms() -> dict[str, str]:
    """A word for a country's people or language -> the country's word ("brazilian" -> "brazil", "american" -> "usa";
    alu/screening/data/demonyms.txt)."""
    return {form: words[0] for line in _data_lines("demonyms.txt") if (words := line.split()) for form in words[1:]}


def known_words() -> frozenset[str]:
    """Correctly spelled words of 4 letters or more, names included (alu/screening/data/known_words.txt)."""
    return _word_list("known_words.txt")


@cache
def english_words() -> frozenset[str]:
    """English words as a dictionary writes them in lower case (Webster's 2nd edition word list, packaged by
    english-words): "smith", "price" and "brown" are words, "einstein" and "rowling" are not."""
    from english_words import get_english_words_set

    return frozenset(w for w in get_english_words_set(["web2"], lower=False, alpha=True) if w.islower())


@cache
def _word_list(name: str) -> frozenset[str]:
    return frozenset(w for line in _data_lines(name) for w in line.split())


def _data_lines(name: str) -> list[str]:
    """The lines of a data file beside this module, less its comment lines."""
    text = resources.files("alu.screening").joinpath("data", name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if not line.startswith("#")]
