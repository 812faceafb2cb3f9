"""What every registry backend offers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ..targets import Target


@dataclass(frozen=True)
class TargetRecord:
    """A target as stored, with who asked for its erasure and why."""

    target: Target
    reason: str
    requester: str
    created_at: str  # ISO 8601, UTC
    updated_at: str
    active: bool


@dataclass(frozen=True)
class Change:
    """One entry of the history: who changed which target, when and why."""

    seq: int  # strictly increasing over the whole store
    target_id: str
    action: str  # add, update, remove
    actor: str
    reason: str
    at: str  # ISO 8601, UTC
    target: Target  # the target as it was after the change (for remove: as it was before)


class Store(Protocol):
    """A registry of forget targets shared by every process that opens the same database."""

    def add(self, target: Target, *, reason: str = "", requester: str = "", actor: str = "") -> TargetRecord: ...

    def remove(self, target_id: str, *, reason: str = "", actor: str = "") -> None: ...

    def get(self, target_id: str) -> TargetRecord | None: ...

    def list(self, include_removed: bool = False) -> list[TargetRecord]: ...

    def history(self, target_id: str | None = None) -> list[Change]: ...

    def changes_since(self, seq: int) -> list[Change]:
        """Changes with a sequence number above seq, oldest first (for incremental sync)."""
        ...

    def version(self) -> int:
        """The sequence number of the latest change (0 for an empty store); one cheap query."""
        ...

    def record_decision(self, decision_id: str, record: dict[str, Any]) -> None: ...

    def get_decision(self, decision_id: str) -> dict[str, Any] | None: ...

    def purge_decisions(self, older_than_days: float) -> int: ...

    def close(self) -> None: ...
