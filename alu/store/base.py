"""What every registry backend offers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from ..targets import Change, ErasureRequest, Target, TargetRecord


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

    def recent_decisions(self, limit: int) -> list[tuple[str, dict[str, Any]]]:
        """The latest limit (decision id, record) pairs, newest first."""
        ...

    def purge_decisions(self, older_than_days: float) -> int: ...

    def close(self) -> None: ...
