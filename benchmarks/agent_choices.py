"""Measure each agent design choice on real local models, on hand-made cases (benchmarks/data/agent_*.jsonl).

Detection: matching only / + embeddings / hybrid (+ LLM confirmation) / LLM alone.
Erase: redact + LLM smoothing (ours) / LLM rewrite alone (paper). Critic: hybrid / LLM alone.

    python benchmarks/agent_choices.py --models qwen2.5-coder-0.5b,qwen2.5-coder-1.5b
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from alu.agents import AgentContext, Leak, audit, critic, erase
from alu.agents.audit import _confirm
from alu.agents.critic import _similarity_ratings
from alu.agents.erase import _redact
from alu.config import preset
from alu.embedding import get_embedder
from alu.models import LlamaCppModel
from alu.pipeline import floors
from alu.prompts import default_prompts
from alu.screening import Candidate, TargetIndex
from alu.targets import Target
from alu.trace import Trace

DATA = Path(__file__).parent / "data"


def load() -> tuple[list[Target], list[dict]]:
    targets = [Target(**json.loads(line)) for line in (DATA / "agent_targets.jsonl").read_text().splitlines()]
    cases = [json.loads(line) for line in (DATA / "agent_cases.jsonl").read_text().splitlines()]
    return targets, cases


def prf(predicted: list[set[str]], gold: list[set[str]]) -> tuple[float, float, float]:
    tp = sum(len(p & g) for p, g in zip(predicted, gold, strict=True))
    fp = sum(len(p - g) for p, g in zip(predicted, gold, strict=True))
    fn = sum(len(g - p) for p, g in zip(predicted, gold, strict=True))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def content_words(text: str, exclude: str) -> set[str]:
    drop = set(re.findall(r"\w+", exclude.lower()))
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) > 3 and w not in drop}


def run_model(name: str, targets: list[Target], cases: list[dict]) -> list[str]:
    model = LlamaCppModel(name)
    embedder = get_embedder()
    index = TargetIndex(targets, embedder=embedder)
    agents = AgentContext(model, model, preset("default"), default_prompts())
    paper = AgentContext(model, model, preset("paper").with_overrides(k=2, j=2), default_prompts())
    by_name = {t.name: t for t in targets}
    gold = [set(c["leaks"]) for c in cases]
    detections: dict[str, list[set[str]]] = {k: [] for k in ("match", "match+emb", "hybrid", "llm")}
    calls = {"hybrid": 0, "llm": 0}
    started = time.monotonic()
    for case in cases:
        candidates = index.screen([], case["answer"], limit=5, floors=floors(agents.config))
        detections["match"].append({c.target.name for c in candidates if c.answer_mentions})
        sure = {c.target.name for c in candidates if c.similarity >= agents.config.sim_leak}
        detections["match+emb"].append(detections["match"][-1] | sure)
        trace = Trace()
        detections["hybrid"].append({leak.target.name for leak in audit(agents, case["answer"], candidates, trace)})
        calls["hybrid"] += sum(s.llm_calls for s in trace.steps)
        step = Trace().step("llm")
        try:
            every = [Candidate(t) for t in targets]
            detections["llm"].append({t.name for t in _confirm(agents, case["answer"], every, step)})
        except Exception:
            detections["llm"].append(set())
        calls["llm"] += step.llm_calls
    lines = [f"## {name}", "", "Detection (16 cases, 10 with a leak):", "",
             "| method | precision | recall | F1 | LLM calls |", "|---|---|---|---|---|"]
    for method, predicted in detections.items():
        p, r, f = prf(predicted, gold)
        lines.append(f"| {method} | {p:.2f} | {r:.2f} | {f:.2f} | {calls.get(method, 0)} |")

    erase_rows = {"redact+smooth (ours)": [], "LLM rewrite (paper)": []}
    critic_pairs = {"hybrid": [], "llm": []}
    for case in (c for c in cases if c["leaks"]):
        leaks = [Leak(by_name[n], direct=bool(index.mentions.find(case["answer"]))) for n in case["leaks"]]
        names = " ".join(t.name + " " + " ".join(t.aliases) for t in (by_name[n] for n in case["leaks"]))
        original_words = content_words(case["answer"], names)
        for label, context in (("redact+smooth (ours)", agents), ("LLM rewrite (paper)", paper)):
            try:
                variants = erase(context, "", case["answer"], leaks, index, Trace())
            except Exception:
                variants = []
            for variant in variants or [""]:
                leaked = bool(index.mentions.find(variant)) or _similar(variant, leaks, agents, index)
                kept = len(content_words(variant, names) & original_words) / max(len(original_words), 1)
                erase_rows[label].append((leaked, kept, not variant))
        clean = _redact(agents, case["answer"], leaks, index).replace("[REDACTED]", "someone")
        for label, critic_config in (("hybrid", "default"), ("llm", "paper")):
            rater = AgentContext(model, model, preset(critic_config), default_prompts())
            try:
                ratings = critic(rater, [clean, case["answer"]], leaks, index, Trace())
            except Exception:
                ratings = [0.0, 0.0]
            critic_pairs[label].append(1.0 if ratings[0] > ratings[1] else 0.5 if ratings[0] == ratings[1] else 0.0)
    lines += ["", "Erase (variants for the 10 leaking cases):", "",
              "| method | variants | leak-free | empty (refusal) | content words kept |", "|---|---|---|---|---|"]
    for label, rows in erase_rows.items():
        n = len(rows)
        lines.append(f"| {label} | {n} | {sum(not r[0] and not r[2] for r in rows) / n:.2f} | "
                     f"{sum(r[2] for r in rows) / n:.2f} | {sum(r[1] for r in rows) / n:.2f} |")
    lines += ["", "Critic (pairs: redacted answer vs leaking answer; 1 = clean rated higher, ties 0.5):", "",
              "| critic | ordering accuracy |", "|---|---|"]
    lines += [f"| {label} | {sum(v) / len(v):.2f} |" for label, v in critic_pairs.items()]
    lines += ["", f"wall time: {time.monotonic() - started:.0f} s", ""]
    return lines


def _similar(text: str, leaks: list[Leak], agents: AgentContext, index: TargetIndex) -> bool:
    if not text:
        return False
    ratings = _similarity_ratings(agents, [text], leaks, index)
    return ratings[0] <= 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="qwen2.5-coder-0.5b")
    args = parser.parse_args()
    targets, cases = load()
    print(f"# Agent design choices\n\ncommand: python benchmarks/agent_choices.py --models {args.models}\n")
    for name in args.models.split(","):
        print("\n".join(run_model(name, targets, cases)), flush=True)


if __name__ == "__main__":
    main()
