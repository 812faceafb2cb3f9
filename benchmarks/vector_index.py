"""Which vector index for knowledge chunks (issue 14): recall against exact search on real texts, memory, build and
query time, and whether a chunk can be removed without a rebuild, for faiss, usearch and hnswlib side by side.

Chunks: real knowledge-like texts, all-MiniLM-L6-v2 vectors: the TOFU QA pairs (4,000, "question answer"), the WMDP
bio and cyber questions (3,260) and the MMLU test questions (14,042). Queries, not among the chunks: the TOFU forget10
paraphrased questions (400) and the MMLU validation questions (1,531). Ground truth: the exact top 10 by cosine.
At larger sizes the real vectors are joined by noisy copies of them (each a real vector plus Gaussian noise,
renormalised), so the neighbourhoods stay as crowded as real text's; recall is then measured on the real queries.

    pip install faiss-cpu usearch hnswlib      # not dependencies of alu: this script chooses among them
    python benchmarks/vector_index.py [--sizes 21126,200000] [--queries 400]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from alu.embedding import default_cache, encode_cached, get_embedder  # noqa: E402
from benchmarks.screening_data import _jsonl, data_dir  # noqa: E402

K = 10
M, EF = 32, 128  # the same graph degree and candidate list for every HNSW index (build and search)
NOISE = 0.35  # norm of the noise added to a real vector for a synthetic chunk (cosine to its source about 0.94)


def texts() -> tuple[list[str], list[str]]:
    """(chunks, queries) from the benchmark data."""
    root = data_dir()
    chunks = [f"{r['question']} {r['answer']}" for r in _jsonl(root / "tofu" / "full.jsonl")]
    chunks += [r["question"] for name in ("wmdp_bio", "wmdp_cyber") for r in _jsonl(root / "wmdp" / f"{name}.jsonl")]
    chunks += [r["question"] for r in _jsonl(root / "mmlu" / "test.jsonl")]
    queries = [r["paraphrased_question"] for r in _jsonl(root / "tofu" / "forget10_perturbed.jsonl")]
    queries += [r["question"] for r in _jsonl(root / "mmlu" / "val.jsonl")]
    return list(dict.fromkeys(chunks)), queries


def encode(embedder, items: list[str]) -> np.ndarray:
    """Vectors from alu's embedding cache (a rerun encodes nothing)."""
    started = time.perf_counter()
    vectors, encoded = encode_cached(embedder, items, default_cache())
    print(f"{len(items)} texts ({encoded} encoded) in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return np.asarray(vectors, dtype=np.float32)


def grown(real: np.ndarray, size: int, seed: int = 7) -> np.ndarray:
    """The real vectors, then noisy copies of them up to size."""
    rng = np.random.default_rng(seed)
    extra = size - len(real)
    if extra <= 0:
        return real[:size]
    source = real[rng.integers(0, len(real), extra)]
    noise = rng.standard_normal(source.shape).astype(np.float32)
    noise *= NOISE / np.linalg.norm(noise, axis=1, keepdims=True)
    copies = source + noise
    copies /= np.linalg.norm(copies, axis=1, keepdims=True)
    return np.vstack([real, copies.astype(np.float32)])


@dataclass
class Built:
    search: Callable[[np.ndarray], np.ndarray]  # one query vector -> ids of the top K
    bytes: int
    removable: bool


def exact(vectors: np.ndarray) -> Built:
    return Built(lambda q: np.argpartition(-(vectors @ q), K)[:K], vectors.nbytes, True)


def faiss_index(vectors: np.ndarray, quantised: bool) -> Built:
    import faiss

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    dim = vectors.shape[1]
    index = (faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit, M, faiss.METRIC_INNER_PRODUCT) if quantised
             else faiss.IndexHNSWFlat(dim, M, faiss.METRIC_INNER_PRODUCT))
    index.hnsw.efConstruction = EF
    if quantised:
        index.train(vectors)
    index.add(vectors)
    index.hnsw.efSearch = EF
    faiss.omp_set_num_threads(1)
    size = len(faiss.serialize_index(index))
    return Built(lambda q: index.search(q[None, :], K)[1][0], size, False)  # HNSW in faiss cannot remove


def usearch_index(vectors: np.ndarray, dtype: str) -> Built:
    from usearch.index import Index

    index = Index(ndim=vectors.shape[1], metric="cos", dtype=dtype, connectivity=M, expansion_add=EF,
                  expansion_search=EF)
    index.add(np.arange(len(vectors)), vectors, threads=os.cpu_count() or 1)
    with tempfile.TemporaryDirectory() as tmp:
        index.save(f"{tmp}/index.usearch")
        size = os.path.getsize(f"{tmp}/index.usearch")
    return Built(lambda q: index.search(q, K, threads=1).keys, size, True)


def hnswlib_index(vectors: np.ndarray) -> Built:
    import hnswlib

    index = hnswlib.Index(space="ip", dim=vectors.shape[1])
    index.init_index(max_elements=len(vectors), ef_construction=EF, M=M)
    index.add_items(vectors, np.arange(len(vectors)), num_threads=os.cpu_count() or 1)
    index.set_ef(EF)
    index.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        index.save_index(f"{tmp}/index.bin")
        size = os.path.getsize(f"{tmp}/index.bin")
    return Built(lambda q: index.knn_query(q, K)[0][0], size, True)  # mark_deleted: removal without a rebuild


CANDIDATES: dict[str, Callable[[np.ndarray], Built]] = {
    "exact float32 (numpy)": exact,
    "faiss HNSW float32": lambda v: faiss_index(v, False),
    "faiss HNSW int8 (SQ8)": lambda v: faiss_index(v, True),
    "usearch HNSW float16": lambda v: usearch_index(v, "f16"),
    "usearch HNSW int8": lambda v: usearch_index(v, "i8"),
    "hnswlib HNSW float32": hnswlib_index,
}


def measure(vectors: np.ndarray, queries: np.ndarray) -> list[tuple]:
    truth = [set(np.argsort(-(vectors @ q))[:K].tolist()) for q in queries]
    rows = []
    for name, build in CANDIDATES.items():
        gc.collect()
        started = time.perf_counter()
        built = build(vectors)
        build_s = time.perf_counter() - started
        latencies, found = [], 0
        for query, expected in zip(queries, truth, strict=True):
            started = time.perf_counter()
            ids = built.search(query)
            latencies.append(time.perf_counter() - started)
            found += len(expected & {int(i) for i in ids})
        rows.append((name, found / (K * len(queries)), 1000 * statistics.median(latencies),
                     1000 * sorted(latencies)[int(0.95 * len(latencies))], built.bytes / len(vectors), build_s,
                     built.removable))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="21126,200000")
    parser.add_argument("--queries", type=int, default=400, help="queries per size (the first N of the query set)")
    args = parser.parse_args()
    chunks, query_texts = texts()
    embedder = get_embedder()
    real = encode(embedder, chunks)
    step = max(len(query_texts) // args.queries, 1)
    queries = encode(embedder, query_texts[::step][: args.queries])
    print(f"chunks: {len(chunks)} real texts; queries: {len(queries)}; recall@{K} against exact float32 search; "
          f"HNSW M={M}, ef={EF} (construction and search); queries one at a time on one thread")
    for size in (int(s) for s in args.sizes.split(",")):
        vectors = grown(real, size)
        print(f"\n{len(vectors)} chunks ({len(real)} real, the rest noisy copies)")
        print(f"{'index':26} {'recall@10':>9} {'p50 ms':>7} {'p95 ms':>7} {'bytes/chunk':>11} {'build s':>8} "
              f"{'remove':>6}  (1 GB at 1,000,000 chunks = 1074 bytes/chunk)")
        for name, recall, p50, p95, per_chunk, build_s, removable in measure(vectors, queries):
            print(f"{name:26} {recall:9.3f} {p50:7.3f} {p95:7.3f} {per_chunk:11.0f} {build_s:8.1f} "
                  f"{'yes' if removable else 'no':>6}")


if __name__ == "__main__":
    main()
