"""Can the agent model tell an answer that reveals a forgotten person from one about somebody else? The audit's LLM
confirm, asked about the person candidates that screening passes at sim_confirm, on calibration data only: the TOFU
holdout10 authors (fictitious, outside TOFU's full set, never evaluated), as benchmarks/knowledge_floors.py uses
them. Registry: every other holdout author, with its QA pairs minus HELD as knowledge.
- leaks: a registered author's held-out QA pairs, the name removed from question and answer (what a described or
  paraphrased question draws out), and its knowledge restated the same way, or its knowledge and its held-out pairs
  told of an invented name (what an answer that renames the target looks like): the confirm should flag them;
- not leaks: an unregistered author's QA pairs as they are, each naming its own author (what a retain question and
  its answer look like): the confirm should pass them;
- with a retrieved passage (a system turn, as in the TOFU evaluation): a registered author's held-out QA pair as the
  passage, its answer told without the name (a leak drawn from the passage); an unregistered author's QA pair with
  the registered authors' QA pair that BM25 ranks first for its question as the passage (not a leak);
- with two passages, as retrieval gives: the first leak set with the unregistered pair BM25 ranks first beside it
  (a leak), and an unregistered author's own pair beside the registered pair BM25 ranks first, question and answer
  told without the name (a retain question about "the author": not a leak).
Only items that name no registered target are counted (a name decides without the LLM). Reported: the share of
each set flagged by the confirm, by similarity alone (a sentence at sim_leak: the audit's rule when confirm_kinds
leaves persons out, the default), and by similarity as the pipeline now takes it before the audit: the texts that
name someone else or come closer to a passage line about someone else left out (TargetIndex.without_others,
TargetIndex.about_others), a passage that names the target counting as its knowledge (TargetIndex.read_passages).
--no-llm skips the confirm. Last (print_renamed): whether a closeness floor could catch the renamed leaks that
name someone else without catching the answers about unregistered authors.

    PYTHONPATH=$PWD python benchmarks/person_judge.py [--model qwen2.5-coder-0.5b] [--limit 50] [--no-llm]
                                                      [--sets passage]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from alu.agents import AgentContext, audit  # noqa: E402
from alu.config import preset  # noqa: E402
from alu.embedding import get_embedder  # noqa: E402
from alu.eval.retrieval import BM25  # noqa: E402
from alu.eval.suites import qa_passage  # noqa: E402
from alu.models import get_model  # noqa: E402
from alu.pipeline import floors  # noqa: E402
from alu.prompts import default_prompts  # noqa: E402
from alu.screening import Candidate, TargetIndex, split_sentences  # noqa: E402
from alu.trace import Trace  # noqa: E402
from benchmarks.knowledge_floors import FLOORS, MAX_NAMED_SHARE, holdout_authors  # noqa: E402
from benchmarks.screening_data import _without_name  # noqa: E402

# invented names, none a TOFU author's: the renamed set tells a registered author's knowledge of one of them
INVENTED = ("Tomasz Wielgus", "Aroha Ngata", "Felipe Arruda", "Ines Gonzales", "Chidi Okafor")


def holdout_sets() -> tuple[list, dict[str, list[tuple[str, str, str]]]]:
    """(registered targets, {set: [(question, answer, retrieved passage or "")]})."""
    targets, held_out, restated, renamed, renamed_held, others, drawn, beside = [], [], [], [], [], [], [], []
    drawn_mixed, own_mixed = [], []
    authors = holdout_authors()
    kept_pairs = [pair for _, target, kept, _ in authors if target for pair in kept]
    retriever = BM25([qa_passage({"question": q, "answer": a}) for q, a in kept_pairs])
    other_pairs = [pair for _, target, _, held in authors if not target for pair in held]
    other_retriever = BM25([qa_passage({"question": q, "answer": a}) for q, a in other_pairs])
    for person, target, kept, held in authors:
        if target:
            targets.append(target)
            held_out += [(*_without(pair, target.name), "") for pair in held]
            restated += [(*_without(pair, target.name), "") for pair in kept]
            other = INVENTED[len(targets) % len(INVENTED)]
            renamed += [(*_renamed(pair, target.name, other), "") for pair in kept]
            renamed_held += [(*_renamed(pair, target.name, other), "") for pair in held]
            drawn += [(*_without(pair, target.name), _passage(_qa(pair))) for pair in held]
            drawn_mixed += [(*_without(pair, target.name), _passage(_qa(pair), other_retriever.search(pair[0], 1)[0]))
                            for pair in held]
        else:
            others += [(*pair, "") for pair in held]
            beside += [(*pair, _passage(retriever.search(pair[0], 1)[0])) for pair in held]
            own_mixed += [(*_without(pair, person.target.name), _passage(_qa(pair), retriever.search(pair[0], 1)[0]))
                          for pair in held]
    return targets, {"registered author, held out, no name (leak)": held_out,
                     "registered author, knowledge, no name (leak)": restated,
                     "registered author, knowledge, another name (leak)": renamed,
                     "registered author, held out, another name (leak)": renamed_held,
                     "unregistered author, as asked (not leak)": others,
                     "held out, from a passage naming it (leak)": drawn,
                     "unregistered, passage on a target (not leak)": beside,
                     "held out, passage naming it and another (leak)": drawn_mixed,
                     "unregistered, no name, own passage and a target's (not leak)": own_mixed}


def _qa(pair: tuple[str, str]) -> str:
    return qa_passage({"question": pair[0], "answer": pair[1]})


def _passage(*texts: str) -> str:
    """Retrieved passages as the evaluation's system turn shows them."""
    return default_prompts().render("eval_knowledge", passages="\n".join(f"- {text}" for text in texts))


def _without(pair: tuple[str, str], name: str) -> tuple[str, str]:
    return _without_name(pair[0], name), _without_name(pair[1], name)


def _renamed(pair: tuple[str, str], name: str, other: str) -> tuple[str, str]:
    """The pair told of another person: the name, then its words, replaced by other's (an invented name)."""
    def rename(text: str) -> str:
        text = text.replace(name, other)
        for word in sorted({w for w in name.split() if len(w) > 2}, key=len, reverse=True):
            text = re.sub(rf"\b{re.escape(word)}\b", other.split()[-1], text)
        return text
    return rename(pair[0]), rename(pair[1])


def _pipeline_similarity(index: TargetIndex, candidate, question: str, answer: str, context: list[str],
                         config) -> float:
    sentences = split_sentences(answer)
    if candidate.target.kind == "person":
        candidate.others = index.about_others(candidate, context)
    own = index.without_others(candidate, sentences, [question], config.sim_confirm)
    similarity = candidate.similarity if own is None else own
    if candidate.context_mentions:
        similarity = max(similarity, index.read_passages(candidate, sentences, context, config.sim_confirm))
    return similarity


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--limit", type=int, default=50, help="asked items per set")
    parser.add_argument("--no-llm", action="store_true", help="similarity only: no confirm call")
    parser.add_argument("--sets", default="", help="only the sets whose label contains this")
    args = parser.parse_args()
    targets, sets = holdout_sets()
    index = TargetIndex(targets, embedder=get_embedder())
    model = None if args.no_llm else get_model(args.model)
    config = preset("default").with_overrides(max_tokens=64, confirm_kinds=("person",))
    asking = AgentContext(model, model, config, default_prompts())
    print(f"agent model {args.model if model else None}; {len(targets)} registered holdout authors; "
          f"at most {args.limit} items a set\n")
    print(f"{'set':<62} {'items':>6} {'candidate':>10} {'LLM confirm':>12} {'similarity alone':>17} "
          f"{'as the pipeline':>17} {'s/item':>7}")
    for label, items in sets.items():
        if args.sets not in label:
            continue
        counted = candidates_seen = flagged_llm = flagged_sim = flagged_own = 0
        started = time.monotonic()
        for question, answer, passage in items[: args.limit]:
            context = [passage] if passage else []
            candidates = index.screen([question], answer, config.max_candidates, floors(config), context)
            if any(c.named or c.answer_mentions for c in candidates):
                continue  # a registered name: declined or caught without the LLM
            counted += 1
            candidates_seen += bool(candidates)
            flagged_sim += any(c.similarity >= config.sim_leak for c in candidates)
            flagged_own += any(_pipeline_similarity(index, c, question, answer, context, config) >= config.sim_leak
                               for c in candidates)
            if model is None:
                continue
            try:
                flagged_llm += bool(audit(asking, answer, candidates, Trace()))
            except Exception:  # an unusable reply fails closed in the pipeline: a flag
                flagged_llm += 1
        shares = [n / max(counted, 1) for n in (candidates_seen, flagged_llm, flagged_sim, flagged_own)]
        llm = "-" if model is None else f"{shares[1]:.2f}"
        print(f"{label:<62} {counted:>6} {shares[0]:>10.2f} {llm:>12} {shares[2]:>17.2f} {shares[3]:>17.2f} "
              f"{(time.monotonic() - started) / max(counted, 1):>7.1f}", flush=True)
    print_renamed(index, targets, sets)
    print("\n" + json.dumps({"model": None if model is None else args.model, "limit": args.limit}))


def print_renamed(index: TargetIndex, targets: list, sets: dict[str, list[tuple[str, str, str]]]) -> None:
    """Could a closeness floor tell an answer that gives a target's knowledge another name from one about somebody
    else? Each answer's best sentence before its names are read, for the renamed leaks and for the answers about
    unregistered authors, each naming its own (all their QA pairs); the floor the rule of sim_described would choose
    (the lowest of knowledge_floors.FLOORS with unregistered authors under MAX_NAMED_SHARE) and what it would catch."""
    subjects = [Candidate(t) for t in targets]

    def closest(answers: list[str]) -> np.ndarray:
        return np.array([index.closeness(split_sentences(a), subjects, 2.0).max(initial=0.0) for a in answers])

    negatives = closest([a for _, target, kept, held in holdout_authors() if not target for _, a in [*kept, *held]])
    renamed = {label: closest([a for _, a, _ in items]) for label, items in sets.items() if "another name" in label}
    print(f"\nrenamed: {len(negatives)} answers about unregistered authors naming them (not leaks), and the renamed "
          "leaks, reaching each floor")
    print(f"{'floor':>6} {'unregistered':>13} " + " ".join(f"{label:>52}" for label in renamed))
    for floor in FLOORS:
        print(f"{floor:>6.2f} {np.mean(negatives >= floor):>13.3f} "
              + " ".join(f"{np.mean(v >= floor):>52.3f}" for v in renamed.values()))
    chosen = next(f for f in FLOORS if np.mean(negatives >= f) < MAX_NAMED_SHARE)
    caught = ", ".join(f"{np.mean(v >= chosen):.2f}" for v in renamed.values())
    print(f"a floor by sim_described's rule: {chosen:.2f} (the lowest with unregistered authors under "
          f"{MAX_NAMED_SHARE:.0%}), reached by {caught} of the renamed leaks")


if __name__ == "__main__":
    main()
