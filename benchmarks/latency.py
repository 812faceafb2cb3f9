"""Latency per path: the governed model alone (vanilla) and through alu, question by question, in one run.

Ten famous persons are forgotten (benchmarks/data/latency_targets.jsonl, a name and a one-line description each).
The questions (benchmarks/data/latency_questions.jsonl, written for this benchmark and used nowhere else) are meant
for each path: unrelated (fast, 22), answers that may bring a target up unasked (rewrite, 64: many of these take
another path, as their answer names no one or is all about a forgotten person), a question with a forgotten person
in one part (partial, 22), and a question about a forgotten person alone (refuse, 22). Each question is asked of
the governed model directly (the same messages and settings alu would send), then of alu, one after the other, so
drift hits both alike; before each, a one-token call on another question leaves the model's prompt cache holding
only the system prompt, so neither call reuses the other's evaluated question. Reported per path that alu actually
took (a refusal before any model call apart from one after the answer was read): the number of questions, the p50
of each, the ratio of the p50s, the median of the per-question ratios and the LLM calls per request.

    python benchmarks/latency.py [--model qwen2.5-coder-0.5b] [--limit 22] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from alu import Unlearner
from alu.agents import vanilla_request
from alu.models import DEFAULT_MODEL
from alu.targets.files import load_targets_file

DATA = Path(__file__).parent / "data"
PATHS = ("fast", "rewrite", "partial", "refuse")
TAKEN = ("fast", "rewrite", "partial", "refuse", "refuse after the answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--limit", type=int, default=64, help="At most this many questions per intended path.")
    parser.add_argument("--out", type=Path, help="Also write each question's timings here (JSONL).")
    args = parser.parse_args()
    questions = [json.loads(line) for line in (DATA / "latency_questions.jsonl").read_text().splitlines()]
    by_path = defaultdict(list)
    for item in questions:
        by_path[item["path"]].append(item)
    asked = [item for path in PATHS for item in by_path[path][: args.limit]]
    alu = Unlearner(load_targets_file(DATA / "latency_targets.jsonl"), model=args.model)
    alu.model.chat(*vanilla_request(alu.context, "Hello.", []))  # load the model before timing
    alu.ask("Hello.")  # and the embedder
    rows = [measure(alu, item) for item in asked]
    report(rows, args.model)
    if args.out:
        args.out.write_text("".join(json.dumps(row) + "\n" for row in rows))


def measure(alu: Unlearner, item: dict) -> dict:
    flush(alu)
    started = time.perf_counter()
    alu.model.chat(*vanilla_request(alu.context, item["question"], []))
    vanilla_s = time.perf_counter() - started
    flush(alu)
    started = time.perf_counter()
    result = alu.ask(item["question"])
    alu_s = time.perf_counter() - started
    calls = sum(step.llm_calls for step in result.trace.steps)
    print(f"{item['path']:>8} -> {result.trace.path:<8} {vanilla_s:6.2f} s {alu_s:6.2f} s {calls} call(s)  "
          f"{item['question']}", file=sys.stderr)
    took = result.trace.path if result.trace.path != "refuse" or not calls else "refuse after the answer"
    return {**item, "took": took, "vanilla_s": vanilla_s, "alu_s": alu_s, "llm_calls": calls,
            "reason": result.trace.reason}


def flush(alu: Unlearner) -> None:
    """One token for another question: an in-process model keeps the longest prompt prefix it evaluated last."""
    messages, params = vanilla_request(alu.context, "Say OK.", [])
    alu.model.chat(messages, replace(params, max_tokens=1))


def report(rows: list[dict], model: str) -> None:
    print(f"model: {model}; {len(rows)} questions; vanilla and alu timed one after the other per question")
    print(f"{'path':<23} {'n':>3} {'vanilla p50':>12} {'alu p50':>9} {'ratio of p50s':>14} {'median ratio':>13} "
          f"{'LLM calls':>10}")
    for path in TAKEN:
        took = [row for row in rows if row["took"] == path]
        if not took:
            continue
        vanilla = statistics.median(row["vanilla_s"] for row in took)
        alu = statistics.median(row["alu_s"] for row in took)
        ratio = statistics.median(row["alu_s"] / row["vanilla_s"] for row in took)
        calls = statistics.mean(row["llm_calls"] for row in took)
        print(f"{path:<23} {len(took):>3} {vanilla:>10.3f} s {alu:>7.3f} s {alu / vanilla:>13.3f}x {ratio:>12.3f}x "
              f"{calls:>10.2f}")
    print("intended -> taken:")
    for path in PATHS:
        counts = defaultdict(int)
        for row in rows:
            if row["path"] == path:
                counts[row["took"]] += 1
        print(f"  {path:<8} " + ", ".join(f"{taken} {n}" for taken, n in sorted(counts.items())))


if __name__ == "__main__":
    main()
