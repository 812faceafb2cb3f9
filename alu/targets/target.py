"""Forget targets: what the system must stop revealing."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError

KINDS = ("person", "topic", "fact", "passage")
MAX_KNOWLEDGE_CHARS = 10_000  # one knowledge text: a fact, a QA pair, a passage


@dataclass(frozen=True)
class Target:
    """One thing to forget: a name with its aliases, an optional description, and the knowledge to forget with it
    (facts, question-answer pairs, passages, example questions; for a topic, examples of what is in scope)."""

    name: str
    aliases: tuple[str, ...] = ()
    kind: str = "person"
    description: str = ""
    id: str = ""
    knowledge: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ConfigError("a target needs a non-empty name")
        if self.kind not in KINDS:
            raise ConfigError(f"unknown target kind {self.kind!r} (expected one of {', '.join(KINDS)})")
        object.__setattr__(self, "name", self.name.strip())
        object.__setattr__(self, "aliases", tuple(a.strip() for a in self.aliases if a.strip()))
        if not all(isinstance(text, str) for text in self.knowledge):
            raise ConfigError("knowledge must be a list of texts")
        object.__setattr__(self, "knowledge", tuple(dict.fromkeys(k.strip() for k in self.knowledge if k.strip())))
        if not self.id:
            object.__setattr__(self, "id", " ".join(self.name.split()).casefold())

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


def check_target(target: Target) -> None:
    """Names and aliases must survive every file format: no `|` and no line breaks. Knowledge texts are at most
    MAX_KNOWLEDGE_CHARS characters."""
    for form in target.surface_forms:
        if "|" in form or "\n" in form or "\r" in form:
            raise ConfigError("names and aliases cannot contain '|' or line breaks")
    if any(len(text) > MAX_KNOWLEDGE_CHARS for text in target.knowledge):
        raise ConfigError(f"a knowledge text is longer than {MAX_KNOWLEDGE_CHARS} characters; split it")
