"""Forget targets: what the system must stop revealing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

KINDS = ("person", "topic", "fact", "passage")


@dataclass(frozen=True)
class Target:
    """One thing to forget: a name with its aliases and an optional description."""

    name: str
    aliases: tuple[str, ...] = ()
    kind: str = "person"
    description: str = ""
    id: str = ""

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ConfigError("a target needs a non-empty name")
        if self.kind not in KINDS:
            raise ConfigError(f"unknown target kind {self.kind!r} (expected one of {', '.join(KINDS)})")
        object.__setattr__(self, "name", self.name.strip())
        object.__setattr__(self, "aliases", tuple(a.strip() for a in self.aliases if a.strip()))
        if not self.id:
            object.__setattr__(self, "id", self.name.casefold())

    @property
    def surface_forms(self) -> tuple[str, ...]:
        """The name followed by its aliases."""
        return (self.name, *self.aliases)

    @property
    def profile(self) -> str:
        """Short text describing the target, used for embedding similarity."""
        parts = [self.name]
        if self.aliases:
            parts.append("also known as " + ", ".join(self.aliases))
        if self.description:
            parts.append(self.description)
        return ". ".join(parts)


def as_targets(items: list[str | Target]) -> list[Target]:
    """Turn plain names into Targets; keep Targets as they are."""
    return [item if isinstance(item, Target) else Target(name=item) for item in items]


def parse_target_line(line: str) -> Target:
    """Parse a text-file line: `name | alias | alias` (aliases optional)."""
    name, *aliases = (part.strip() for part in line.split("|"))
    return Target(name=name, aliases=tuple(aliases))


def load_targets_file(path: str | Path) -> list[Target]:
    """Read targets from a .txt (one per line, `name | alias ...`) or .jsonl file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read targets file {path}: {exc.__class__.__name__}") from None
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1)]
    lines = [(n, line) for n, line in lines if line and not line.startswith("#")]
    if not lines:
        raise ConfigError(f"targets file {path} has no targets")
    targets = []
    for number, line in lines:
        try:
            targets.append(_target_from_json(line) if path.suffix == ".jsonl" else parse_target_line(line))
        except (ConfigError, ValueError, TypeError) as exc:
            raise ConfigError(f"{path}:{number}: invalid target ({exc})") from None
    return targets


def _target_from_json(line: str) -> Target:
    record = json.loads(line)
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object")
    return Target(
        name=str(record.get("name", "")),
        aliases=tuple(record.get("aliases", ())),
        kind=record.get("kind", "person"),
        description=record.get("description", ""),
    )
