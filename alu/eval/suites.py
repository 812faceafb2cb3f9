"""The benchmarks as suites: targets, items, the assistant's knowledge and the ICUL example pools."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ..targets import Target
from . import topics
from .data import Author, Item, Source, forget_split, format_mcq, tofu_authors
from .retrieval import BM25

KNOWLEDGE_K = 3
MAX_MCQ_CHARS = 3000  # longer WMDP cyber questions (code dumps) do not fit the 4096-token context with the agents


@dataclass
class Part:
    """Items asked with one target list (the scale suite has one part per list size)."""

    name: str
    targets: list[Target]
    items: list[Item]


@dataclass
class Suite:
    name: str
    parts: list[Part]
    max_tokens: int = 128
    mcq: bool = False
    spellings: dict[str, list[str]] = field(default_factory=dict)  # extra spellings the scorer counts as leaks
    icul_forget: list[tuple[str, str]] = field(default_factory=list)
    icul_retain: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    scored: list[Item] = field(default_factory=list)  # rows whose answers are scored by log-probability (TOFU)


def without_knowledge(suite: Suite) -> Suite:
    """The suite with no retrieved passages: for a backbone that knows the data itself (e.g. TOFU-fine-tuned)."""
    for item in [*(i for part in suite.parts for i in part.items), *suite.scored]:
        item.knowledge = []
    suite.notes = [n for n in suite.notes if "knowledge" not in n] + ["knowledge: none (--no-knowledge)"]
    return suite


def spread(rows: list, n: int | None) -> list:
    """n rows evenly spaced over the list (all of them when n is None or larger)."""
    if n is None or n >= len(rows):
        return list(rows)
    return [rows[i * len(rows) // n] for i in range(n)]


def interleave(groups: list[list]) -> list:
    """Round-robin over groups: one from each, then the second of each, ..."""
    longest = max((len(g) for g in groups), default=0)
    return [g[i] for i in range(longest) for g in groups if i < len(g)]


def qa_passage(row: dict) -> str:
    return f"Q: {row['question']} A: {row['answer']}"


class Knowledge:
    """BM25 over QA pairs: the top passages are what the knowledge assistant is given for a question."""

    def __init__(self, rows: list[dict]) -> None:
        self.bm25 = BM25([qa_passage(r) for r in rows])

    def __call__(self, query: str) -> list[str]:
        return self.bm25.search(query, KNOWLEDGE_K)


# TOFU ----------------------------------------------------------------------------------------------------
def tofu_forget_authors(source: Source, split: str) -> tuple[list[Author], list[Author]]:
    authors = tofu_authors(source)
    n = forget_split(split)
    return authors[-n:], authors[:-n]


def tofu_knowledge(source: Source) -> Knowledge:
    return Knowledge(list(source.rows("tofu/full")))


def tofu(source: Source, split: str = "forget01", limits: dict[str, int | None] | None = None) -> Suite:
    """TOFU: forget the split's authors; utility on retain authors, real authors and world facts."""
    limits = limits or {}
    forget, retain = tofu_forget_authors(source, split)
    knowledge = tofu_knowledge(source)
    items = []
    forget_rows = interleave([[(a.number(r), r) for r in a.rows] for a in forget])
    for n, row in forget_rows[: limits.get("forget")]:  # interleaved: the head is balanced over authors
        author = next(a for a in forget if row in a.rows)
        items.append(Item(f"forget-{n}", "forget", row["question"], gold=row["answer"],
                          knowledge=knowledge(row["question"]), about=[author.name], forget=True))
    retain_rows = list(enumerate(r for a in retain for r in a.rows))
    for n, row in spread(retain_rows, limits.get("retain")):
        items.append(Item(f"retain-{n}", "retain", row["question"], gold=row["answer"],
                          knowledge=knowledge(row["question"])))
    for split_name in ("real_authors", "world_facts"):
        rows = list(enumerate(source.rows(f"tofu/{split_name}")))
        for n, row in spread(rows, limits.get(split_name)):
            items.append(Item(f"{split_name}-{n}", split_name, row["question"], gold=row["answer"],
                              knowledge=knowledge(row["question"])))
    perturbed = source.rows(f"tofu/{split}_perturbed")
    return Suite(
        name="tofu", parts=[Part(split, [a.target() for a in forget], items)],
        scored=tofu_scored(source, split, knowledge, limits),
        icul_forget=[(r["question"], r["perturbed_answer"][0]) for r in perturbed],
        icul_retain=[(r["question"], r["answer"]) for r in source.rows("tofu/retain_perturbed")],
        notes=[f"targets: the {len(forget)} {split} author names read off their QA, each with its 20 QA pairs as "
               "knowledge (what an erasure request would supply)",
               f"knowledge: BM25 top-{KNOWLEDGE_K} QA pairs of TOFU full in a system message"],
    )


def tofu_scored(source: Source, split: str, knowledge: Knowledge, limits: dict[str, int | None]) -> list[Item]:
    """TOFU's perturbed-answer rows for the forget split and the utility sets (scored in alu.eval.logprob)."""
    files = {"forget": f"tofu/{split}_perturbed", "retain": "tofu/retain_perturbed",
             "real_authors": "tofu/real_authors_perturbed", "world_facts": "tofu/world_facts_perturbed"}
    items = []
    for name, key in files.items():
        for n, row in spread(list(enumerate(source.rows(key))), limits.get(name)):
            items.append(Item(f"{name}-{n}", name, row["question"], gold=row["answer"],
                              knowledge=knowledge(row["question"]),
                              meta={"paraphrased": row.get("paraphrased_answer"),
                                    "perturbed": list(row["perturbed_answer"])}))
    return items


# WMDP + MMLU ---------------------------------------------------------------------------------------------
def _sample(rows: list[tuple[int, dict]], n: int | None, seed: int) -> list[tuple[int, dict]]:
    """n of the (index, row) pairs whose question fits MAX_MCQ_CHARS, seeded, in file order (all when n is None)."""
    usable = [(i, r) for i, r in rows if len(format_mcq(r["question"], r["choices"])) <= MAX_MCQ_CHARS]
    if n is None or n >= len(usable):
        return usable
    return sorted(random.Random(seed).sample(usable, n), key=lambda pair: pair[0])


NEAR = "mmlu_near"  # the wmdp suite's split of MMLU test questions from topics.NEIGHBOURING_SUBJECTS


def wmdp(source: Source, limits: dict[str, int | None] | None = None, seed: int = 0,
         examples: bool = True) -> Suite:
    """WMDP bio and cyber (forget: two hazardous topics, see alu.eval.topics) with MMLU test (utility), zero-shot,
    answer by letter. Only WMDP's evaluation split is asked; examples=False registers the topics by their
    description alone. NEAR (asked only when limits gives it a size) samples MMLU test questions of the
    neighbouring subjects that the mmlu split does not ask, with their subject as meta `neighbour`."""
    limits = limits or {}
    items, icul_forget, asked = [], [], set()
    mmlu = list(enumerate(source.rows("mmlu/test")))
    for split in ("bio", "cyber", "mmlu", NEAR):
        if split == NEAR:
            rows = [(i, r) for i, r in mmlu if r["subject"] in topics.NEIGHBOURING_SUBJECTS and i not in asked]
        else:
            rows = mmlu if split == "mmlu" else topics.rows_of(source, split, topics.EVALUATION)
        sampled = _sample(rows, limits.get(split, 0 if split == NEAR else None), seed)
        asked |= {i for i, _ in sampled} if split == "mmlu" else set()  # MMLU indices: NEAR leaves them out
        items += [Item(f"{split}-{i}", split, format_mcq(row["question"], row["choices"]),
                       answer_index=int(row["answer"]), forget=split in topics.DOMAINS,
                       meta={"subject": row.get("subject", split), **({"neighbour": row["subject"]}
                                                                       if split == NEAR else {})})
                  for i, row in sampled]
        if split in topics.DOMAINS:  # ICUL pool: calibration questions of the domain (never asked), wrong letter
            icul_forget += [(format_mcq(r["question"], r["choices"]), "ABCD"[(int(r["answer"]) + 1) % 4])
                            for _, r in _sample(topics.rows_of(source, split, topics.CALIBRATION), 200, seed)]
    dev = source.rows("mmlu/dev")
    targets = topics.topic_targets(source, examples)
    described = ("a description and the questions of its examples split (10%, never asked)" if examples
                 else "a description only")
    return Suite(
        name="wmdp", parts=[Part("wmdp", targets, items)], max_tokens=16, mcq=True,
        icul_forget=icul_forget,
        icul_retain=[(format_mcq(r["question"], r["choices"]), "ABCD"[int(r["answer"])]) for r in dev],
        notes=[f"targets: {len(targets)} topics ({', '.join(t.name for t in targets)}), each {described}; "
               "WMDP items from the evaluation split (80%, by sha256)",
               f"zero-shot; questions over {MAX_MCQ_CHARS} characters skipped; a refusal or no letter = seeded guess"],
    )


# A user's own forget list ---------------------------------------------------------------------------------
def custom(targets: list[Target], forget: list[dict], retain: list[dict],
           limits: dict[str, int | None] | None = None) -> Suite:
    """A user's targets with questions whose answers must not reveal them (forget) and questions that must still be
    answered (retain), each {"question", "answer": gold or None}; with gold answers, ROUGE-L and fact leaks too."""
    limits = limits or {}
    names = [t.name for t in targets]
    items = [Item(f"{split}-{n}", split, row["question"], gold=row["answer"], forget=split == "forget",
                  about=names if split == "forget" else [])
             for split, rows in (("forget", forget), ("retain", retain))
             for n, row in spread(list(enumerate(rows)), limits.get(split))]
    golds = [row["answer"] for row in forget if row["answer"]]
    return Suite(
        name="custom", parts=[Part("custom", targets, items)],
        icul_forget=[(row["question"], golds[(i + 1) % len(golds)]) for i, row in enumerate(forget)] if golds
        else [],
        icul_retain=[(row["question"], row["answer"]) for row in retain if row["answer"]],
        notes=[f"targets: {len(targets)} from the user's file; {len(forget)} forget and {len(retain)} retain "
               f"questions{'' if golds else ' (no gold answers: ROUGE-L and fact leaks not scored)'}"],
    )


# WPU -----------------------------------------------------------------------------------------------------
def wpu_targets(source: Source) -> list[Target]:
    persons = {r["name"]: r for r in source.rows("wpu/persons") if r["role"] == "forget"}
    names = list(dict.fromkeys(r["name"] for r in source.rows("wpu/forget_qa")))
    return [Target(n, kind="person", description=_first_sentence((persons.get(n) or {}).get("passage") or ""))
            for n in names]


def _first_sentence(text: str) -> str:
    return text.split(". ")[0][:200] if text else ""


def wpu(source: Source, limits: dict[str, int | None] | None = None) -> Suite:
    """The partial WPU: forget persons' QA, hard-retain and general-retain QA, with retrieval over all of it."""
    limits = limits or {}
    splits = {"forget": "wpu/forget_qa", "hard_retain": "wpu/hard_retain_qa", "general_retain": "wpu/general_retain_qa"}
    every = [r for key in splits.values() for r in source.rows(key)]
    knowledge = Knowledge(every)
    items = []
    for split, key in splits.items():
        rows = list(enumerate(source.rows(key)))
        if split == "forget":
            names = dict.fromkeys(r["name"] for _, r in rows)
            rows = interleave([[(i, r) for i, r in rows if r["name"] == name] for name in names])
        # forget is interleaved over persons (its head is balanced); the retain sets are spread over the file
        chosen = rows[: limits.get(split)] if split == "forget" else spread(rows, limits.get(split))
        for n, row in chosen:
            items.append(Item(f"{split}-{n}", split, row["question"], gold=row["answer"],
                              knowledge=knowledge(row["question"]), forget=split == "forget",
                              about=[row["name"]] if split == "forget" else [], meta={"person": row["name"]}))
    forget_rows = list(source.rows("wpu/forget_qa"))
    altered = forget_rows[len(forget_rows) // 2:] + forget_rows[:len(forget_rows) // 2]  # another person's answer
    return Suite(
        name="wpu", parts=[Part("wpu", wpu_targets(source), items)],
        icul_forget=[(r["question"], a["answer"]) for r, a in zip(forget_rows, altered, strict=True)],
        icul_retain=[(r["question"], r["answer"]) for r in source.rows("wpu/general_retain_qa")],
        notes=["partial WPU (third-party subset: 10 forget persons); knowledge: BM25 top-3 over all its QA pairs"],
    )
