"""Deterministic mention finding over normalised text: names, aliases, last names, misspellings, masks.

Lookups go through dictionaries keyed by normalised tokens, so the cost per text does not grow with the
number of targets, and targets can be added or removed without a rebuild. A span that many targets share (a common
last name) is one SharedMention, whatever the number of targets behind it.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import chain, groupby, product

from anyascii import anyascii
from rapidfuzz.distance import OSA

from ..targets import Target
from .reading import View, acrostic, clean, decoded, rendered
from .words import english_words, is_word

MASK_CHARS = "*_"
_KANA_MARKS = "\u3099\u309a"
_TOKEN = re.compile(r"[^\W_]+(?:[*_]+[^\W_]*)*|[*_]+[^\W_]+(?:[*_]+[^\W_]*)*", re.UNICODE)
_NAME_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "phd", "md"}
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
FUZZY_MIN_LEN = 5  # shortest indexed token a misspelling (substitution, missing letter) may stand for
INITIAL_FUZZY_MIN_LEN = 6  # shortest misspelled word starting a sentence that may stand for a name
SHORT_MIN_LEN = 4  # shortest indexed token a masked token or a token with one extra letter may stand for
LOWER_LAST_NAME = 5  # shortest last name found in lower case
SHORT_LAST_NAME = 3  # last names shorter than this ("Li", "Yu") count only inside a sentence, not as its first word
_SENTENCE_END = ".!?:;\"'“‘(\n"
_INITIAL_DOT = re.compile(r"(?:^|[^\w])[^\W\d_]\.$")  # a single letter and its dot: "B."
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
RECENT_TEXTS = 256  # texts whose mentions are kept: an answer is read again by the agents and the final guard
MAX_SENTENCES = 48  # pieces of one text that are encoded (see split_sentences)
SPACED_MIN_RUN = 3  # single letters in a row, spaced apart, read as one word
ACROSTIC_MIN_LEN, ACROSTIC_MAX_LEN = 7, 32  # names looked for down the first letters of lines (few false alarms)
SQUASHED_MIN_LEN = 6  # shortest name written without spaces ("JKRowling") that is looked up as one word
INITIALS_MIN_LEN = 3  # shortest initials of a person ("JKR") that count as a mention, written in capitals


@dataclass(frozen=True)
class Mention:
    """A span of text that refers to a target."""

    target_id: str
    start: int
    end: int
    form: str  # name, alias, last_name, fuzzy or masked (letters starred, or only the initials left)


@dataclass(frozen=True)
class SharedMention:
    """A span of text that refers to each of several targets in the same form ("Smith" for every target named
    Smith): one object however many targets share the words."""

    target_ids: frozenset[str]
    start: int
    end: int
    form: str

    def mentions(self) -> list[Mention]:
        """One Mention per target, in id order."""
        return [Mention(target_id, self.start, self.end, self.form) for target_id in sorted(self.target_ids)]


@dataclass(frozen=True)
class Token:
    norm: str
    start: int
    end: int
    capitalized: bool  # starts with a capital letter, a mask character, or a letter of a script without case
    initial: bool = False  # the first word of the text or of a sentence
    upper: bool = False  # two letters or more, all capitals ("JKR")
    foreign: bool = False  # letters of another script than Latin ("Роулинг", "罗琳"): folded by transliteration


def fold(text: str) -> str:
    """Case-fold, strip diacritics, and spell other scripts in Latin letters ("Абилов" -> "abilov"), so a name
    written in Cyrillic, Greek, ... is found by the same lookups (and misspelling index) as its Latin form."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    # diacritics go; kana voicing marks stay, they are part of the syllable ("グ" is "gu", not "ku")
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch) or ch in _KANA_MARKS).casefold()
    if folded.isascii():
        return folded
    return "".join(ch for ch in anyascii(unicodedata.normalize("NFC", folded)).casefold()
                   if ch.isalnum() or ch in MASK_CHARS)


def tokenize(text: str) -> list[Token]:
    """Word tokens with their spans; apostrophes, hyphens and dots split tokens, mask characters do not."""
    return [_token(m.group(), m.start(), m.end(), text) for m in _TOKEN.finditer(text)]


def _token(word: str, start: int, end: int, text: str) -> Token:
    first = word[0]
    capitalized = first.isupper() or first in MASK_CHARS or (first.isalpha() and not first.islower())
    foreign = not word.isascii() and any(ch.isalpha() and not _latin(ch) for ch in word)
    upper = len(word) > 1 and word.isupper() and word.isalpha()
    return Token(fold(word), start, end, capitalized, _starts_sentence(text, start), upper, foreign)


def _latin(char: str) -> bool:
    return char.isascii() or unicodedata.name(char, "").startswith("LATIN")


def reader_tokens(text: str, tokens: list[Token]) -> list[Token]:
    """The words a reader makes of a text's tokens that its tokens do not have: words written together split where
    the case changes ("JKRowling" -> "JK", "Rowling"; "ProjectNightingale"), and letters spaced apart joined into one
    word ("R o w l i n g")."""
    parts = []
    for token in tokens:
        word = text[token.start : token.end]
        pieces = list(_CAMEL.finditer(word)) if word.isalnum() and word.isascii() else []
        if len(pieces) > 1:
            parts += [_token(p.group(), token.start + p.start(), token.start + p.end(), text) for p in pieces]
    return sorted([*parts, *_joined_spaced(tokens, text)], key=lambda t: (t.start, t.end))


def _joined_spaced(tokens: list[Token], text: str) -> list[Token]:
    """Runs of SPACED_MIN_RUN single letters or more, a few spaces or marks apart on one line, as one token each."""
    joined, run = [], []
    for token in [*tokens, None]:
        single = token is not None and token.end - token.start == 1 and token.norm.isalpha()
        if single and run and _gap(text, run[-1].end, token.start):
            run.append(token)
            continue
        if len(run) >= SPACED_MIN_RUN:
            joined.append(Token("".join(t.norm for t in run), run[0].start, run[-1].end, run[0].capitalized,
                                run[0].initial, all(text[t.start].isupper() for t in run)))
        run = [token] if single else []
    return joined


def _gap(text: str, start: int, end: int) -> bool:
    gap = text[start:end]
    return 0 < len(gap) <= 3 and "\n" not in gap and not any(ch.isalnum() for ch in gap)


def _starts_sentence(text: str, start: int) -> bool:
    end = start
    while end > 0 and text[end - 1].isspace():  # back over the gap only: no copy of the text before
        end -= 1
    if _INITIAL_DOT.search(text[max(end - 3, 0) : end]):  # the pattern spans at most 3 characters
        return False  # the dot of an initial ("A. B. Guthrie"), not the end of a sentence
    return end == 0 or text[end - 1] in _SENTENCE_END


def normalize(text: str) -> str:
    """Normalised text: folded tokens joined by single spaces."""
    return " ".join(t.norm for t in tokenize(text))


def name_variants(target: Target) -> list[tuple[tuple[str, ...], str]]:
    """Token sequences that count as a mention of the target, with the form each stands for."""
    variants: list[tuple[tuple[str, ...], str]] = []
    for index, form_text in enumerate(target.surface_forms):
        tokens = tuple(t.norm for t in tokenize(form_text))
        if not tokens:
            continue
        form = "name" if index == 0 else "alias"
        variants.append((tokens, form))
        joined = _join_initials(tokens)
        if joined != tokens:
            variants.append((joined, form))
    if target.kind == "person":
        for form_text in target.surface_forms:
            variants.extend((last, "last_name") for last in _last_names(form_text))
        variants.extend(((initials,), "initials") for initials in _initials(target.name))
    return list(dict.fromkeys(variants))


def _initials(name: str) -> list[str]:
    """A person's initials ("jkr" for J. K. Rowling), when there are INITIALS_MIN_LEN or more."""
    words = [w for w in re.split(r"[\s.]+", name.strip()) if w and fold(w) not in _NAME_SUFFIXES]
    letters = "".join(fold(w)[:1] for w in words)
    return [letters] if len(letters) >= INITIALS_MIN_LEN and letters.isalpha() else []


def _join_initials(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """("j", "k", "rowling") -> ("jk", "rowling"): runs of initials written together."""
    out: list[str] = []
    for is_initial, group in groupby(tokens, key=lambda t: len(t) == 1):
        run = list(group)
        if is_initial and len(run) > 1:
            out.append("".join(run))
        else:
            out.extend(run)
    return tuple(out)


def _last_names(name: str) -> list[tuple[str, ...]]:
    """The last word of a person's name (hyphenated words kept whole) of 2 letters or more."""
    words = [w for w in re.split(r"\s+", name.strip()) if fold(w).strip(".,") not in _NAME_SUFFIXES]
    if len(words) < 2:
        return []
    tokens = tuple(t.norm for t in tokenize(words[-1]))
    if not tokens or sum(len(t) for t in tokens) < 2:
        return []
    return [tokens]


class MentionIndex:
    """Finds mentions of many targets in a text; supports add and remove without a rebuild."""

    def __init__(self, targets: list[Target] = ()) -> None:
        self._exact: dict[tuple[str, ...], dict[str, set[str]]] = defaultdict(dict)  # variant -> form -> ids
        self._tokens: set[str] = set()  # every token of a variant (shared tokens stay after a remove)
        self._by_first: dict[str, set[tuple[str, ...]]] = defaultdict(set)  # variants of 2+ tokens by first token
        self._by_pair: dict[tuple[str, str], set[tuple[str, ...]]] = defaultdict(set)  # ... and by first 2 tokens
        self._deletes: dict[str, set[str]] = defaultdict(set)
        self._by_gram: dict[str, set[str]] = defaultdict(set)  # letter pairs and anchored first/last letters
        self._variants: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        self._initials: dict[tuple[tuple[str, int], ...], set[str]] = defaultdict(set)  # "B**** M******" masks
        self._acronyms: dict[str, set[str]] = defaultdict(set)  # a person's initials ("jkr") -> ids
        self._squashed: dict[str, dict[str, set[str]]] = defaultdict(dict)  # "jkrowling" -> form -> ids
        self._sounds: dict[str, set[str]] = defaultdict(set)  # sound key (and its deletes) -> indexed tokens
        self._sounded: dict[str, dict[str, set[str]]] = defaultdict(dict)  # sound key of a name of 2+ words
        self._shifted: dict[str, set[str]] = defaultdict(set)  # a one-word name shifted to start with "a" -> names
        self.max_len = 1
        self._recent: OrderedDict[str, list[SharedMention]] = OrderedDict()  # the last texts read, and their mentions
        self._lock = threading.Lock()
        for target in targets:
            self.add(target)

    def __len__(self) -> int:
        return len(self._variants)

    def __contains__(self, target_id: str) -> bool:
        return target_id in self._variants

    def add(self, target: Target) -> None:
        """Index a target (replacing an earlier version with the same id)."""
        self.remove(target.id)
        self._forget_recent()
        variants = name_variants(target)
        self._variants[target.id] = variants
        for tokens, form in variants:
            if form == "initials":
                self._acronyms[tokens[0]].add(target.id)
                continue
            self._exact[tokens].setdefault(form, set()).add(target.id)
            if len(tokens) > 1 and len(squashed := "".join(tokens)) >= SQUASHED_MIN_LEN:
                self._squashed[squashed].setdefault(form, set()).add(target.id)
            if len(tokens) > 1 and len(key := "".join(map(sound, tokens))) > SOUND_MIN_LEN:
                self._sounded[key].setdefault(form, set()).add(target.id)
            if len(tokens) > 1:
                self._by_first[tokens[0]].add(tokens)
                self._by_pair[tokens[:2]].add(tokens)
            if _maskable_to_initials(tokens, form):
                self._initials[_initials_key(tokens)].add(target.id)
            self.max_len = max(self.max_len, len(tokens))
            for token in tokens:
                self._tokens.add(token)
                if len(token) >= SHORT_MIN_LEN:
                    for gram in _grams(token):
                        self._by_gram[gram].add(token)
                if len(token) >= FUZZY_MIN_LEN:
                    if token.isalpha() and token.isascii():
                        self._shifted[caesar_key(token)].add(token)
                    for deleted in _deletes(token):
                        self._deletes[deleted].add(token)
                    for key in _sound_keys(sound(token)):
                        self._sounds[key].add(token)

    def _forget_recent(self) -> None:
        with self._lock:
            self._recent.clear()

    def remove(self, target_id: str) -> None:
        """Forget a target's variants. Shared tokens stay indexed (harmless: lookups verify)."""
        self._forget_recent()
        for tokens, form in self._variants.pop(target_id, []):
            if form == "initials":
                self._acronyms[tokens[0]].discard(target_id)
                continue
            _discard(self._squashed.get("".join(tokens), {}), form, target_id)
            _discard(self._sounded.get("".join(map(sound, tokens)), {}), form, target_id)
            owners = self._exact.get(tokens, {})
            if target_id in owners.get(form, ()):
                owners[form].discard(target_id)
                if not owners[form]:
                    del owners[form]
                if not owners:
                    del self._exact[tokens]
                    self._by_first.get(tokens[0], set()).discard(tokens)
                    self._by_pair.get(tokens[:2], set()).discard(tokens)
            if _maskable_to_initials(tokens, form):
                self._initials[_initials_key(tokens)].discard(target_id)

    def find(self, text: str) -> list[Mention]:
        """All mentions in text, one per target, in order of position (see find_shared)."""
        return [mention for shared in self.find_shared(text) for mention in shared.mentions()]

    def find_shared(self, text: str, tokens: list[Token] | None = None) -> list[SharedMention]:
        """All mentions in text, one per span and form, in order of position: the cost does not grow with the
        number of targets that share a name.

        The text is read the way a reader reads it (see alu.screening.reading): cleaned of invisible characters and
        encodings, rendered without markup, look-alike letters and leetspeak, and decoded (reversed, ROT13, base64,
        hex); a mention in any of these views counts, at the span of the text it came from. tokens: the text's own
        tokens, when the caller has them already.

        A target mentioned exactly by a span is not also mentioned by it misspelled or masked. A last name,
        misspelling or masking inside a longer full-name or alias mention is dropped: in "Bao Nguyen", "Nguyen"
        does not refer to another target named Nguyen."""
        if not self._variants:
            return []
        with self._lock:
            if text in self._recent:
                self._recent.move_to_end(text)
                return self._recent[text]
        found = self._find_views(text, tokens)
        with self._lock:
            self._recent[text] = found
            while len(self._recent) > RECENT_TEXTS:
                self._recent.popitem(last=False)
        return found

    def _find_views(self, text: str, tokens: list[Token] | None) -> list[SharedMention]:
        main = clean(text)
        if tokens is None or main.text != text:
            tokens = tokenize(main.text)
        found = self._in_view(main, tokens)
        for render in rendered(main):
            render_tokens = tokens if render is main else tokenize(render.text)
            if render is not main:
                found += self._in_view(render, render_tokens)
            if words := reader_tokens(render.text, render_tokens):
                found += self._in_view(render, words)
        for view in decoded(main):
            found += self._in_view(view, tokenize(view.text), exact=True)
        if (down := acrostic(main)) is not None:
            found += self._in_letters(down)
        return _merged(found)

    def _in_letters(self, view: View) -> list[SharedMention]:
        """Names spelled anywhere in a run of letters (the first letters of a text's lines): every stretch of
        ACROSTIC_MIN_LEN letters or more that is a name or last name run together."""
        letters, found = fold(view.text), []
        for start in range(len(letters)):
            for end in range(start + ACROSTIC_MIN_LEN, min(start + ACROSTIC_MAX_LEN, len(letters)) + 1):
                piece = letters[start:end]
                owners = {**self._exact.get((piece,), {}), **self._squashed.get(piece, {})}
                found += [SharedMention(frozenset(ids), *view.span(i, i + 1), form)  # each letter: the rest of
                          for form, ids in owners.items() if ids for i in range(start, end)]  # its line stays
        return found

    def _in_view(self, view: View, tokens: list[Token], exact: bool = False) -> list[SharedMention]:
        """Mentions in one view's tokens, at their spans in the original text (exact: names, aliases and last names
        as written only, for the decoded views: ROT13 turns "NOT" into the initials "ABG")."""
        if exact:
            found = self._find_exact(tokens) + self._find_squashed(tokens)
        else:
            found = (self.find_in_tokens(tokens) + self._find_squashed(tokens) + self._find_acronyms(tokens)
                     + self._find_shifted(tokens))
        return [replace(m, start=start, end=end) for m in found for start, end in [view.span(m.start, m.end)]]

    def find_in_tokens(self, tokens: list[Token]) -> list[SharedMention]:
        """Mentions in a text already tokenized, as it is written (spans are positions in that text)."""
        return _merged(self._find_exact(tokens) + self._find_fuzzy(tokens) + self._find_initials(tokens)
                       + self._find_sounded(tokens))

    def _find_sounded(self, tokens: list[Token]) -> list[SharedMention]:
        """Names of two words or more written in another script, matched by their sound keys ("Мария Кюри",
        "マリー・キュリー" for Marie Curie), when no word alone is long enough to say who is meant."""
        mentions = []
        keyed = [sounds(token.norm) if token.foreign else set() for token in tokens]
        for i, token in enumerate(tokens):
            if not token.foreign:
                continue
            keys = keyed[i]
            for n in range(2, min(self.max_len, len(tokens) - i) + 1):
                if not tokens[i + n - 1].foreign:
                    break
                keys = {key + more for key in keys for more in keyed[i + n - 1]}
                mentions += [SharedMention(frozenset(ids), token.start, tokens[i + n - 1].end, "fuzzy")
                             for key in keys for ids in self._sounded.get(key, {}).values() if ids]
        return mentions

    def _find_squashed(self, tokens: list[Token]) -> list[SharedMention]:
        """Names written as one word: "JKRowling", "#ProjectNightingale", "J_K_Rowling", "R o w l i n g"."""
        mentions = []
        for token in tokens:
            if len(token.norm) >= SQUASHED_MIN_LEN:
                owners = self._squashed.get(token.norm.replace("*", "").replace("_", ""), {})
                mentions += [SharedMention(frozenset(ids), token.start, token.end, form)
                             for form, ids in owners.items() if ids]
        return mentions

    def _find_shifted(self, tokens: list[Token]) -> list[SharedMention]:
        """Names in a Caesar cipher, any shift ("Ebjyvat", "Fq-Pzbfnyn"): a word of FUZZY_MIN_LEN letters or more
        that is no word itself and, every letter shifted alike, spells a word of a name; the words around it are
        shifted back alike and read for names as written."""
        mentions = []
        for i, token in enumerate(tokens):
            word = token.norm
            if len(word) < FUZZY_MIN_LEN or not (word.isalpha() and word.isascii()) or word in self._tokens:
                continue
            names = self._shifted.get(caesar_key(word))
            if not names or is_word(word):
                continue
            window = tokens[max(i - self.max_len + 1, 0) : i + self.max_len]
            for shift in {(ord(name[0]) - ord(word[0])) % 26 for name in names}:
                mentions += self._find_exact([replace(t, norm=_shift(t.norm, shift)) for t in window])
        return mentions

    def _find_acronyms(self, tokens: list[Token]) -> list[SharedMention]:
        """A person's initials written in capitals ("JKR"), unless they spell a word ("NOT", "HIV")."""
        return [SharedMention(frozenset(ids), t.start, t.end, "initials") for t in tokens
                if t.upper and (ids := self._acronyms.get(t.norm)) and not is_word(t.norm)]

    def _find_exact(self, tokens: list[Token]) -> list[SharedMention]:
        """Exact lookups of every token sequence. A last name inside a full name or alias is skipped here already
        (find_shared drops it anyway)."""
        matches = []
        for i, token in enumerate(tokens):
            owners = self._exact.get((token.norm,))
            if owners:
                matches.append((tokens[i : i + 1], owners))
            if not self._by_first.get(token.norm):
                continue  # no name of several words starts with this word
            for n in range(2, min(self.max_len, len(tokens) - i) + 1):
                owners = self._exact.get(tuple(t.norm for t in tokens[i : i + n]))
                if owners:
                    matches.append((tokens[i : i + n], owners))
        named = [(span[0].start, span[-1].end) for span, owners in matches if set(owners) - {"last_name"}]
        mentions = []
        for span, owners in matches:
            start, end = span[0].start, span[-1].end
            last_name = _may_be_last_name(span) and not _inside_longer(start, end, named)
            mentions += [SharedMention(frozenset(ids), start, end, form) for form, ids in owners.items()
                         if form != "last_name" or last_name]
        return mentions

    def _find_fuzzy(self, tokens: list[Token]) -> list[SharedMention]:
        # A mention starts with a capitalised word, so a token with none in the max_len words up to it cannot be in
        # one: it keeps its own spelling only (most words of running text).
        capitalized = [t.capitalized for t in tokens]
        alternatives = [
            self._alternatives(t) if any(capitalized[max(0, i - self.max_len + 1) : i + 1]) else {t.norm}
            for i, t in enumerate(tokens)
        ]
        mentions = []
        for start, token in enumerate(tokens):
            if token.capitalized:
                for variant in self._variants_at(start, tokens, alternatives):
                    mentions += self._aligned(variant, tokens[start : start + len(variant)])
        return mentions

    def _variants_at(self, start: int, tokens: list[Token], alternatives: list[set[str]]) -> set[tuple[str, ...]]:
        """Variants whose every token is one of the alternatives at its position from start on, one of them not
        the text's own token (that would be an exact mention)."""
        found = {(alt,) for alt in alternatives[start] if (alt,) in self._exact}
        if start + 1 < len(tokens):
            found |= {v for v in self._longer(alternatives[start], alternatives[start + 1])
                      if _spelled(v, alternatives, start)}
        return {v for v in found if any(v[k] != tokens[start + k].norm for k in range(len(v)))}

    def _longer(self, first: set[str], second: set[str]) -> Iterable[tuple[str, ...]]:
        """Variants of 2 tokens or more that may start with one of first then one of second: looked up by their
        first 2 tokens, or by their first token when that visits fewer (both words masked down to a few letters).
        A misspelled first name does not visit every full name with that first name."""
        by_first = [self._by_first.get(token, ()) for token in first]
        if len(first) * len(second) <= sum(map(len, by_first)):
            return chain.from_iterable(self._by_pair.get(pair, ()) for pair in product(first, second))
        return chain.from_iterable(by_first)

    def _aligned(self, variant: tuple[str, ...], span: list[Token]) -> list[SharedMention]:
        """The mention of the variant's targets by a misspelled or masked span (none or one)."""
        form = "masked" if any(ch in t.norm for t in span for ch in MASK_CHARS) else "fuzzy"
        word = span[0].norm
        if form == "fuzzy" and len(span) == 1 and (is_word(word) or (
                span[0].initial and len(word) < INITIAL_FUZZY_MIN_LEN)):
            return []  # "Prize" is a word, not a misspelled "Price"; any word starting a sentence is capitalised
        ids = frozenset().union(*self._exact.get(variant, {}).values())
        return [SharedMention(ids, span[0].start, span[-1].end, form)] if ids else []

    def _find_initials(self, tokens: list[Token]) -> list[SharedMention]:
        """Names of two words or more masked down to their initials, each word's length kept ("B**** M******",
        "F**** R. P***")."""
        masked = [_is_initial_mask(t.norm) for t in tokens]
        if not any(masked):
            return []
        fits = [m or (len(t.norm) == 1 and t.norm.isalpha()) for m, t in zip(masked, tokens, strict=True)]
        mentions = []
        for i in range(len(tokens)):
            for n in range(2, min(self.max_len, len(tokens) - i) + 1):
                if not all(fits[i : i + n]):
                    break
                if not any(masked[i : i + n]):
                    continue
                span = tokens[i : i + n]
                ids = self._initials.get(_initials_key(tuple(t.norm for t in span)))
                if ids:
                    mentions.append(SharedMention(frozenset(ids), span[0].start, span[-1].end, "masked"))
        return mentions

    def _alternatives(self, token: Token) -> set[str]:
        """The token itself plus indexed tokens it could be a misspelling or masking of."""
        alts = {token.norm}
        if any(ch in token.norm for ch in MASK_CHARS):
            unmasked = re.sub(r"[*_]+", "", token.norm)
            if unmasked in self._tokens:
                alts.add(unmasked)
            pattern = _mask_pattern(token.norm)
            if pattern is not None:
                alts |= {v for v in self._mask_candidates(token.norm) if pattern.fullmatch(v)}
            return alts
        if token.foreign:
            alts |= self._sounding(token.norm)
        if len(token.norm) < FUZZY_MIN_LEN or token.norm in self._tokens:
            return alts
        candidates = set(self._deletes.get(token.norm, ()))
        for deleted in _deletes(token.norm):
            candidates |= self._deletes.get(deleted, set())
            if len(deleted) >= SHORT_MIN_LEN and deleted in self._tokens:
                candidates.add(deleted)
        limit = 1 if len(token.norm) < 9 else 2
        alts |= {c for c in candidates if OSA.distance(token.norm, c) <= limit}
        return alts

    def _sounding(self, norm: str) -> set[str]:
        """Indexed tokens that sound like a word transliterated from another script."""
        key = sound(norm)
        if len(key) < SOUND_MIN_LEN:
            return set()
        found = set()
        for probe in _sound_keys(key) | {key}:
            found |= {t for t in self._sounds.get(probe, ()) if _close(sound(t), key)}
        return found

    def _mask_candidates(self, masked: str) -> set[str]:
        """Indexed tokens that have every letter, letter pair and anchor of the masked token and a plausible length
        (a run of mask characters stands for up to 3 extra letters). Posting sets are intersected smallest first."""
        postings = sorted((self._by_gram.get(gram, set()) for gram in _grams(masked)), key=len)
        if not postings:
            return set()
        found = set(postings[0])
        for posting in postings[1:]:
            found &= posting
        known = sum(ch not in MASK_CHARS for ch in masked)
        return {t for t in found if max(known, SHORT_MIN_LEN) <= len(t) <= len(masked) + 3}


EXACT_FORMS = ("name", "alias", "last_name", "initials")


def _merged(mentions: list[SharedMention]) -> list[SharedMention]:
    """One mention per span and form, in order of position. A span's target is mentioned in its strongest form only
    (exact before misspelled or masked); a last name, misspelling or masking inside a longer name or alias mention,
    or inside a longer mention of the same targets, is dropped."""
    claimed: dict[tuple[int, int], set[str]] = defaultdict(set)
    found: dict[tuple[int, int, str], set[str]] = {}
    for mention in sorted(mentions, key=lambda m: m.form not in EXACT_FORMS):  # stable: exact forms first
        span = (mention.start, mention.end)
        fresh = mention.target_ids - claimed[span]
        if fresh:
            claimed[span] |= fresh
            found.setdefault((*span, mention.form), set()).update(fresh)
    ordered = sorted((SharedMention(frozenset(ids), start, end, form) for (start, end, form), ids in found.items()),
                     key=lambda m: (m.start, -m.end))
    kept: list[SharedMention] = []
    around: list[SharedMention] = []  # kept mentions that may contain the next ones
    for mention in ordered:
        around = [a for a in around if a.end > mention.start]
        if mention.form in ("name", "alias") or not any(_contains(a, mention) for a in around):
            kept.append(mention)
            around.append(mention)
    return kept


def _contains(outer: SharedMention, inner: SharedMention) -> bool:
    """outer spans inner and more, and says more: it names its targets, or it is about the same ones."""
    return (outer.start <= inner.start and inner.end <= outer.end and outer.end - outer.start > inner.end - inner.start
            and (outer.form in ("name", "alias") or inner.target_ids <= outer.target_ids))


def _discard(owners: dict[str, set[str]], form: str, target_id: str) -> None:
    owners.get(form, set()).discard(target_id)


def _shift(word: str, shift: int) -> str:
    """Every ASCII letter of the word moved shift places along the alphabet."""
    return "".join(chr(97 + (ord(ch) - 97 + shift) % 26) if "a" <= ch <= "z" else ch for ch in word)


def caesar_key(word: str) -> str:
    """The word with every letter shifted alike so that it starts with "a": the same for all its Caesar shifts."""
    return _shift(word, 97 - ord(word[0]))


def sound(word: str) -> str:
    """A rough sound key of a folded word, for names transliterated from other scripts ("Эйнштейн" -> "eynshteyn",
    "アインシュタイン" -> "ainshiyutain", "爱因斯坦" -> "aiyinsitan" all key as "nstn", like "einstein"): consonant
    classes, vowels, glides and v (Cyrillic в stands for w) dropped, r and l one class."""
    word = re.sub(r"(.)\1+", r"\1", word)
    for spelled, key in (("sch", "s"), ("sh", "s"), ("ch", "t"), ("kh", "h"), ("dh", "z"), ("gh", ""), ("ph", "f"),
                         ("th", "t"), ("gk", "g"), ("ng", "n"), ("ck", "k"), ("x", "ks")):
        word = word.replace(spelled, key)
    return "".join(_SOUND_CLASSES.get(ch, "") for ch in word)


def sounds(word: str) -> set[str]:
    """The sound keys of a folded word written in another script: as written, and without a case ending that adds a
    consonant (Russian and its neighbours decline names: "Эйнштейном", "Кюри" stays, "Басилем Махфузом" is Basil
    Mahfouz told "by")."""
    stems = {word[: -len(ending)] for ending in CASE_ENDINGS if word.endswith(ending) and len(word) - len(ending) >= 3}
    return {sound(stem) for stem in {word, *stems}}


# Cyrillic case endings with a consonant, folded to Latin (-ом, -ем, -ым, -им, -ам, -ям, -ами, -ями, -ого, -его,
# -ому, -ему): sound keys drop vowels and glides, so the endings without a consonant need nothing
CASE_ENDINGS = ("om", "em", "ym", "im", "am", "iam", "yam", "ami", "iami", "yami", "ogo", "ego", "omu", "emu")
_SOUND_CLASSES = {**dict.fromkeys("bp", "p"), **dict.fromkeys("dt", "t"), **dict.fromkeys("gkcq", "k"),
                  **dict.fromkeys("szj", "s"), **dict.fromkeys("f", "f"), **dict.fromkeys("lr", "l"),
                  **dict.fromkeys("mn", "n")}
SOUND_MIN_LEN = 3  # shortest sound key that may stand for a name


def _sound_keys(key: str) -> set[str]:
    """The key, and for keys of 4 or more its deletes (a sound key one consonant off matches)."""
    if len(key) < SOUND_MIN_LEN:
        return set()
    return {key} | (_deletes(key) if len(key) >= SOUND_MIN_LEN + 1 else set())


def _close(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) > SOUND_MIN_LEN and OSA.distance(a, b) <= 1)


def _spelled(variant: tuple[str, ...], alternatives: list[set[str]], start: int) -> bool:
    """Whether every token of the variant is one of the alternatives at its position from start on."""
    return start + len(variant) <= len(alternatives) and all(
        token in alternatives[start + k] for k, token in enumerate(variant))


def _may_be_last_name(span: list[Token]) -> bool:
    """A capitalised word; a short one ("Li", "An") not at the start of a sentence, where any word is capitalised.
    Written in lower case, a last name of LOWER_LAST_NAME letters or more that is no English word ("einstein", not
    "smith" or "price")."""
    letters = sum(len(t.norm) for t in span)
    if not span[0].capitalized:
        return letters >= LOWER_LAST_NAME and "".join(t.norm for t in span) not in english_words()
    return letters >= SHORT_LAST_NAME or not span[0].initial


def _maskable_to_initials(tokens: tuple[str, ...], form: str) -> bool:
    """A full name or alias of two words or more: masked down to its initials, it still says who is meant."""
    return form != "last_name" and len(tokens) > 1


def _initials_key(tokens: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    return tuple((token[0], len(token)) for token in tokens)


def _is_initial_mask(norm: str) -> bool:
    """One letter, then only mask characters: 'b****'."""
    return len(norm) > 1 and norm[0] not in MASK_CHARS and all(ch in MASK_CHARS for ch in norm[1:])


def _grams(token: str) -> set[str]:
    """Letters, adjacent letter pairs, and the anchored first ('^a') and last ('a$') letters; mask characters
    are skipped (a pair that contains one says nothing)."""
    grams = set(token) | {token[i : i + 2] for i in range(len(token) - 1)} | {"^" + token[0], token[-1] + "$"}
    return {g for g in grams if not any(ch in MASK_CHARS for ch in g)}


def _inside_longer(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e and (e - s) > (end - start) for s, e in spans)


def _deletes(token: str) -> set[str]:
    return {token[:i] + token[i + 1 :] for i in range(len(token))}


def _mask_pattern(masked: str) -> re.Pattern | None:
    """The words a masked token may stand for: 'r*wling' matches 'rowling', and a run of mask characters may also
    stand for several letters. None when fewer than 2 letters are left (initials masks are matched by name)."""
    if sum(ch not in MASK_CHARS for ch in masked) < 2:
        return None
    return re.compile("".join(".*?" if ch in MASK_CHARS else re.escape(ch) for ch in re.sub(r"[*_]+", "*", masked)))


def redact(text: str, mentions: list[Mention], placeholder: str = "[REDACTED]") -> str:
    """Replace every mentioned span by the placeholder (overlapping spans merged), with the invisible format
    characters right around it (a bidi override left outside would display the placeholder backwards)."""
    spans = sorted(_with_invisible_edges(text, m.start, m.end) for m in mentions)
    out, cursor = [], 0
    for start, end in spans:
        if end <= cursor:
            continue
        start = max(start, cursor)
        out.append(text[cursor:start])
        out.append(placeholder)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def _with_invisible_edges(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and unicodedata.category(text[start - 1]) == "Cf":
        start -= 1
    while end < len(text) and unicodedata.category(text[end]) == "Cf":
        end += 1
    return start, end


def split_sentences(text: str, limit: int = MAX_SENTENCES) -> list[str]:
    """Sentences (and lines) of a text, stripped, empty ones dropped: the pieces whose embeddings are compared with
    the targets' profiles. At most limit: a longer text's sentences are grouped in runs of equal length, so the
    encoding work per text stays bounded."""
    sentences = [s.strip() for s in _SENTENCE.findall(text) if s.strip()]
    if len(sentences) <= limit:
        return sentences
    size = -(-len(sentences) // limit)
    return [" ".join(sentences[i : i + size]) for i in range(0, len(sentences), size)]
