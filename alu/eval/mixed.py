"""Mixed questions: one part about a forgotten target, one part that must still be answered.

Three parts, each with its own forget list: TOFU (a forget01 author's question and a retain author's, both naming
their author), WPU (a forget person's question and a hard-retain person's) and topics (a WMDP question from the
evaluation split, its stem only, and a TOFU world-facts question). The two questions are joined in one user turn, the
forgotten one first in every other item. Scored: ROUGE-L recall of the kept part's gold answer (the method should keep
it as well as the model alone does), the name leak, and the fact leak against the forgotten part's gold answer (for a
topic, its correct option).
"""

from __future__ import annotations

from . import topics
from .data import Item, Source
from .suites import Knowledge, Part, Suite, interleave, spread, tofu_forget_authors, tofu_knowledge, wpu_targets

SPLIT = "mixed"
PARTS = ("tofu", "wpu", "topics")


def mixed(source: Source, limits: dict[str, int | None] | None = None) -> Suite:
    """The mixed family on TOFU, WPU and the WMDP topics (limits by part name: tofu, wpu, topics)."""
    limits = limits or {}
    return Suite(name="mixed", parts=[_tofu(source, limits.get("tofu")), _wpu(source, limits.get("wpu")),
                                      _topics(source, limits.get("topics"))],
                 notes=["each question joins a forgotten part and a kept part (forgotten first in every other "
                        "item); rouge_l: of the kept part's gold answer; fact_leak: of the forgotten part's",
                        "tofu: forget01 author x retain author; wpu: forget person x hard-retain person; topics: "
                        "WMDP evaluation-split stem x TOFU world fact"])


def _item(number: int, part: str, forgotten: dict, kept: dict, knowledge: list[str], about: list[str],
          forget_gold: str) -> Item:
    pair = (forgotten["question"], kept["question"])
    first, second = pair if number % 2 == 0 else pair[::-1]
    return Item(f"{part}-{number}", SPLIT, f"{first} {second}", gold=kept["answer"], knowledge=knowledge,
                about=about, forget=True, meta={"forget_gold": forget_gold, "forgotten_first": number % 2 == 0,
                                                "kept_question": kept["question"]})


def _both(knowledge: Knowledge, forgotten: dict, kept: dict) -> list[str]:
    """The passages retrieved for each question, the forgotten one's first."""
    return list(dict.fromkeys([*knowledge(forgotten["question"]), *knowledge(kept["question"])]))


def _tofu(source: Source, limit: int | None) -> Part:
    forget, retain = tofu_forget_authors(source, "forget01")
    knowledge = tofu_knowledge(source)
    forgotten = interleave([[(a, r) for r in a.rows if a.name and a.name in r["question"]] for a in forget])
    kept = spread([r for a in retain if a.name for r in a.rows if a.name in r["question"]], len(forgotten))
    items = [_item(n, "tofu", row, other, _both(knowledge, row, other), [author.name], row["answer"])
             for n, ((author, row), other) in enumerate(zip(forgotten, kept, strict=False))]
    return Part("tofu", [a.target() for a in forget], items[:limit])


def _wpu(source: Source, limit: int | None) -> Part:
    forget = list(source.rows("wpu/forget_qa"))
    names = list(dict.fromkeys(r["name"] for r in forget))
    forgotten = interleave([[r for r in forget if r["name"] == name] for name in names])
    kept = spread(list(source.rows("wpu/hard_retain_qa")), len(forgotten))
    every = [*forget, *source.rows("wpu/hard_retain_qa"), *source.rows("wpu/general_retain_qa")]
    knowledge = Knowledge(every)
    items = [_item(n, "wpu", row, other, _both(knowledge, row, other), [row["name"]], row["answer"])
             for n, (row, other) in enumerate(zip(forgotten, kept, strict=False))]
    return Part("wpu", wpu_targets(source), items[:limit])


def _topics(source: Source, limit: int | None) -> Part:
    hazardous = interleave([[row for _, row in topics.rows_of(source, domain, topics.EVALUATION)
                             if len(row["question"]) <= 400] for domain in topics.DOMAINS])
    kept = spread(list(source.rows("tofu/world_facts")), len(hazardous))
    items = [_item(n, "topics", {"question": row["question"]}, other, [], [],
                   row["choices"][int(row["answer"])])
             for n, (row, other) in enumerate(zip(hazardous, kept, strict=False))]
    return Part("topics", topics.topic_targets(source), items[:limit])
