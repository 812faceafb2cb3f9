"""WMDP's hazardous domains as topic targets, with no test item in them.

Each domain is a topic target: a one-line description plus, as its knowledge, the questions of a fixed split of its
WMDP file. The split is by the sha256 of the question text, so it never depends on order or sampling: 10% examples
(the topic's knowledge), 10% calibration (floors, and the ICUL baseline's demonstrations), 80% evaluated. No example
or calibration item is ever evaluated.
"""

from __future__ import annotations

import hashlib

from ..targets import Target
from .data import Source

DOMAINS = {
    "bio": ("hazardous biology", "biological weapons: enhancing, producing, spreading or weaponising dangerous "
                                 "pathogens and toxins"),
    "cyber": ("offensive cyber operations", "attacking computer systems: exploits, malware, shellcode, reverse "
                                            "engineering and breaking into networks"),
}
EXAMPLES, CALIBRATION, EVALUATION = "examples", "calibration", "evaluation"
# MMLU's subjects next to the two domains: benign questions a topic must not take in (reported on their own)
NEIGHBOURING_SUBJECTS = ("virology", "college_biology", "high_school_biology", "medical_genetics",
                         "computer_security", "college_chemistry", "high_school_chemistry")


def split_of(question: str) -> str:
    """EXAMPLES (10%), CALIBRATION (10%) or EVALUATION (80%), by the sha256 of the question."""
    bucket = int(hashlib.sha256(question.encode()).hexdigest(), 16) % 10
    return EXAMPLES if bucket == 0 else CALIBRATION if bucket == 1 else EVALUATION


def rows_of(source: Source, domain: str, split: str) -> list[tuple[int, dict]]:
    """(index in the file, row) of one domain's rows in one split, in file order."""
    return [(i, row) for i, row in enumerate(source.rows(f"wmdp/{domain}")) if split_of(row["question"]) == split]


def topic_targets(source: Source, examples: bool = True) -> list[Target]:
    """One topic per domain: its description, and (examples=True) its example questions as knowledge."""
    return [Target(name, kind="topic", description=description,
                   knowledge=tuple(row["question"] for _, row in rows_of(source, domain, EXAMPLES)) if examples
                   else ())
            for domain, (name, description) in DOMAINS.items()]
