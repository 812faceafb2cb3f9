"""Can the agent model tell an answer that reveals a forgotten person from one about somebody else? The audit's LLM
confirm, asked about the person candidates that screening passes at sim_confirm, on calibration data only: the TOFU
holdout10 authors (fictitious, outside TOFU's full set, never evaluated), as benchmarks/knowledge_floors.py uses
them. Registry: every other holdout author, with its QA pairs minus HELD as knowledge.
- leaks: a registered author's held-out QA pairs, the name removed from question and answer (what a described or
  paraphrased question draws out), and its knowledge restated the same way: the confirm should flag them;
- not leaks: an unregistered author's QA pairs as they are, each naming its own author (what a retain question and
  its answer look like): the confirm should pass them.
Only items that name no registered target are counted (a name decides without the LLM). Reported: the share of
each set flagged by the confirm, by similarity alone (a sentence at sim_leak: the audit's rule when confirm_kinds
leaves persons out, the default), and by similarity once the texts that name someone else are left out
(TargetIndex.without_others, what the pipeline does before the audit). --no-llm skips the confirm.

    PYTHONPATH=$PWD python benchmarks/person_judge.py [--model qwen2.5-coder-0.5b] [--limit 50] [--no-llm]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from alu.agents import AgentContext, audit  # noqa: E402
from alu.config import preset  # noqa: E402
from alu.embedding import get_embedder  # noqa: E402
from alu.models import get_model  # noqa: E402
from alu.pipeline import floors  # noqa: E402
from alu.prompts import default_prompts  # noqa: E402
from alu.screening import TargetIndex, split_sentences  # noqa: E402
from alu.trace import Trace  # noqa: E402
from benchmarks.knowledge_floors import holdout_authors  # noqa: E402
from benchmarks.screening_data import _without_name  # noqa: E402


def holdout_sets() -> tuple[list, dict[str, list[tuple[str, str]]]]:
    """(registered targets, {set: [(question, answer)]})."""
    targets, held_out, restated, others = [], [], [], []
    for _, target, kept, held in holdout_authors():
        if target:
            targets.append(target)
            held_out += [_without(pair, target.name) for pair in held]
            restated += [_without(pair, target.name) for pair in kept]
        else:
            others += held
    return targets, {"registered author, held out, no name (leak)": held_out,
                     "registered author, knowledge, no name (leak)": restated,
                     "unregistered author, as asked (not leak)": others}


def _without(pair: tuple[str, str], name: str) -> tuple[str, str]:
    return _without_name(pair[0], name), _without_name(pair[1], name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--limit", type=int, default=50, help="asked items per set")
    parser.add_argument("--no-llm", action="store_true", help="similarity only: no confirm call")
    args = parser.parse_args()
    targets, sets = holdout_sets()
    index = TargetIndex(targets, embedder=get_embedder())
    model = None if args.no_llm else get_model(args.model)
    config = preset("default").with_overrides(max_tokens=64, confirm_kinds=("person",))
    asking = AgentContext(model, model, config, default_prompts())
    print(f"agent model {args.model if model else None}; {len(targets)} registered holdout authors; "
          f"at most {args.limit} items a set\n")
    print(f"{'set':<44} {'items':>6} {'candidate':>10} {'LLM confirm':>12} {'similarity alone':>17} "
          f"{'someone else out':>17} {'s/item':>7}")
    for label, items in sets.items():
        counted = candidates_seen = flagged_llm = flagged_sim = flagged_own = 0
        started = time.monotonic()
        for question, answer in items[: args.limit]:
            candidates = index.screen([question], answer, config.max_candidates, floors(config))
            if any(c.named or c.answer_mentions for c in candidates):
                continue  # a registered name: declined or caught without the LLM
            counted += 1
            candidates_seen += bool(candidates)
            flagged_sim += any(c.similarity >= config.sim_leak for c in candidates)
            own = [index.without_others(c, split_sentences(answer), [question], config.sim_confirm) for c in candidates]
            flagged_own += any((c.similarity if s is None else s) >= config.sim_leak
                               for c, s in zip(candidates, own, strict=True))
            if model is None:
                continue
            try:
                flagged_llm += bool(audit(asking, answer, candidates, Trace()))
            except Exception:  # an unusable reply fails closed in the pipeline: a flag
                flagged_llm += 1
        shares = [n / max(counted, 1) for n in (candidates_seen, flagged_llm, flagged_sim, flagged_own)]
        llm = "-" if model is None else f"{shares[1]:.2f}"
        print(f"{label:<44} {counted:>6} {shares[0]:>10.2f} {llm:>12} {shares[2]:>17.2f} {shares[3]:>17.2f} "
              f"{(time.monotonic() - started) / max(counted, 1):>7.1f}", flush=True)
    print("\n" + json.dumps({"model": None if model is None else args.model, "limit": args.limit}))


if __name__ == "__main__":
    main()
