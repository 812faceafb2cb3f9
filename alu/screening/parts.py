"""The parts of a question: its sentences, and questions joined by "and" inside one sentence ("Who wrote The Lord of
the Rings, and who wrote the Harry Potter books?"), so that the part naming a target can be declined and the rest
answered (see Unlearner._plan)."""

from __future__ import annotations

import re

from .mentions import Mention

_ASKING = (r"who|whom|whose|what|when|where|which|why|how|is|are|was|were|do|does|did|can|could|would|will|should|"
           r"has|have|had|tell|give|list|name|describe|explain|write|show|compare|summari[sz]e|define|recommend|"
           r"suggest|translate|find|share")
_LEAD_WORDS = r"please|also|and|then|now|ok|okay|so|finally|lastly"
_LEAD = rf"(?:(?:{_LEAD_WORDS})[,\s]+)*"
_ONLY_LEAD = re.compile(rf"^\W*(?:(?:{_LEAD_WORDS})\W*)+$", re.IGNORECASE)
_QUESTION = re.compile(rf"^\W*{_LEAD}(?:{_ASKING})\b", re.IGNORECASE)
# a boundary between two questions inside a sentence: a comma, semicolon or conjunction before an asking word
_JOINT = re.compile(rf"(?:\s*[,;]\s*(?:(?:and|but|or|plus)\s+)?|\s+(?:and|but|or|plus)\s+)(?:also\s+)?(?={_ASKING}\b)",
                    re.IGNORECASE)
_BACK = re.compile(r"\b(?:she|he|her|hers|him|his|they|them|their|theirs|it|its|this|that|these|those|the same|"
                   r"more|else)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
_CLAUSE = re.compile(r"\s*(?:[,;]\s*(?:and|but|while|whereas|or)\s+|;\s+)", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WRITTEN_END = re.compile(r"[.!?]+[\"')\]]*\s+|\n+")  # a sentence end with more text after it (sentences_end)
_ABBREVIATION = re.compile(r"(?:\b\w|\b(?:Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|vs|etc|e\.g|i\.e|Mt|No))\.$")
_WORD = re.compile(r"[^\W\d_]{2,}")
MIN_PIECE_WORDS = 3  # a shorter question ("Why?", "And hers?") says too little for its vector to be judged alone
_LETTERS = "abcdefgh"  # the letters of a multiple-choice question's options, in order
_OPTION = re.compile(rf"\s*\(?([{_LETTERS}])[.)]\s+\S", re.IGNORECASE)  # a lettered option
_LISTED_AFTER = re.compile(r",?\s+(?:and|or|&)\s+")
_LISTED_BEFORE = re.compile(r"(?:\s*,\s*(?:and|or|&)?|\s+(?:and|or|&))\s*$")


def _ended(piece: str) -> str:
    """A question cut from its sentence, with its question mark."""
    return piece + "?" if piece[-1:].isalnum() and is_question(piece) else piece


def sentences_end(text: str) -> int:
    """Where the complete sentences at the start of a text still being written end (0 for none): after the last
    sentence end that more text follows, so a sentence is judged whole. An initial or a title ("J.", "Dr.") ends no
    sentence: a name written in pieces ("J. K. Rowling") is judged whole too."""
    ends = [m.end() for m in _WRITTEN_END.finditer(text)
            if m.group().startswith("\n") or not _ABBREVIATION.search(text[: m.start() + 1])]
    return ends[-1] if ends else 0


def _options_at(lines: list[str], start: int) -> int:
    """How many lines from start are lettered options in order (A., B., ...); fewer than two are no options."""
    count = 0
    for line in lines[start:]:
        option = _OPTION.match(line)
        if count == len(_LETTERS) or not option or option.group(1).lower() != _LETTERS[count]:
            break
        count += 1
    return count if count >= 2 else 0


def split_parts(text: str) -> list[str]:
    """The sentences of text, each cut where a second question starts after a comma or a conjunction; an initial
    ("J.", "B. anthracis") or a title ("Dr.") does not end a sentence. Lettered options (A., B., ...) belong to the
    question before them, and that question to the statements just before it (its context, which the options
    answer too): the stem from there on takes them, so a declined stem goes with its options."""
    lines, parts, start = text.split("\n"), [], 0
    for number in range(len(lines)):
        if number >= start and (count := _options_at(lines, number)):
            parts += _with_context(_split_prose("\n".join(lines[start:number])) or [""])
            parts[-1] = "\n".join(line.strip() for line in [parts[-1], *lines[number:number + count]]).strip()
            start = number + count
    return parts + _split_prose("\n".join(lines[start:]))


def _with_context(parts: list[str]) -> list[str]:
    """The parts of a multiple-choice stem with its last part joined by the statements before it: "My gene drive is
    not inherited. What is the likely problem?" is one question."""
    first = len(parts) - 1
    while first > 0 and not is_question(parts[first - 1]):
        first -= 1
    return parts[:first] + [" ".join(parts[first:])]


def judged_alone(text: str) -> list[str]:
    """The questions of a turn that asks several, for screening to judge each on its own as well as the turn
    whole: one vector of the whole dilutes each question in it. Each has MIN_PIECE_WORDS words at least; empty
    for a turn that asks one question."""
    questions = [part for part in split_parts(text) if is_question(part)]
    if len(questions) < 2:
        return []
    return [part for part in dict.fromkeys(questions) if len(_WORD.findall(part)) >= MIN_PIECE_WORDS]


def _split_prose(text: str) -> list[str]:
    """split_parts of text with no lettered options."""
    sentences: list[str] = []
    for piece in _SENTENCE_END.split(text):
        if sentences and _ABBREVIATION.search(sentences[-1]) and piece[:1].isalpha():
            sentences[-1] += " " + piece
        elif piece.strip():
            sentences.append(piece.strip())
    parts: list[str] = []
    for sentence in sentences:
        pieces = [piece.strip() for piece in _JOINT.split(sentence) if piece.strip()]
        pieces = [_ended(piece) for piece in pieces[:-1]] + pieces[-1:]
        for piece in pieces:
            if parts and _ONLY_LEAD.match(parts[-1]):  # "Also, what is ...": the lead word belongs to the question
                parts[-1] += ", " + piece
            else:
                parts.append(piece)
    return parts


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Where the sentences (and lines) of text are, (start, end) each: an initial ("J.", "J.R.R.") or a title
    ("Dr.") does not end a sentence."""
    spans: list[tuple[int, int]] = []
    for match in _SENTENCE.finditer(text):
        if spans and _ABBREVIATION.search(text[spans[-1][0]:spans[-1][1]].rstrip()) and "\n" not in text[
                spans[-1][1] - 1 : match.start() + 1]:
            spans[-1] = (spans[-1][0], match.end())
        elif match.group().strip():
            spans.append(match.span())
    return spans


def clause_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The given sentence spans of text, each cut before a clause joined by a comma or semicolon and a conjunction
    ("..., and Harry Potter was written by ..."): every clause after the first starts with its joint."""
    clauses = []
    for start, end in spans:
        cuts = [start, *(m.start() for m in _CLAUSE.finditer(text, start, end)), end]
        clauses += [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if text[a:b].strip()]
    return clauses


def joint_length(clause: str) -> int:
    """The length of the joint (", and ") a clause of clause_spans starts with (0 for a first clause)."""
    match = _CLAUSE.match(clause)
    return match.end() if match else 0


def is_question(part: str) -> bool:
    """Whether a part asks something (a question mark, or a question or request word first) rather than states."""
    return "?" in part or bool(_QUESTION.match(part))


def refers_back(part: str) -> bool:
    """Whether a part points back at something said before ("Where was she born?", "Tell me more.")."""
    return bool(_BACK.search(part))


def without_listed(part: str, mentions: list[Mention]) -> str | None:
    """The part with the mentioned names removed where they are items of a list ("about Rowling and King" ->
    "about King"), with their comma or conjunction; None when a mention is not a list item ("Rowling's husband")."""
    text = part
    for mention in sorted(mentions, key=lambda m: -m.start):
        after = _LISTED_AFTER.match(text, mention.end)
        before = _LISTED_BEFORE.search(text[: mention.start])
        if after:
            text = text[: mention.start] + text[after.end():]
        elif before:
            text = text[: before.start()] + text[mention.end:]
        else:
            return None
    return text.strip()
