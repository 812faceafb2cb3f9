"""The deterministic guard against the disguised-name corpus (tests/disguises.py), in process: per category, how many
disguised forms it finds (each in two sentences), and which clean answers it flags (false positives).

The end-to-end check, through a real `alu serve` process, is tests/test_disguised_names.py.

    python benchmarks/disguised_names.py
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from disguises import CLEAN, TARGETS, disguises  # noqa: E402

from alu.screening.mentions import MentionIndex  # noqa: E402


def main() -> None:
    index = MentionIndex(TARGETS)
    found, total = Counter(), Counter()
    for disguise in disguises():
        for i in range(2):
            total[disguise.category] += 1
            found[disguise.category] += any(m.target_id == disguise.target.id for m in index.find(disguise.sentence(i)))
    print(f"{'category':28} {'found':>7}")
    for category in total:
        print(f"{category:28} {found[category]:>3}/{total[category]:<3}")
    print(f"{'all':28} {sum(found.values()):>3}/{sum(total.values())}")
    flagged = [(text, [text[m.start : m.end] for m in index.find(text)]) for text in CLEAN]
    flagged = [(text, spans) for text, spans in flagged if spans]
    print(f"\nfalse positives: {len(flagged)} of {len(CLEAN)} clean answers ({len(flagged) / len(CLEAN):.1%})")
    for text, spans in flagged:
        print(f"  {text!r}: {spans}")


if __name__ == "__main__":
    main()
