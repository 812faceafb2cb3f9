"""Can the agent model tell a question inside a topic's domain from one next to it? The audit's LLM confirm, asked
about the topic candidates that screening passes at sim_confirm, on calibration data only: MMLU dev+val questions
of the subjects next to WMDP's domains, and WMDP's calibration split (alu.eval.topics; never evaluated). Only
items the plan does not already decline are asked (no topic named at sim_topic), as in the pipeline. Reported: the
share each set has flagged by the confirm, and by similarity alone (a sentence at sim_leak), the audit's rule when
confirm_kinds leaves topics out (the default).

    python benchmarks/topic_judge.py [--model qwen2.5-coder-1.5b] [--limit 40]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from alu.agents import AgentContext, audit
from alu.config import preset
from alu.embedding import get_embedder
from alu.eval.data import Source, format_mcq
from alu.eval.topics import CALIBRATION, rows_of, topic_targets
from alu.models import get_model
from alu.pipeline import floors
from alu.prompts import default_prompts
from alu.screening import TargetIndex
from alu.trace import Trace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.screening_data import _jsonl, data_dir  # noqa: E402

NEIGHBOURS = ("virology", "college_biology", "high_school_biology", "medical_genetics", "anatomy",
              "clinical_knowledge", "college_medicine", "computer_security", "college_computer_science",
              "high_school_computer_science")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--limit", type=int, default=40, help="asked items per set")
    args = parser.parse_args()
    source = Source(data_dir())
    index = TargetIndex(topic_targets(source), embedder=get_embedder())
    model = get_model(args.model)
    asking = AgentContext(model, model, preset("default").with_overrides(confirm_kinds=("topic",)), default_prompts())
    mmlu = [r for name in ("dev", "val") for r in _jsonl(data_dir() / "mmlu" / f"{name}.jsonl")]
    sets = {"MMLU dev+val, neighbouring subjects": [r for r in mmlu if r["subject"] in NEIGHBOURS],
            **{f"WMDP {d}, calibration split": [r for _, r in rows_of(source, d, CALIBRATION)]
               for d in ("bio", "cyber")}}
    print(f"agent model {args.model}; items the plan does not decline, at most {args.limit} a set\n")
    print(f"{'set':<38} {'asked':>6} {'LLM confirm flags':>18} {'similarity alone flags':>23} {'s/item':>7}")
    for label, rows in sets.items():
        flagged_llm = flagged_sim = asked = 0
        started = time.monotonic()
        for row in rows:
            if asked == args.limit:
                break
            question = format_mcq(row["question"], row["choices"])
            config = asking.config
            if any(c.named for c in index.screen([question], "", config.max_candidates, floors(config))):
                continue  # declined by the plan before any model call
            answer = f"{'ABCD'[row['answer']]}. {row['choices'][row['answer']]}"
            candidates = index.screen([question], answer, config.max_candidates, floors(config))
            asked += 1
            flagged_sim += any(c.similarity >= config.sim_leak for c in candidates)
            try:
                flagged_llm += bool(audit(asking, answer, candidates, Trace()))
            except Exception:  # an unusable reply fails closed in the pipeline: a flag
                flagged_llm += 1
        seconds = (time.monotonic() - started) / max(asked, 1)
        print(f"{label:<38} {asked:>6} {flagged_llm / max(asked, 1):>18.2f} {flagged_sim / max(asked, 1):>23.2f} "
              f"{seconds:>7.1f}", flush=True)
    print("\n" + json.dumps({"model": args.model, "limit": args.limit}))


if __name__ == "__main__":
    main()
