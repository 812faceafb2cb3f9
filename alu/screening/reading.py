"""Text as a reader reads it: the views of a text that screening searches for names, each mapped back to the text.

A name can be written so that a reader still reads it while the characters differ: zero-width characters or soft
hyphens inside it, a line-break hyphen, markup around its parts, HTML entities, letters from other scripts that look
like Latin ones (homoglyphs), digits for letters (leetspeak), letters spaced or dotted apart, or the name encoded
(base64, hex, reversed, ROT13). Each view undoes some of this; every view keeps, for each of its characters, the
span of the original text it came from, so a mention found in a view redacts exactly what the reader would have seen.

Every view is made by regular-expression passes that copy the unchanged stretches whole: linear in the text's length.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import html
import json
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import unquote

LEET = {"0": "o", "1": "i", "2": "z", "3": "e", "4": "a", "5": "s", "6": "g", "7": "t", "8": "b", "9": "g",
        "@": "a", "$": "s", "!": "i", "|": "l", "€": "e", "£": "l", "+": "t"}
_LEET_SYMBOLS = "@$!|€£+"
_INVISIBLE = {"Cf", "Mn", "Me", "Cc", "Co", "Cs"}  # format (zero-width, bidi, soft hyphen), combining, control
_KEEP_CONTROLS = "\n\t\r"
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ENCODED = re.compile(
    r"&#\d{1,7};|&#[xX][0-9a-fA-F]{1,6};|&[a-zA-Z]{2,8};"  # HTML entities
    r"|(?:%[0-9a-fA-F]{2})+"  # percent-encoding
    r"|(?<=[^\W\d_])-[ \t]*\r?\n[ \t]*(?=[^\W\d_])")  # a word split over a line-break hyphen
_MARKUP = re.compile(
    r"<\/?[a-zA-Z][^<>\n]{0,200}>"  # HTML tags
    r"|\]\([^()\s]{0,500}\)|\[(?=[^\[\]\n]{1,200}\]\()"  # markdown links: the text stays, the target goes
    r"|[*~`]+"  # emphasis and code marks
    r"|(?<=[^\W_])_+(?=[^\W_])")  # snake_case and link slugs
_INNER = re.compile(  # punctuation, symbols or emoji between two letters: a reader reads one word
    r"(?<=[^\W\d_])(?:[-.·•‧∙|¦]|['’‘`´](?!(?:s|d|t|m|ll|re|ve)(?![^\W_]))|[^\w\s\x00-\x7f])+(?=[^\W\d_])")
_LEET_WORD = re.compile(r"[\w@$!|€£+-]*[^\W\d_][\w@$!|€£+-]*")  # hyphens kept: "41-Kuw4iti"
_WORD = re.compile(r"[^\W_]+")
_BASE64 = re.compile(r"(?<![\w+/=-])[A-Za-z0-9+/_-]{8,}={0,2}(?![\w+/=-])")
_HEX = re.compile(r"(?<![0-9a-fA-F])(?:[0-9a-fA-F]{2}[ :]?){6,}(?![0-9a-fA-F])")
_BINARY = re.compile(r"(?<![01])(?:[01]{8}[ ]?){3,}(?![01])")
_MORSE_MARKS = str.maketrans({"·": ".", "•": ".", "−": "-", "–": "-", "—": "-", "_": "-"})
_MORSE_RUN = re.compile(r"(?:[.·•\-−–—_]{1,6}(?:\s+|\s*[/|]\s*)){3,}[.·•\-−–—_]{1,6}")
_MORSE = dict(zip([".-", "-...", "-.-.", "-..", ".", "..-.", "--.", "....", "..", ".---", "-.-", ".-..", "--", "-.",
                   "---", ".--.", "--.-", ".-.", "...", "-", "..-", "...-", ".--", "-..-", "-.--", "--.."],
                  "abcdefghijklmnopqrstuvwxyz", strict=True))
_SPELLING = ("alfa|alpha|bravo|charlie|delta|echo|foxtrot|golf|hotel|india|juliett?|kilo|lima|mike|november|oscar|papa"
             "|quebec|romeo|sierra|tango|uniform|victor|whiske?y|x-?ray|yankee|zulu")
_SPELLING_RUN = re.compile(rf"\b(?:(?:{_SPELLING})\b[\s,/|-]*){{3,}}", re.IGNORECASE)
_LINE_START = re.compile(r"^[^\w\n]*([^\W\d_])", re.MULTILINE)
_NUMBERS = re.compile(r"(?<![\d.])(?:\d{1,3}[ ,-]+){3,}\d{1,3}(?!\d)")
# Signs that stand for one letter each and that NFKC leaves alone: regional indicators (flag letters) and braille.
_LETTER_SIGNS = {**{chr(0x1F1E6 + i): chr(65 + i) for i in range(26)},
                 **dict(zip("⠁⠃⠉⠙⠑⠋⠛⠓⠊⠚⠅⠇⠍⠝⠕⠏⠟⠗⠎⠞⠥⠧⠺⠭⠽⠵", "abcdefghijklmnopqrstuvwxyz", strict=True))}
# Upside-down writing: each letter turned (the text is also read backwards); the letters only turned text has.
_UPSIDE_DOWN = str.maketrans(dict(zip(
    "ɐqɔpǝɟƃɥᴉıɾʞʅɯuodbɹsʇnʌʍxʎz∀ᗺƆᗡƎℲ⅁ſꞰ˥WԀΌᴚ⊥∩ΛM⅄",
    "abcdefghiijklmnopqrstuvwxyzABCDEFGJKLMPQRTUVWY", strict=True)))
_UPSIDE_DOWN_ONLY = set("ɐɔǝɟƃɥᴉıɾʞʅɯɹʇʌʍʎ∀ᗺƆᗡƎℲ⅁ſꞰ˥ԀΌᴚ⊥∩Λ⅄")
ACROSTIC_MIN_LINES = 3


@dataclass(frozen=True)
class View:
    """A text derived from an original, with the original span of each of its characters."""

    text: str
    _starts: tuple[int, ...] = ()  # view offsets where a segment begins
    _segments: tuple[tuple[int, int, bool], ...] = ()  # (original start, original end, copied one to one)
    parent: View | None = None
    mirrored: bool = False  # the parent's text backwards: character i is parent character n-1-i

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that view characters start..end came from."""
        if self.mirrored:
            first, last = len(self.text) - end, len(self.text) - start
        else:
            first, last = self._locate(start)[0], self._locate(max(end - 1, start))[1]
        return self.parent.span(first, last) if self.parent is not None else (first, last)

    def _locate(self, position: int) -> tuple[int, int]:
        """The parent span of one view character."""
        if not self._starts:
            return position, position + 1
        index = bisect_right(self._starts, position) - 1
        original_start, original_end, copied = self._segments[index]
        if copied:
            offset = original_start + position - self._starts[index]
            return offset, offset + 1
        return original_start, original_end


def rewrite(view: View, pattern: re.Pattern, replace: Callable[[re.Match], str]) -> View:
    """A view of view.text with every match of pattern replaced (replace returns the match itself to keep it)."""
    text = view.text
    parts: list[str] = []
    starts: list[int] = []
    segments: list[tuple[int, int, bool]] = []
    cursor = length = 0

    def emit(piece: str, original_start: int, original_end: int, copied: bool) -> None:
        nonlocal length
        if piece:
            starts.append(length)
            segments.append((original_start, original_end, copied))
            parts.append(piece)
            length += len(piece)

    for match in pattern.finditer(text):
        new = replace(match)
        if new == match.group():
            continue
        emit(text[cursor : match.start()], cursor, match.start(), True)
        emit(new, match.start(), match.end(), False)
        cursor = match.end()
    if not segments:
        return view
    emit(text[cursor:], cursor, len(text), True)
    return View("".join(parts), tuple(starts), tuple(segments), view)


def clean(text: str) -> View:
    """The text with encodings decoded and invisible characters removed: Unicode NFKC, no zero-width, bidi, soft
    hyphen, combining or control characters, HTML entities and percent-escapes decoded, line-break hyphenation
    joined. Screening's main view: every other view starts from it."""
    view = rewrite(View(text), _ENCODED, _decode)
    return rewrite(view, _NON_ASCII, _visible) if not view.text.isascii() else view


def rendered(view: View) -> list[View]:
    """What a reader reads as words: markup gone, punctuation and symbols inside a word gone ("R.o.w.l.i.n.g",
    "Row\u2022ling"), look-alike letters of other scripts spelled in Latin, and leetspeak read as letters. Two views
    when a word has a 1 in it, read as i in one and as l in the other."""
    view = rewrite(view, _MARKUP, _unmark)
    view = rewrite(view, _INNER, lambda m: "")
    if not view.text.isascii():
        view = rewrite(view, _WORD, _skeleton)
    as_i = rewrite(view, _LEET_WORD, _unleet)
    as_l = rewrite(view, _LEET_WORD, lambda m: _unleet(m, one="l")) if as_i is not view and "1" in view.text else None
    return [as_i] if as_l is None or as_l.text == as_i.text else [as_i, as_l]


def decoded(view: View) -> Iterator[View]:
    """Views of what the text may encode: the text reversed, in ROT13, upside down ("ƃuılʍoɹ"), and each base64,
    hex, binary, Morse, NATO-spelling-alphabet or number (ASCII codes, a=1 ... z=26) run decoded (the span of a
    decoded run is the whole run)."""
    text = view.text
    if any(ch.isalpha() for ch in text):
        yield View(text[::-1], parent=view, mirrored=True)
        yield View(codecs.encode(text, "rot13"), parent=view)
    if sum(ch in _UPSIDE_DOWN_ONLY for ch in text) >= 2:
        yield View(text.translate(_UPSIDE_DOWN)[::-1], parent=view, mirrored=True)
    for pattern, decode in _DECODERS:
        for match in pattern.finditer(text):
            plain = decode(match.group())
            if plain:
                yield View(plain, (0,), ((match.start(), match.end(), False),), view)


def acrostic(view: View) -> View | None:
    """The first letters of the text's lines, one after the other, when it has ACROSTIC_MIN_LINES lines or more (a
    name spelled down the lines of a poem); each letter's span is that letter."""
    lines = list(_LINE_START.finditer(view.text))
    if len(lines) < ACROSTIC_MIN_LINES:
        return None
    starts = tuple(range(len(lines)))
    return View("".join(m.group(1) for m in lines), starts, tuple((m.start(1), m.end(1), False) for m in lines), view)


def _decode(match: re.Match) -> str:
    piece = match.group()
    if piece.startswith("&"):
        return html.unescape(piece)
    if piece.startswith("%"):
        try:
            return unquote(piece, errors="strict")
        except UnicodeDecodeError:
            return piece  # not UTF-8: left as written
    return ""  # line-break hyphenation


def _visible(match: re.Match) -> str:
    char = match.group()
    if char in _LETTER_SIGNS:
        return _LETTER_SIGNS[char]
    if unicodedata.category(char) in _INVISIBLE and char not in _KEEP_CONTROLS:
        return ""
    normal = unicodedata.normalize("NFKC", char)
    return "".join(c for c in normal if unicodedata.category(c) not in _INVISIBLE)


def _unmark(match: re.Match) -> str:
    piece = match.group()
    return " " if piece.startswith("<") and not _inline_tag(piece) else ""


def _inline_tag(tag: str) -> bool:
    name = re.match(r"</?([a-zA-Z]+)", tag)
    return name is not None and name.group(1).lower() in {"b", "i", "u", "em", "strong", "span", "a", "s", "sup",
                                                           "sub", "mark", "small", "code", "del", "ins", "font"}


def _skeleton(match: re.Match) -> str:
    """A word whose every non-Latin letter looks like a Latin one, written in those Latin letters ("Rоwling" with a
    Cyrillic о); a word in another script that does not look Latin stays (it is transliterated when folded)."""
    word = match.group()
    if word.isascii():
        return word
    table = confusables()
    out = [ch if ch.isascii() else table.get(ch) for ch in word]
    return "".join(out) if all(out) else word


def _unleet(match: re.Match, one: str = "i") -> str:
    """Digits (anywhere) and symbols (between two letters or digits) read as the letters they stand for, in a word
    of two letters or more: "R0wl1ng", "3instein", "R@wling". A word starting with one is read capitalised."""
    word = match.group()
    if sum(ch.isalpha() for ch in word) < 2 or not any(ch in LEET for ch in word):
        return word
    out = []
    for i, ch in enumerate(word):
        inner = 0 < i < len(word) - 1 and word[i - 1].isalnum() and word[i + 1].isalnum()
        letter = (one if ch == "1" else LEET[ch]) if ch in LEET and (ch not in _LEET_SYMBOLS or inner) else ch
        out.append(letter.upper() if i == 0 and letter != ch else letter)
    return "".join(out)


@cache
def confusables() -> dict[str, str]:
    """Characters of other scripts that look like one Latin letter or digit, to that character. From Unicode's
    confusables data (UTS #39, confusables.txt) as packaged by confusable-homoglyphs; see docs/screening.md."""
    path = resources.files("confusable_homoglyphs").joinpath("confusables.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    table = {}
    for char, homoglyphs in data.items():
        if len(char) != 1 or char.isascii():
            continue
        latin = [h["c"] for h in homoglyphs if len(h["c"]) == 1 and h["c"].isascii() and h["c"].isalnum()]
        if latin:
            table[char] = latin[0]
    for char in list(table):  # the folded forms of the same letters (upper and lower case)
        for variant in (char.lower(), char.upper()):
            if len(variant) == 1 and variant not in table and not variant.isascii():
                table[variant] = table[char].lower() if variant == char.lower() else table[char].upper()
    return table


def _from_base64(run: str) -> str | None:
    """The text a base64 run encodes."""
    if len(run) % 4 == 1 or not re.search(r"[A-Z]", run) or not re.search(r"[a-z0-9]", run):
        return None  # an ordinary word or identifier, not base64
    padded = run + "=" * (-len(run) % 4)
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            return _printable(decode(padded))
        except (binascii.Error, ValueError):
            continue
    return None


def _from_binary(run: str) -> str | None:
    return _printable(bytes(int(group, 2) for group in re.findall(r"[01]{8}", run)))


def _from_morse(run: str) -> str | None:
    words = re.split(r"\s*[/|]\s*|\s{3,}", run.strip().translate(_MORSE_MARKS))
    letters = [" ".join(_MORSE.get(code, "?") for code in word.split()) for word in words]
    text = " ".join("".join(word.split()) for word in letters)
    return text if "?" not in text and len(text.replace(" ", "")) >= 3 else None


def _from_spelling_alphabet(run: str) -> str | None:
    words = re.findall(rf"{_SPELLING}|[/|,]", run, re.IGNORECASE)
    return "".join(" " if w in "/|," else w[0] for w in words).strip() or None


def _from_numbers(run: str) -> str | None:
    """ASCII codes ("82 111 119") or letter positions ("18 15 23": a=1 ... z=26) as text."""
    numbers = [int(n) for n in re.findall(r"\d+", run)]
    if all(1 <= n <= 26 for n in numbers):
        return "".join(chr(96 + n) for n in numbers)
    if all(32 <= n <= 126 for n in numbers):
        return _printable(bytes(numbers))
    return None


def _from_hex(run: str) -> str | None:
    try:
        return _printable(bytes.fromhex(re.sub(r"[ :]", "", run)))
    except ValueError:
        return None


def _printable(data: bytes) -> str | None:
    """The bytes as text when they are mostly readable UTF-8 (a name's letters), else None."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    readable = sum(ch.isalnum() or ch.isspace() or ch in ".,'-" for ch in text)
    return text if text and readable >= 0.8 * len(text) else None


_DECODERS = ((_BASE64, _from_base64), (_HEX, _from_hex), (_BINARY, _from_binary), (_MORSE_RUN, _from_morse),
             (_SPELLING_RUN, _from_spelling_alphabet), (_NUMBERS, _from_numbers))
