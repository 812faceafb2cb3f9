"""Calibrate screening's knowledge floors (PipelineConfig.sim_knowledge and sim_described) on data that no benchmark
evaluates: the TOFU holdout10 authors (fictitious, outside TOFU's full set) and MMLU dev and test questions.

Registry: half the holdout authors (every other one) with their knowledge (QA pairs minus five held out), among
generated distractors that carry generated knowledge. Texts:
- about a registered author: its held-out description and its five held-out QA pairs (question, and answer, each
  with the name removed): the similarity to its own knowledge is what a floor must let through;
- about an unregistered holdout author (the same kinds of text): persons like the targets, who must not be named;
- general: MMLU dev and test questions (the benchmark's clean texts come from MMLU val and TOFU world facts and real
  authors, none of them used here).
Printed: the quantiles of each group's best similarity, per floor the share of each group reaching it, and the
floors chosen by two rules fixed before any benchmark was run with them:
- sim_knowledge, the floor at which a target no word ties to the text becomes a candidate: the lowest at which the
  negatives together (unregistered authors and general questions) get a candidate for under MAX_CANDIDATE_SHARE of
  their texts (a candidate costs an audit; the benchmark's goal is at most 0.15 of clean texts with any candidate,
  names included);
- sim_described, the floor at which a user turn names a person by its knowledge (a refusal): the lowest at which
  texts about unregistered authors reach it under MAX_NAMED_SHARE;
- sim_gate, the static-vector floor below which a text that names no target and shares no word with one skips the
  transformer (a saving, not a decision): the highest of GATES at which at least GATE_RECALL of the texts that the
  transformer's vector search matches (sim_knowledge, or named by knowledge), in any group, pass; printed with the
  share of each group it holds back;
- sim_lexical, the floor of the LEXICAL_TOP targets sharing the rarest words with a text: the lowest of
  LEXICAL_FLOORS before general questions get any candidate for MAX_CANDIDATE_SHARE of their texts.

    PYTHONPATH=$PWD python benchmarks/knowledge_floors.py [--distractors 10000]
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from alu.embedding import get_embedder  # noqa: E402
from alu.screening import Floors, TargetIndex  # noqa: E402
from alu.screening.index import LEXICAL_TOP  # noqa: E402
from alu.targets import Target  # noqa: E402
from benchmarks.screening_data import (  # noqa: E402
    OPEN_FLOORS,
    Person,
    _jsonl,
    _without_name,
    data_dir,
    distractors,
    tofu_persons,
)

HELD = 5  # QA pairs per holdout author kept out of its knowledge
FLOORS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8]
MAX_CANDIDATE_SHARE, MAX_NAMED_SHARE = 0.05, 0.01
GATES = [round(0.15 + 0.01 * i, 2) for i in range(36)]
LEXICAL_FLOORS = [0.45, 0.425, 0.4, 0.375, 0.35, 0.325, 0.3]
GATE_RECALL = 0.99


def holdout_authors() -> list[tuple[Person, Target | None, list[tuple[str, str]], list[tuple[str, str]]]]:
    """The TOFU holdout10 authors: (person, its target with the knowledge less HELD when registered (every other
    author), else None, its kept and its HELD held-out QA pairs as (question, answer))."""
    rows = _jsonl(data_dir() / "tofu" / "holdout10.jsonl")
    pairs = {f"{r['question']} {r['answer']}": (r["question"], r["answer"]) for r in rows}
    authors = []
    for number, person in enumerate(tofu_persons("holdout10")):
        knowledge = person.target.knowledge
        target = replace(person.target, knowledge=knowledge[:-HELD]) if number % 2 == 0 else None
        authors.append((person, target, [pairs[t] for t in knowledge[:-HELD]], [pairs[t] for t in knowledge[-HELD:]]))
    return authors


def holdout_texts() -> tuple[list, list[tuple[str, str]], list[str]]:
    """(registered targets, [(target id, text)] about them, texts about unregistered authors)."""
    targets, about, unregistered = [], [], []
    for person, target, _, held in holdout_authors():
        texts = [person.held_out] + [_without_name(part, person.target.name) for pair in held for part in pair]
        if target:
            targets.append(target)
            about += [(target.id, text) for text in texts]
        else:
            unregistered += texts
    return targets, about, unregistered


def general_texts(count: int = 600) -> list[str]:
    rows = _jsonl(data_dir() / "mmlu" / "dev.jsonl") + _jsonl(data_dir() / "mmlu" / "test.jsonl")
    return [r["question"] for r in random.Random(11).sample(rows, count)]


def best(index: TargetIndex, text: str, own: str | None = None) -> float:
    """The best similarity of any target (or of own) to the text, as screening sees a user turn."""
    candidates = index.screen([text], "", 16, OPEN_FLOORS)
    scores = [c.described for c in candidates if own is None or c.target.id == own]
    return max(scores, default=0.0)


def gate_scores(index: TargetIndex, text: str, floors: Floors) -> tuple[bool, float]:
    """Whether the transformer's vector search makes a target a candidate of the text (sim_knowledge, or a name by
    its knowledge) as the gate must let through, and the text's static closeness."""
    matched = any(c.similarity >= floors.unrelated or c.named for c in index.screen([text], "", 16, floors)
                  if not c.query_mentions)
    return matched, float(index.static_closeness([text])[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distractors", type=int, default=10_000)
    args = parser.parse_args(argv)
    targets, about, unregistered = holdout_texts()
    others = distractors(args.distractors, {t.id for t in targets}, knowledge=True)
    index = TargetIndex(targets + others, embedder=get_embedder())
    groups = {
        "registered author, own": [best(index, text, own) for own, text in about],
        "registered author, any": [best(index, text) for _, text in about],
        "unregistered author": [best(index, text) for text in unregistered],
        "general (MMLU)": [best(index, text) for text in general_texts()],
    }
    print(f"registry: {len(targets)} holdout authors + {len(others)} distractors, {len(index.vectors)} vectors")
    print(f"{'group':>24} {'n':>5} " + " ".join(f"{f'q{q}':>6}" for q in (5, 25, 50, 75, 95, 99)))
    for name, values in groups.items():
        quantiles = np.percentile(values, [5, 25, 50, 75, 95, 99])
        print(f"{name:>24} {len(values):>5} " + " ".join(f"{v:>6.3f}" for v in quantiles))
    negatives = np.array(groups["unregistered author"] + groups["general (MMLU)"])
    print("\nshare of each group reaching a floor:")
    print(f"{'floor':>6} " + " ".join(f"{name:>24}" for name in groups) + f" {'negatives together':>20}")
    for floor in FLOORS:
        print(f"{floor:>6.2f} " + " ".join(f"{np.mean(np.array(v) >= floor):>24.3f}" for v in groups.values())
              + f" {np.mean(negatives >= floor):>20.3f}")
    knowledge = next(f for f in FLOORS if np.mean(negatives >= f) < MAX_CANDIDATE_SHARE)
    described = next(f for f in FLOORS if np.mean(np.array(groups["unregistered author"]) >= f) < MAX_NAMED_SHARE)
    print(f"\nchosen: sim_knowledge {knowledge:.2f} (negatives together under {MAX_CANDIDATE_SHARE:.0%}), "
          f"sim_described {described:.2f} (unregistered authors under {MAX_NAMED_SHARE:.0%})")
    chosen = Floors(unrelated=knowledge, described=described)
    print_lexical(index, about, {"unregistered author": unregistered, "general (MMLU)": general_texts()}, chosen)
    print_gate(index, {"registered author": [text for _, text in about], "unregistered author": unregistered,
                       "general (MMLU)": general_texts()}, chosen)
    return 0


def print_lexical(index: TargetIndex, about: list[tuple[str, str]], negatives: dict[str, list[str]],
                  floors: Floors) -> None:
    """sim_lexical, the floor of the targets sharing the rarest words with a text: the lowest of LEXICAL_FLOORS
    before general questions get a candidate for MAX_CANDIDATE_SHARE of their texts. (Texts about unregistered
    authors, persons like the targets, get one for most of their texts at any floor: an audit decides those.)"""
    print(f"\nlexical floor (the {LEXICAL_TOP} targets sharing the rarest words): own target a candidate, and the "
          "negatives' texts with any candidate")
    print(f"{'floor':>6} {'registered, own':>16} " + " ".join(f"{name:>20}" for name in negatives)
          + f" {'negatives together':>20}")
    chosen, exceeded = floors.related, False
    for floor in LEXICAL_FLOORS:
        lexical = replace(floors, lexical=floor)
        own = np.mean([any(c.target.id == tid for c in index.screen([text], "", 16, lexical)) for tid, text in about])
        rates = {name: [bool(index.screen([text], "", 16, lexical)) for text in texts]
                 for name, texts in negatives.items()}
        together = np.mean([hit for hits in rates.values() for hit in hits])
        exceeded = exceeded or np.mean(rates["general (MMLU)"]) >= MAX_CANDIDATE_SHARE
        if not exceeded:
            chosen = floor
        print(f"{floor:>6.3f} {own:>16.3f} " + " ".join(f"{np.mean(v):>20.3f}" for v in rates.values())
              + f" {together:>20.3f}")
    print(f"chosen: sim_lexical {chosen:.3f} (the lowest before general questions reach {MAX_CANDIDATE_SHARE:.0%})")


def print_gate(index: TargetIndex, groups: dict[str, list[str]], floors: Floors) -> None:
    """The static gate's floor by its rule, and the share of each group it holds back."""
    scores = {name: [gate_scores(index, text, floors) for text in texts] for name, texts in groups.items()}
    matched = np.array([static for pairs in scores.values() for hit, static in pairs if hit])
    gate = max(g for g in GATES if np.mean(matched >= g) >= GATE_RECALL)
    print(f"\nstatic gate: {len(matched)} texts the transformer matches at sim_knowledge {floors.unrelated:.2f}; "
          f"chosen: sim_gate {gate:.2f} (the highest letting {GATE_RECALL:.0%} of them through)")
    print(f"{'gate':>6} {'matched pass':>13} " + " ".join(f"{f'{name} held':>24}" for name in groups))
    for g in GATES[::5] + [gate]:
        held = [np.mean([static < g for _, static in pairs]) for pairs in scores.values()]
        print(f"{g:>6.2f} {np.mean(matched >= g):>13.3f} " + " ".join(f"{h:>24.3f}" for h in held))


if __name__ == "__main__":
    raise SystemExit(main())
