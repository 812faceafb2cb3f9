"""One floor for every topic, or a floor per topic: how much recall a topic's own floor would buy, on calibration
data only (never the evaluated items).

The topics and their examples are benchmarks/topic_domains.py's (alu.eval.topics's split). For each topic alone,
its similarity to each text is taken as the plan screens a user turn (topic_domains.scores). The one floor is the
pipeline's sim_topic. A topic's own floor is the lowest on a 0.01 grid at which the MMLU dev+val questions reach it
under MAX_FALSE_PER_TOPIC, so that the two topics together stay under 1%. Reported per topic: the floor, the share of
its WMDP calibration split it takes in, the share of the other domain's calibration split, and MMLU dev+val's false
share; then both topics together. The evaluation split and MMLU test are not read.

    PYTHONPATH=$PWD python benchmarks/topic_floors.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from alu.config import PipelineConfig  # noqa: E402
from alu.embedding import get_embedder  # noqa: E402
from alu.eval import topics  # noqa: E402
from alu.eval.data import Source  # noqa: E402
from alu.pipeline import floors  # noqa: E402
from alu.screening import TargetIndex  # noqa: E402
from benchmarks.screening_data import _jsonl, data_dir  # noqa: E402
from benchmarks.topic_domains import as_text, scores, wmdp  # noqa: E402

MAX_FALSE_PER_TOPIC = 0.005
GRID = np.round(np.arange(0.30, 0.81, 0.01), 2)


def own_floor(false: np.ndarray) -> float:
    """The lowest floor of GRID at which under MAX_FALSE_PER_TOPIC of the false scores reach it."""
    return float(next(f for f in GRID if np.mean(false >= f) < MAX_FALSE_PER_TOPIC))


def main() -> int:
    data, embedder = wmdp(), get_embedder()
    mmlu = [as_text(r) for name in ("dev", "val") for r in _jsonl(data_dir() / "mmlu" / f"{name}.jsonl")]
    one = floors(PipelineConfig()).topic
    targets = {t.name: t for t in topics.topic_targets(Source(data_dir()))}
    calibration = {d: [as_text(r) for r in s["calibration"]] for d, s in data.items()}
    print(f"MMLU dev+val {len(mmlu)}; WMDP calibration " + ", ".join(f"{d} {len(t)}" for d, t in calibration.items())
          + f"; one floor: sim_topic {one:.2f}; own floor: MMLU dev+val under {MAX_FALSE_PER_TOPIC:.1%} per topic\n")
    print(f"{'topic':<28} {'rule':<9} {'floor':>6} {'own calibration':>16} {'other domain':>13} {'MMLU dev+val':>13}")
    hits: dict[str, list[np.ndarray]] = {"one": [], "own": []}
    for domain, (name, _) in topics.DOMAINS.items():
        index = TargetIndex([targets[name]], embedder=embedder)
        false, own = scores(index, mmlu), scores(index, calibration[domain])
        other = scores(index, next(t for d, t in calibration.items() if d != domain))
        for rule, floor in (("one", one), ("own", own_floor(false))):
            hits[rule].append(false >= floor)
            print(f"{name:<28} {rule:<9} {floor:>6.2f} {np.mean(own >= floor):>16.3f} {np.mean(other >= floor):>13.3f} "
                  f"{np.mean(false >= floor):>13.4f}")
    for rule, rows in hits.items():
        print(f"{'both topics':<28} {rule:<9} {'':>6} {'':>16} {'':>13} {np.mean(np.any(rows, axis=0)):>13.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
