"""What one `alu eval` run is configured with, defined once (the CLI options are made from these fields)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Literal

from ..errors import ConfigError
from ..settings import setting
from .methods import METHODS


def pairs(values: tuple[str, ...], option: str) -> dict[str, int]:
    """`NAME=N` pairs as a mapping (option: the option they came from, for the error message)."""
    found = {}
    for value in values:
        key, sep, number = value.partition("=")
        if not sep or not number.isdigit():
            raise ConfigError(f"{option} takes NAME=N, got {value!r}")
        found[key.strip()] = int(number)
    return found


def method_list(value: str) -> tuple[str, ...]:
    """Comma-separated method names, each one of METHODS."""
    names = tuple(m.strip() for m in value.split(",") if m.strip())
    unknown = [m for m in names if m not in METHODS]
    if unknown or not names:
        raise ConfigError(f"unknown method(s) {', '.join(unknown) or '(none)'}; expected {', '.join(METHODS)}")
    return names


@dataclass(frozen=True)
class EvalSettings:
    """One evaluation run: which methods, how many items, where the data comes from and where results go."""

    out: str = setting("", metavar="DIR", help="Output directory (re-running with the same one resumes).")
    methods: str = setting("", metavar="LIST", help="Comma-separated: vanilla, prompt, filter, icul, alu-paper, alu "
                           "(default: all of them; for scale: alu,alu-paper,prompt).")
    limit: int | None = setting(None, minimum=1, help="Items per split (default: all).")
    split_limit: dict[str, int] = setting(default_factory=dict, parse=partial(pairs, option="--split-limit"),
                                          metavar="SPLIT=N",
                                          help="Items for one split (repeatable).")
    method_limit: dict[str, int] = setting(default_factory=dict, parse=partial(pairs, option="--method-limit"),
                                           metavar="METHOD[@SPLIT]=N",
                                           help="Run a slow method on the first N items of each split (or of one "
                                           "split) only (repeatable).")
    knowledge: bool = setting(True, help="Give each question its retrieved passages (TOFU, WPU); off for a backbone "
                              "fine-tuned on the data.")
    data_dir: str | None = setting(None, metavar="DIR",
                                   help="Benchmark JSON Lines (default: $ALU_DATA_DIR, else ../shared/data).")
    source: Literal["local", "hf"] = setting("local", help="`hf` loads TOFU, WMDP and MMLU from the Hugging Face "
                                             "hub (needs `datasets`).")
    seed: int = setting(0, help="Random seed (sampling, item samples, guesses).")
    max_tokens: int | None = setting(None, minimum=1,
                                     help="Answer length (default: 128 for questions, 16 for multiple choice).")
    progress: bool = setting(True, help="Show a progress bar.")
