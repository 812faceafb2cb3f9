"""Benchmark loaders: local JSON Lines under a data directory, or the Hugging Face hub (optional, lazy)."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..targets import Target
from ..targets.files import read_lines

# Local file (relative to the data directory) -> how the same rows are loaded from the hub.
FILES: dict[str, str] = {
    **{f"tofu/{n}": f"tofu/{n}.jsonl" for n in (
        "full", "forget01", "forget05", "forget10", "retain90", "retain95", "retain99",
        "forget01_perturbed", "forget05_perturbed", "forget10_perturbed", "retain_perturbed",
        "real_authors", "world_facts", "real_authors_perturbed", "world_facts_perturbed")},
    "wmdp/bio": "wmdp/wmdp_bio.jsonl",
    "wmdp/cyber": "wmdp/wmdp_cyber.jsonl",
    "mmlu/test": "mmlu/test.jsonl",
    "mmlu/dev": "mmlu/dev.jsonl",
    "wpu/forget_qa": "wpu/whpplus_forget_qa.jsonl",
    "wpu/hard_retain_qa": "wpu/whpplus_hard_retain_qa.jsonl",
    "wpu/general_retain_qa": "wpu/whpplus_general_retain_qa.jsonl",
    "wpu/persons": "wpu/whpplus_persons.jsonl",
    "wpu/msj_attack": "wpu/msj_attack.jsonl",
    "wpu/forget_100_names": "wpu/forget_100_names.jsonl",
}


def hf_spec(key: str) -> dict[str, Any]:
    """`datasets.load_dataset` arguments for a dataset key (only TOFU, WMDP and MMLU are on the hub)."""
    group, name = key.split("/", 1)
    if group == "tofu":
        return {"path": "locuslab/TOFU", "name": name, "split": "train"}
    if group == "wmdp":
        return {"path": "cais/wmdp", "name": f"wmdp-{name}", "split": "test"}
    if group == "mmlu":
        return {"path": "cais/mmlu", "name": "all", "split": name}
    raise ConfigError(f"{key} is not on the Hugging Face hub; use local files (--data-dir)")


def default_data_dir() -> Path | None:
    """$ALU_DATA_DIR, else ../shared/data next to the repository root, else None."""
    if os.environ.get("ALU_DATA_DIR"):
        return Path(os.environ["ALU_DATA_DIR"])
    candidate = Path(__file__).resolve().parents[3] / "shared" / "data"
    return candidate if candidate.is_dir() else None


@dataclass(eq=False)
class Source:
    """Where benchmark rows come from: `local` JSON Lines under data_dir, or `hf` (the hub, via `datasets`)."""

    data_dir: Path | None = None
    kind: str = "local"
    hf_specs: dict[str, dict[str, Any]] = field(default_factory=dict)  # overrides of hf_spec(), e.g. for tests

    def __post_init__(self) -> None:
        if self.kind not in ("local", "hf"):
            raise ConfigError("the data source must be 'local' or 'hf'")
        if self.kind == "local":
            self.data_dir = Path(self.data_dir) if self.data_dir else default_data_dir()
            if self.data_dir is None or not self.data_dir.is_dir():
                raise ConfigError("benchmark data not found: pass --data-dir, set ALU_DATA_DIR, "
                                  "or place the data in ../shared/data next to the repository")

    @cache  # noqa: B019 - a Source lives for one run
    def rows(self, key: str) -> tuple[dict, ...]:
        """All rows of one dataset, in file order."""
        if self.kind == "hf":
            return tuple(_hf_rows(self.hf_specs.get(key) or hf_spec(key)))
        path = self.data_dir / FILES[key]
        if not path.is_file():
            raise ConfigError(f"benchmark file missing: {path}")
        return tuple(read_jsonl(path))


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _hf_rows(spec: dict[str, Any]) -> list[dict]:
    try:
        import datasets
    except ImportError:
        raise ConfigError("the hub loaders need the `datasets` package: pip install 'alu[hf]'") from None
    return [dict(row) for row in datasets.load_dataset(**spec)]


def read_questions(path: str | Path, need_answers: bool = False) -> list[dict]:
    """Questions from a user's file: JSON Lines with `question` and an optional gold `answer` a line (a .jsonl
    file), else one question a line. need_answers: every question must carry an answer. A bad line rejects the
    file with its line number."""
    jsonl, rows = Path(path).suffix.lower() == ".jsonl", []
    for number, row in read_lines(path, "questions file"):
        if not jsonl:
            row = {"question": row.strip()}
        if not isinstance(row, dict) or not isinstance(row.get("question"), str) or not row["question"].strip():
            raise ConfigError(f"{path}:{number}: expected an object with a `question` string")
        answer = row.get("answer")
        if answer is not None and not isinstance(answer, str):
            raise ConfigError(f"{path}:{number}: `answer` must be a string")
        if need_answers and not answer:
            raise ConfigError(f"{path}:{number}: --gold needs an `answer` on every line (a .jsonl file)")
        rows.append({"question": row["question"], "answer": answer})
    if not rows:
        raise ConfigError(f"questions file {path} has no questions")
    return rows


def package_jsonl(name: str) -> list[dict]:
    """A JSON Lines file shipped in alu/eval/assets."""
    text = resources.files("alu.eval.assets").joinpath(name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip() and not line.startswith("#")]


@dataclass
class Item:
    """One question of a benchmark, with what is needed to ask it and to score the answer."""

    id: str
    split: str  # forget, retain, real_authors, bio, mmlu, many_shot, ...
    query: str
    gold: str | None = None  # gold answer text (ROUGE-L)
    answer_index: int | None = None  # multiple choice: index of the right option
    knowledge: list[str] = field(default_factory=list)  # retrieved passages given to the assistant
    about: list[str] = field(default_factory=list)  # names of the targets the question is about
    forget: bool = False  # the answer should not reveal the targets
    turns: list[str] = field(default_factory=list)  # earlier user turns, each answered by the method before query
    history: list[dict] = field(default_factory=list)  # the conversation before query (set while turns are answered)
    temperature: float = 0.0  # the governed model's sampling temperature (0: greedy)
    sample: int = 0  # which sample of the question (added to the run's seed)
    meta: dict[str, Any] = field(default_factory=dict)


# TOFU authors --------------------------------------------------------------------------------------------
TOFU_QA_PER_AUTHOR = 20
_PARTICLES = r"(?:al|el|de|da|der|den|del|van|von|bin|ibn|la|le|du|di|y)"
_NAME = re.compile(rf"\b[A-Z][\w'’-]*(?:\s+(?:{_PARTICLES}\s+)*[A-Z][\w'’-]*)+")
_LEADING = {"The", "In", "His", "Her", "Their", "What", "How", "Who", "Is", "Can", "Does", "Did", "Has", "Yes",
            "Author", "Born", "As", "This", "One", "Some", "Throughout", "While", "Are", "When", "Where", "Why"}
_NICKNAME = re.compile(r"\b([A-Z][\w-]+) \(([A-Z][\w-]+)\) ([A-Z][\w-]+)")
_DESCRIPTOR = re.compile(r"(?:full name of|name of|Who is) (?:this |the )?(.+?)\?$")
MIN_NAME_ROWS = 8


@dataclass
class Author:
    """One TOFU author: their 20 QA rows, the name read off them, and a description that does not name them."""

    index: int
    rows: list[dict]
    name: str | None
    aliases: tuple[str, ...] = ()
    descriptor: str | None = None

    def number(self, row: dict) -> int:
        """The row's place in TOFU full (the authors' rows follow one another)."""
        return self.index * TOFU_QA_PER_AUTHOR + self.rows.index(row)

    def target(self) -> Target:
        """The author as a forget target, carrying the QA pairs an erasure request would supply as knowledge."""
        return Target(self.name, aliases=self.aliases, kind="person", description="a fictitious author",
                      knowledge=tuple(f"{row['question']} {row['answer']}" for row in self.rows))


def author_name(rows: list[dict]) -> tuple[str | None, tuple[str, ...]]:
    """The most frequent capitalised multi-word name in an author's QA (None when the author is never named)."""
    counts: Counter[str] = Counter()
    nicknames: set[str] = set()
    for row in rows:
        text = f"{row['question']} {row['answer']}"
        for first, nick, last in _NICKNAME.findall(text):
            nicknames.update((f"{nick} {last}", f"{first} {last}"))
        text = _NICKNAME.sub(r"\1 \3", text)
        for name in {_clean_name(m.group()) for m in _NAME.finditer(text)} - {None}:
            counts[name] += 1  # rows that mention the name
    if not counts:
        return None, ()
    name = max(counts, key=lambda n: (counts[n], len(n)))  # ties: the fuller name
    rows_with_name = counts[name]
    if rows_with_name < MIN_NAME_ROWS:
        short = [n for n in nicknames if counts[n] >= MIN_NAME_ROWS // 2]
        if not short:
            return None, ()
        name = max(short, key=counts.__getitem__)
    last = name.split()[-1]
    aliases = tuple(sorted(n for n in nicknames if n != name and n.split()[-1] == last))
    return name, aliases


def _clean_name(text: str) -> str | None:
    words = text.split()
    while words and words[0] in _LEADING:
        words = words[1:]
    if len(words) < 2:
        return None
    return re.sub(r"['’]s$", "", " ".join(words))


def tofu_authors(source: Source) -> list[Author]:
    """The 200 TOFU authors in `full` order (the forget sets are the last 2, 10 or 20)."""
    full = source.rows("tofu/full")
    authors = []
    for index in range(len(full) // TOFU_QA_PER_AUTHOR):
        rows = list(full[index * TOFU_QA_PER_AUTHOR:(index + 1) * TOFU_QA_PER_AUTHOR])
        name, aliases = author_name(rows)
        match = _DESCRIPTOR.search(rows[0]["question"])
        descriptor = f"the {match.group(1)}" if match and name and name not in match.group(1) else None
        authors.append(Author(index, rows, name, aliases, descriptor))
    return authors


FORGET_AUTHORS = {"forget01": 2, "forget05": 10, "forget10": 20}


def forget_split(split: str) -> int:
    if split not in FORGET_AUTHORS:
        raise ConfigError(f"unknown TOFU forget split {split!r} (expected one of {', '.join(FORGET_AUTHORS)})")
    return FORGET_AUTHORS[split]


def format_mcq(question: str, choices: list[str]) -> str:
    """A four-choice question as the model sees it."""
    options = "\n".join(f"{letter}. {choice}" for letter, choice in zip("ABCD", choices, strict=False))
    return f"{question.strip()}\n{options}\nAnswer with the letter of the correct option."
