"""Screening and the pipeline at 10 to 100,000 targets: latency, audit prompt tokens, recall, memory, start-up.

    python -m benchmarks.registry_scale [--sizes 10,100,1000,10000,100000] [--queries 5] [--no-e2e]

Every registry stays in memory, and screening latency is timed going through the sizes in turn (each query at every
size before the next), so the ratios between sizes are measured side by side; then once more with every vector
looked up instead of encoded, which shows what the index itself costs apart from the encoder.

The TOFU and WPU persons carry their knowledge (TOFU: their QA pairs but one; WPU: their passage but one sentence)
and are hidden among generated distractors that carry ten generated facts each (benchmarks/screening_data.py), so
the registry of 100,000 targets holds about 1,100,000 vectors (profiles and knowledge chunks). Vectors go through the
embedding cache ($ALU_CACHE_DIR or the user cache dir), so the first run at 100,000 encodes them all (an interrupted
run keeps what it encoded). Screening uses the pipeline's floors (alu.pipeline.floors).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from alu.agents import confirm_prompt, critic_prompt
from alu.config import PipelineConfig
from alu.embedding import EmbeddingCache, get_embedder
from alu.pipeline import floors
from alu.prompts import default_prompts
from alu.screening import TargetIndex
from benchmarks.screening_data import (
    ANSWER_KINDS,
    MENTION_KINDS,
    MemoEmbedder,
    benchmark_persons,
    clean_texts,
    distractors,
    mentions,
    registry,
)

LIMIT = PipelineConfig().max_candidates
PROMPTS = default_prompts()
RUNS = 10  # timed passes over the screening queries
OWN_KINDS = ("last_name", "last_name_bare")  # recall also reported without the last-name groups
NAMED_KINDS = ("descriptive",)  # also reported: the question names its target (a refusal before the answer)
FLOORS = floors(PipelineConfig())
ANSWER = ("The novel was published in 1998 and quickly became a bestseller. It follows a family over three "
          "generations. Critics praised its careful prose and its portrait of a changing city.")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def qwen_tokens():
    """Token counter with the default agent model's tokenizer (vocabulary only, no weights run)."""
    from llama_cpp import Llama

    from alu.models.catalog import resolve_gguf

    llama = Llama(model_path=str(resolve_gguf("qwen2.5-coder-0.5b")), vocab_only=True, verbose=False)
    return lambda text: len(llama.tokenize(text.encode(), add_bos=False))


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def build(targets, embedder) -> tuple[TargetIndex, float, float]:
    gc.collect()
    before, started = rss_mb(), time.perf_counter()
    index = TargetIndex(targets, embedder=embedder)
    return index, time.perf_counter() - started, rss_mb() - before


def latency_queries(persons, count: int = 24) -> list[str]:
    """Fixed screening queries about the first persons (present at every size) and clean questions."""
    texts = [m.text for p in persons[:4] for m in mentions(p)]
    return (texts + clean_texts(40)[:: 40 // 8])[:count]


def run_queries(queries: list[str], run: int) -> list[str]:
    """The queries of one timed run, each a text screening has not read before (the mention lookups keep the last
    texts read): a run number of zero-width spaces at the end, which reading removes and the encoder ignores."""
    return [query + "\u200b" * run for query in queries]


def measure_latency(indexes: dict[int, TargetIndex], queries: list[str], limit: int,
                    prefix: str = "") -> dict[int, dict]:
    """Screening p50/p95 per size. Every query is screened at every size in turn, so drift on the machine (other
    processes, frequency) hits every size alike and the ratios compare like with like."""
    latencies: dict[int, list[float]] = {size: [] for size in indexes}
    for run in range(RUNS):
        for query in run_queries(queries, run):
            for size, index in indexes.items():
                started = time.perf_counter()
                index.screen([query], ANSWER, limit, FLOORS)
                latencies[size].append(time.perf_counter() - started)
    return {size: {f"{prefix}p50_ms": 1000 * percentile(values, 50), f"{prefix}p95_ms": 1000 * percentile(values, 95)}
            for size, values in latencies.items()}


def measure_index_latency(indexes: dict[int, TargetIndex], queries: list[str], limit: int,
                          memo: MemoEmbedder) -> dict[int, dict]:
    """The same timing with every vector looked up instead of encoded: what the index itself costs, without the
    encoder's constant (and noisy) share."""
    saved = {size: index.embedder for size, index in indexes.items()}
    try:
        for index in indexes.values():
            index.embedder = memo
            for query in (q for run in range(RUNS) for q in run_queries(queries, run)):  # the memo learns every
                index.screen([query], ANSWER, limit, FLOORS)  # text once (blanked ones included)
        return measure_latency(indexes, queries, limit, prefix="index_")
    finally:
        for size, index in indexes.items():
            index.embedder = saved[size]


def measure_prompts(index: TargetIndex, queries: list[str], count_tokens, limit: int) -> dict:
    """Candidates per screened query and the audit prompt tokens over them."""
    tokens, counts = [], []
    for query in queries:
        candidates = index.screen([query], ANSWER, limit, FLOORS)
        counts.append(len(candidates))
        # The agents' prompts name at most max_llm_candidates of them, the most similar first.
        candidates = sorted(candidates, key=lambda c: -c.similarity)[: PipelineConfig().max_llm_candidates]
        targets = [c.target for c in candidates]
        prompts = confirm_prompt(PROMPTS, ANSWER, candidates), critic_prompt(PROMPTS, [ANSWER], targets)
        tokens.append(sum(count_tokens(prompt) for prompt in prompts))
    return {"tokens": statistics.mean(tokens), "candidates": statistics.mean(counts)}


def measure_recall(index: TargetIndex, persons, memo: MemoEmbedder, limit: int) -> dict[str, tuple[int, int]]:
    """Per mention kind: (found, total) over the persons in the registry; the target must be a candidate, on its own
    or in the group candidate of a last name more targets share than fit (also counted on its own, for last names)."""
    texts = [m.text for p in persons if p.target.id in index.targets for m in mentions(p)] + clean_texts()
    memo.encode(texts)  # one batch instead of one call per text
    saved, index.embedder = index.embedder, memo
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    try:
        for person in persons:
            if person.target.id not in index.targets:
                continue
            for mention in mentions(person):
                asked, answer = ([], mention.text) if mention.kind in ANSWER_KINDS else ([mention.text], "")
                candidates = index.screen(asked, answer, limit, FLOORS)
                counts[mention.kind][0] += mention.target_id in {i for c in candidates for i in c.covers}
                counts[mention.kind][1] += 1
                if mention.kind in OWN_KINDS:
                    counts[f"{mention.kind}: own"][0] += mention.target_id in {c.target.id for c in candidates}
                    counts[f"{mention.kind}: own"][1] += 1
                if mention.kind in NAMED_KINDS:  # refused up front: the question names the target by what it knows
                    counts[f"{mention.kind}: named"][0] += any(c.named and c.target.id == mention.target_id
                                                               for c in candidates)
                    counts[f"{mention.kind}: named"][1] += 1
        for text in clean_texts():
            candidates = index.screen([text], "", limit, FLOORS)
            for kind, hit in (("any candidate", bool(candidates)),
                              ("a name mention", any(c.query_mentions for c in candidates)),
                              ("named (refused)", any(c.named for c in candidates))):
                counts[f"clean: {kind}"][0] += hit
                counts[f"clean: {kind}"][1] += 1
    finally:
        index.embedder = saved
    return {k: tuple(v) for k, v in counts.items()}


def e2e_queries(persons, count: int) -> list[str]:
    """Two questions about persons in every registry, three about no person (a question about a famous author would
    not do: the WPU persons, in every registry from 397 targets on, include William Shakespeare)."""
    p0, p1 = persons[0].target, persons[1].target
    queries = [f"What kind of books does {p0.name} write?", f"Tell me about {p1.name}.",
               "At what temperature does water boil at sea level?", "What is the capital of Australia?",
               "Name a famous novel about a family over several generations."]
    return queries[:count]


def measure_e2e(indexes: dict[int, TargetIndex], model, queries: list[str], limit: int) -> dict[int, dict]:
    """The pipeline with the embedded model on each registry, size after size. (Not one query at every size in turn:
    the model reuses the prompt it evaluated last, so every size after the first would get that query cheaper.)"""
    from alu import Unlearner

    config = PipelineConfig().with_overrides(max_candidates=limit)
    results = {}
    for size, index in indexes.items():
        unlearner = Unlearner([], model=model, embedder=index.embedder, config=config)
        unlearner.index = index  # the registry built above (the pipeline's own constructor would rebuild it)
        results[size] = [unlearner.ask(query).trace for query in queries]
    return {size: {"p50_s": percentile([t.total_s for t in traces], 50),
                   "agent_prompt_tokens": statistics.mean(
                       sum(s.prompt_tokens for s in t.steps if s.agent != "vanilla") for t in traces),
                   "paths": ",".join(t.path for t in traces)} for size, traces in results.items()}


def full_collection_ms() -> tuple[float, float]:
    """A full garbage collection with the registry frozen (as TargetIndex leaves it after a bulk load), then with it
    unfrozen, in ms."""
    timings = []
    for unfreeze in (False, True):
        if unfreeze:
            gc.unfreeze()
        started = time.perf_counter()
        gc.collect()
        timings.append(1000 * (time.perf_counter() - started))
    gc.freeze()
    return timings[0], timings[1]


def cold_rate(embedder, count: int = 100) -> float:
    """Texts (profiles and knowledge) per second encoded into an empty cache (new distractors no run has seen)."""
    sample = distractors(count, set(), seed=count + 12345, knowledge=True)
    with tempfile.TemporaryDirectory() as tmp:
        cache = EmbeddingCache(Path(tmp) / "embeddings.sqlite")
        started = time.perf_counter()
        TargetIndex(sample, embedder=embedder, cache=cache)
        elapsed = time.perf_counter() - started
        cache.close()
    return count * (1 + len(sample[0].knowledge)) / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000,10000,100000")
    parser.add_argument("--queries", type=int, default=5, help="end-to-end queries per size")
    parser.add_argument("--limit", type=int, default=LIMIT, help="candidates per request (the pipeline's default)")
    parser.add_argument("--no-e2e", action="store_true", help="skip the end-to-end runs with the embedded model")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    persons, embedder = benchmark_persons(), get_embedder()
    memo, count_tokens, queries = MemoEmbedder(embedder), qwen_tokens(), latency_queries(benchmark_persons())
    model = None
    if not args.no_e2e:
        from alu.models import get_model

        model = get_model("qwen2.5-coder-0.5b")
    print(f"persons: {len(persons)} (TOFU {sum(p.source == 'tofu' for p in persons)}, "
          f"WPU {sum(p.source == 'wpu' for p in persons)}); candidates limit {args.limit}; "
          f"floors {FLOORS}; screening queries {len(queries)} x {RUNS} runs; "
          f"load average at start {load()}")
    if model is not None:  # load the model and warm it up before the first size is timed
        measure_e2e({0: TargetIndex([], embedder=embedder)}, model, e2e_queries(persons, 1), args.limit)
    rows, indexes = {}, {}
    for size in sizes:
        targets = registry(size, persons)
        index, build_s, rss = build(targets, embedder)
        row = {"build_s": build_s, "encoded": index.encoded, "rss_mb": rss, "vectors": len(index.vectors),
               "vector_mb": index.vectors.nbytes / 2**20}
        if size == max(sizes):
            del index
            index, row["warm_build_s"], _ = build(targets, embedder)
            row["warm_encoded"] = index.encoded
        row.update(measure_prompts(index, queries, count_tokens, args.limit))
        row["recall"] = measure_recall(index, persons, memo, args.limit)
        rows[size], indexes[size] = row, index
        print(f"size {size}: built in {build_s:.1f}s (encoded {index.encoded}), recall measured, "
              f"load average {load()}", flush=True)
    rows[max(sizes)]["gc_ms"] = full_collection_ms()
    for size, latency in measure_latency(indexes, queries, args.limit).items():
        rows[size].update(latency)
    for size, latency in measure_index_latency(indexes, queries, args.limit, memo).items():
        rows[size].update(latency)
    print(f"screening timed at every size in turn, load average {load()}", flush=True)
    if model is not None:
        for size, e2e in measure_e2e(indexes, model, e2e_queries(persons, args.queries), args.limit).items():
            rows[size].update(e2e)
    report(rows, sizes, model, embedder)
    return 0


def report(rows: dict, sizes: list[int], model, embedder) -> None:
    print()
    header = f"{'targets':>8} {'screen p50 ms':>14} {'p95 ms':>8} {'candidates':>11} {'audit prompt tok':>17}"
    print(header + f" {'e2e p50 s':>10} {'agent tok':>10} {'index RSS MB':>13} {'vectors':>9} {'vector MB':>10}"
                   f" {'build s':>8}")
    for size in sizes:
        r = rows[size]
        print(f"{size:>8} {r['p50_ms']:>14.1f} {r['p95_ms']:>8.1f} {r['candidates']:>11.1f} {r['tokens']:>17.1f} "
              f"{r.get('p50_s', float('nan')):>10.2f} {r.get('agent_prompt_tokens', float('nan')):>10.1f} "
              f"{r['rss_mb']:>13.0f} {r['vectors']:>9} {r['vector_mb']:>10.0f} {r['build_s']:>8.1f}")
    lo, hi = rows[sizes[0]], rows[sizes[-1]]
    print(f"\nratio {sizes[-1]} / {sizes[0]}: screening p50 {hi['p50_ms'] / lo['p50_ms']:.2f}, "
          f"p95 {hi['p95_ms'] / lo['p95_ms']:.2f}, audit prompt tokens {hi['tokens'] / lo['tokens']:.2f}"
          + (f", end-to-end p50 {hi['p50_s'] / lo['p50_s']:.2f}, agent prompt tokens "
             f"{hi['agent_prompt_tokens']:.0f} vs {lo['agent_prompt_tokens']:.0f}" if model else ""))
    print("screening without the encoder (every vector looked up), p50 / p95 ms: "
          + ", ".join(f"{s}: {rows[s]['index_p50_ms']:.2f} / {rows[s]['index_p95_ms']:.2f}" for s in sizes)
          + f"; ratio {sizes[-1]} / {sizes[0]}: p50 {hi['index_p50_ms'] / lo['index_p50_ms']:.2f}, "
            f"p95 {hi['index_p95_ms'] / lo['index_p95_ms']:.2f}")
    if model:
        print("end-to-end paths per size: " + "; ".join(f"{s}: {rows[s]['paths']}" for s in sizes))
    print("\nscreening recall (target among the candidates, or in the group candidate of a last name that more targets "
          "share than fit; ': own' = among the candidates on its own), found/total:")
    kinds = (list(MENTION_KINDS) + [f"{k}: own" for k in OWN_KINDS] + [f"{k}: named" for k in NAMED_KINDS]
             + ["clean: any candidate", "clean: a name mention", "clean: named (refused)"])
    print(f"{'kind':>22} " + " ".join(f"{s:>14}" for s in sizes))
    for kind in kinds:
        cells = []
        for size in sizes:
            found, total = rows[size]["recall"].get(kind, (0, 0))
            cells.append(f"{found / total:.3f} ({total})" if total else "-")
        print(f"{kind:>22} " + " ".join(f"{c:>14}" for c in cells))
    big = sizes[-1]
    r = rows[big]
    print(f"\nstart-up at {big}: first build {r['build_s']:.1f}s (encoded {r['encoded']}), warm build (all vectors "
          f"from the cache) {r['warm_build_s']:.1f}s (encoded {r['warm_encoded']}); "
          f"index RSS delta {r['rss_mb']:.0f} MB; a full garbage collection with every registry in memory: "
          f"{r['gc_ms'][0]:.1f} ms frozen (after the bulk load), {r['gc_ms'][1]:.0f} ms unfrozen")
    rate = cold_rate(embedder)
    print(f"cold encoding rate (new profiles and knowledge, empty cache): {rate:.0f} texts/s -> "
          f"{r['vectors'] / rate / 60:.1f} min to encode the {r['vectors']} texts of {big} targets on this machine")


if __name__ == "__main__":
    raise SystemExit(main())
