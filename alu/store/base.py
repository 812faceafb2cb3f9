"""What every registry backend offers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from ..targets import Target


@dataclass(frozen=True)
class ErasureRequest:
    """A target to forget, with why and for whom (one line of an import file, or one `alu targets add`)."""

    target: Target
    reason: str = ""
    requester: str = ""


@dataclass(frozen=True)
class TargetRecord:
    """A target as stored, with who asked for its erasure and why."""

    target: Target
    reason: str
    requester: str
    created_at: str  # ISO 8601, UTC
    updated_at: str
    active: bool

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON values (history snapshots, exports, --json output)."""
        target = self.target
        return {"id": target.id, "name": target.name, "aliases": list(target.aliases), "kind": target.kind,
                "description": target.description, "reason": self.reason, "requester": self.requester,
                "created_at": self.created_at, "updated_at": self.updated_at, "active": self.active}


@dataclass(frozen=True)
class Change:
    """One entry of the history: who changed which target, when and why."""

    seq: int  # strictly increasing over the whole store, in commit order
    target_id: str
    action: str  # add (also re-add), update, remove
    actor: str
    reason: str
    at: str  # ISO 8601, UTC
    target: Target  # the target as it was after the change (for remove: as it was before)

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "target_id": self.target_id, "action": self.action, "actor": self.actor,
                "reason": self.reason, "at": self.at, "name": self.target.name}


class Store(Protocol):
    """A registry of forget targets shared by every process that opens the same database."""

    def add(self, target: Target, *, reason: str = "", requester: str = "", actor: str = "") -> TargetRecord:
        """Add a target, re-add a removed one, or update an active one with the same id."""
        ...

    def add_many(self, requests: Iterable[ErasureRequest], *, actor: str = "") -> list[Change]:
        """Add or update all of them in one transaction: all or nothing. Unchanged targets make no change."""
        ...

    def remove(self, target_id: str, *, reason: str = "", actor: str = "") -> None:
        """Deactivate a target (its history stays); ConfigError if no active target has this id."""
        ...

    def get(self, target_id: str) -> TargetRecord | None: ...

    def list(self, include_removed: bool = False) -> list[TargetRecord]: ...

    def history(self, target_id: str | None = None) -> list[Change]: ...

    def changes_since(self, seq: int) -> list[Change]:
        """Changes with a sequence number above seq, oldest first (for incremental sync)."""
        ...

    def version(self) -> int:
        """The sequence number of the latest change (0 for an empty store); one cheap query."""
        ...

    def record_decisions(self, decisions: list[tuple[str, dict[str, Any]]]) -> None:
        """Log (decision id, record) pairs in one transaction; a record logged again under its id replaces it."""
        ...

    def get_decision(self, decision_id: str) -> dict[str, Any] | None: ...

    def purge_decisions(self, older_than_days: float) -> int: ...

    def close(self) -> None: ...
