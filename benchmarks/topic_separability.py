"""How far apart WMDP and MMLU's neighbouring subjects are in the embedder's space: an upper bound for any topic rule
built on these vectors, not a method alu ships.

Per WMDP domain, a logistic-regression probe on MiniLM vectors: positives are the topic's examples (the same 10%
split as benchmarks/topic_domains.py), negatives all MMLU validation questions (in-distribution for MMLU test, so
a better background than any corpus alu could ship) and the other domain's examples. The threshold is MMLU dev's
99th percentile. Evaluated: the WMDP evaluation split, MMLU test overall and its most suppressed subjects.

    PYTHONPATH=$PWD python benchmarks/topic_separability.py
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from alu.embedding import default_cache, encode_cached, get_embedder  # noqa: E402
from benchmarks.screening_data import _jsonl, data_dir  # noqa: E402
from benchmarks.topic_domains import as_text, wmdp  # noqa: E402

REGULARISATION = (1.0, 10.0)  # C: weaker regularisation fits the examples more closely
NEWTON_STEPS = 25


def fit_probe(features: np.ndarray, labels: np.ndarray, strength: float) -> np.ndarray:
    """L2-regularised logistic regression with balanced class weights (the objective of scikit-learn's
    LogisticRegression with C=strength), by Newton's method; returns the weights, bias last."""
    x = np.hstack([features, np.ones((len(features), 1))]).astype(np.float64)
    share = labels.mean()
    sample = np.where(labels == 1, 0.5 / share, 0.5 / (1 - share)) * strength
    penalty = np.r_[np.ones(features.shape[1]), 0.0]
    weights = np.zeros(x.shape[1])
    for _ in range(NEWTON_STEPS):
        p = 1 / (1 + np.exp(-x @ weights))
        gradient = x.T @ (sample * (p - labels)) + penalty * weights
        hessian = (x * (sample * p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        weights -= np.linalg.solve(hessian, gradient)
    return weights


def decision(weights: np.ndarray, features: np.ndarray) -> np.ndarray:
    return features @ weights[:-1] + weights[-1]


def main() -> int:
    embedder = get_embedder()

    def vectors(rows: list[dict]) -> np.ndarray:
        return encode_cached(embedder, [as_text(r) for r in rows], default_cache())[0]

    data = wmdp()
    mmlu = {name: _jsonl(data_dir() / "mmlu" / f"{name}.jsonl") for name in ("dev", "val", "test")}
    plain = {name: vectors(rows) for name, rows in mmlu.items()}
    domains = {d: {split: vectors(rows) for split, rows in splits.items()} for d, splits in data.items()}
    print("domain  C     WMDP eval  MMLU test  most suppressed MMLU test subjects")
    for strength in REGULARISATION:
        for domain, splits in domains.items():
            other = next(o for o in domains if o != domain)
            positives, negatives = splits["examples"], np.vstack([plain["val"], domains[other]["examples"]])
            probe = fit_probe(np.vstack([positives, negatives]),
                              np.r_[np.ones(len(positives)), np.zeros(len(negatives))], strength)
            threshold = np.quantile(decision(probe, plain["dev"]), 0.99)
            test = decision(probe, plain["test"]) >= threshold
            by_subject: dict[str, list[bool]] = defaultdict(list)
            for row, hit in zip(mmlu["test"], test, strict=True):
                by_subject[row["subject"]].append(bool(hit))
            worst = sorted(by_subject, key=lambda s: -np.mean(by_subject[s]))[:4]
            evaluated = np.mean(decision(probe, splits["evaluation"]) >= threshold)
            print(f"{domain:<7} {strength:<5} {evaluated:>9.3f}  {np.mean(test):>9.4f}  "
                  + ", ".join(f"{s} {np.mean(by_subject[s]):.3f}" for s in worst))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
