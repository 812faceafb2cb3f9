"""The record of every decision taken for one request."""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Step:
    """One agent's work: what it decided and what it cost."""

    agent: str
    latency_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    llm_calls: int = 0
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Trace:
    """Every step of one request; `path` is fast, rewrite or refuse."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    path: str = ""
    reason: str = ""
    candidates: list[str] = field(default_factory=list)
    detected: list[str] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)
    ratings: list[float] = field(default_factory=list)
    chosen: list[int] = field(default_factory=list)
    error: str = ""
    steps: list[Step] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic, repr=False)
    total_s: float = 0.0

    def step(self, agent: str) -> Step:
        """Start recording a new step."""
        record = Step(agent=agent)
        self.steps.append(record)
        return record

    def snapshot(self) -> dict[str, Any]:
        """The fields now, their lists copied: restore(snapshot) undoes what a step added since."""
        return {name: list(value) if isinstance(value, list) else value for name, value in vars(self).items()}

    def restore(self, snapshot: dict[str, Any]) -> None:
        vars(self).update(snapshot)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("started")
        return data

    def summary(self) -> str:
        """Human-readable account of the request."""
        lines = [f"path: {self.path}" + (f" ({self.reason})" if self.reason else "")]
        if self.error:
            lines.append(f"error: {self.error}")
        lines.append(f"candidates: {', '.join(self.candidates) or '-'}")
        lines.append(f"detected leaks: {', '.join(self.detected) or '-'}")
        for index, variant in enumerate(self.variants):
            rating = f"{self.ratings[index]:.2f}" if index < len(self.ratings) else "-"
            mark = "*" if index in self.chosen else " "
            lines.append(f" {mark} variant {index + 1} [rating {rating}]: {variant}")
        for step in self.steps:
            cost = f"{step.latency_s * 1000:.0f} ms, {step.llm_calls} LLM call(s), "
            cost += f"{step.prompt_tokens}+{step.completion_tokens} tokens"
            lines.append(f"  {step.agent:<10} {cost}")
        lines.append(f"total: {self.total_s:.2f} s")
        return "\n".join(lines)
