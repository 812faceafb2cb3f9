"""The registry's records: an erasure request, a stored target, one change of the history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .target import Target


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
                "description": target.description, "knowledge": list(target.knowledge), "reason": self.reason,
                "requester": self.requester, "created_at": self.created_at, "updated_at": self.updated_at,
                "active": self.active}


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
