"""The registry logic shared by the SQLite and PostgreSQL backends: the same statements over two connections."""

from __future__ import annotations

import getpass
import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from importlib import resources
from typing import Any

from ..errors import ConfigError, StoreError
from ..inline import blocking, holding
from ..targets import Change, ErasureRequest, Target, TargetRecord, check_target

TARGET_COLUMNS = ("id, name, aliases, kind, description, knowledge, reason, requester, created_at, updated_at, "
                  "active")
HISTORY_COLUMNS = "seq, target_id, action, actor, reason, at, snapshot"


class SQLStore:
    """A Store over a DB-API connection. Subclasses open the connection and the exclusive write transaction.

    Writers are serialised (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock), so the history's sequence
    numbers are assigned in commit order and `changes_since` never skips a change committed late.
    """

    backend = ""  # names the folder of numbered migrations: migrations/<backend>/NNNN_name.sql
    db_errors: tuple[type[Exception], ...] = ()
    remote = False  # queries go over the network: never on an event loop (alu.inline)

    def __init__(self, connection: Any) -> None:
        self._conn = connection
        self._lock = threading.RLock()  # one connection, shared by the threads of this process
        self._migrate()

    # -- backend hooks

    def _sql(self, statement: str) -> str:
        """The statement in the driver's placeholder style (written here with `?`)."""
        return statement

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """An exclusive write transaction, committed on success and rolled back on any exception."""
        raise NotImplementedError

    # -- targets

    def add(self, target: Target, *, reason: str = "", requester: str = "", actor: str = "") -> TargetRecord:
        self.add_many([ErasureRequest(target, reason, requester)], actor=actor)
        return self.get(target.id)

    def add_many(self, requests: Iterable[ErasureRequest], *, actor: str = "") -> list[Change]:
        actor = actor or default_actor()
        with self._write():
            return [change for request in requests if (change := self._put(request, actor))]

    def remove(self, target_id: str, *, reason: str = "", actor: str = "") -> None:
        with self._write():
            record = self.get(target_id)
            if record is None or not record.active:
                raise ConfigError(f"no active target with id {target_id!r} in the registry")
            self._execute("UPDATE targets SET active = ?, updated_at = ? WHERE id = ?", (False, now(), target_id))
            self._log(target_id, "remove", actor or default_actor(), reason, record)

    def get(self, target_id: str) -> TargetRecord | None:
        rows = self._query(f"SELECT {TARGET_COLUMNS} FROM targets WHERE id = ?", (target_id,))
        return _record(rows[0]) if rows else None

    def list(self, include_removed: bool = False) -> list[TargetRecord]:
        where = "" if include_removed else " WHERE active = ?"
        rows = self._query(f"SELECT {TARGET_COLUMNS} FROM targets{where}", () if include_removed else (True,))
        return sorted(map(_record, rows), key=lambda r: (r.target.name.casefold(), r.target.id))

    def history(self, target_id: str | None = None) -> list[Change]:
        if target_id is None:
            return self.changes_since(0)
        rows = self._query(f"SELECT {HISTORY_COLUMNS} FROM history WHERE target_id = ? ORDER BY seq", (target_id,))
        return [_change(row) for row in rows]

    def changes_since(self, seq: int) -> list[Change]:
        rows = self._query(f"SELECT {HISTORY_COLUMNS} FROM history WHERE seq > ? ORDER BY seq", (seq,))
        return [_change(row) for row in rows]

    def version(self) -> int:
        return self._query("SELECT COALESCE(MAX(seq), 0) FROM history")[0][0]

    # -- decisions log

    def record_decisions(self, decisions: list[tuple[str, dict[str, Any]]]) -> None:
        rows = [(decision_id, now(), json.dumps(record, ensure_ascii=False)) for decision_id, record in decisions]
        with self._write():
            self._conn.cursor().executemany(
                self._sql("INSERT INTO decisions (id, created_at, record) VALUES (?, ?, ?) "
                          "ON CONFLICT (id) DO UPDATE SET record = excluded.record"), rows)

    def get_decision(self, decision_id: str) -> dict[str, Any] | None:
        rows = self._query("SELECT record FROM decisions WHERE id = ?", (decision_id,))
        return _json(rows[0][0]) if rows else None

    def recent_decisions(self, limit: int) -> list[tuple[str, dict[str, Any]]]:
        rows = self._query("SELECT id, record FROM decisions ORDER BY created_at DESC, id LIMIT ?", (limit,))
        return [(decision_id, _json(record)) for decision_id, record in rows]

    def purge_decisions(self, older_than_days: float) -> int:
        cutoff = datetime.now(timezone.utc) - timedelta(days=older_than_days)
        return self._execute("DELETE FROM decisions WHERE created_at < ?", (_iso(cutoff),)).rowcount

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SQLStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals

    def _put(self, request: ErasureRequest, actor: str) -> Change | None:
        target = request.target
        check_target(target)
        old = self.get(target.id)
        reason = request.reason or (old.reason if old else "")
        requester = request.requester or (old.requester if old else "")
        stamp = now()
        record = TargetRecord(target, reason, requester, old.created_at if old else stamp, stamp, True)
        if old is not None and old.active and _same(old, record):
            return None
        self._execute(
            f"INSERT INTO targets ({TARGET_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO "
            "UPDATE SET name = excluded.name, aliases = excluded.aliases, kind = excluded.kind, "
            "description = excluded.description, knowledge = excluded.knowledge, reason = excluded.reason, "
            "requester = excluded.requester, updated_at = excluded.updated_at, active = excluded.active",
            (target.id, target.name, json.dumps(list(target.aliases), ensure_ascii=False), target.kind,
             target.description, json.dumps(list(target.knowledge), ensure_ascii=False), reason, requester,
             record.created_at, stamp, True))
        action = "update" if old is not None and old.active else "add"
        return self._log(target.id, action, actor, request.reason, record)

    def _log(self, target_id: str, action: str, actor: str, reason: str, record: TargetRecord) -> Change:
        at = now()
        seq = self._query("INSERT INTO history (target_id, action, actor, reason, at, snapshot) "
                          "VALUES (?, ?, ?, ?, ?, ?) RETURNING seq",
                          (target_id, action, actor, reason, at, json.dumps(record.to_dict(), ensure_ascii=False)))
        return Change(seq[0][0], target_id, action, actor, reason, at, record.target)

    def _migrate(self) -> None:
        """Apply the numbered migrations this database has not seen yet, in one transaction."""
        migrations = _migrations(self.backend)
        with self._write():
            self._execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                          "applied_at TEXT NOT NULL)")
            current = self._query("SELECT COALESCE(MAX(version), 0) FROM schema_version")[0][0]
            if current > len(migrations):
                raise StoreError(f"the registry's schema (version {current}) is newer than this alu; upgrade alu")
            for number, script in enumerate(migrations[current:], current + 1):
                for statement in filter(str.strip, script.split(";")):
                    self._execute(statement)
                self._execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", (number, now()))

    @contextmanager
    def _write(self) -> Iterator[None]:
        with self._lock, self._errors(), self._transaction():
            yield

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Database faults become one StoreError line (no URL, no password)."""
        try:
            yield
        except self.db_errors as exc:
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
            raise StoreError(f"registry database error: {detail}") from exc

    def _execute(self, statement: str, params: tuple = ()) -> Any:
        with self._connection():
            return self._conn.execute(self._sql(statement), params)

    def _query(self, statement: str, params: tuple = ()) -> list[tuple]:
        with self._connection():
            return self._conn.execute(self._sql(statement), params).fetchall()

    @contextmanager
    def _connection(self) -> Iterator[None]:
        """The connection, to this thread alone, with database faults as StoreError."""
        if self.remote:
            blocking()
        with holding(self._lock), self._errors():
            yield


def default_actor() -> str:
    """Who makes a change when nobody says: the OS user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def now() -> str:
    return _iso(datetime.now(timezone.utc))


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _migrations(backend: str) -> list[str]:
    folder = resources.files("alu.store") / "migrations" / backend
    files = sorted(f for f in folder.iterdir() if f.name.endswith(".sql"))
    numbers = [int(f.name.split("_", 1)[0]) for f in files]
    if numbers != list(range(1, len(files) + 1)):
        raise StoreError(f"the {backend} migrations must be numbered 0001, 0002, ... without gaps")
    return [f.read_text(encoding="utf-8") for f in files]


def _json(value: Any) -> Any:
    """A JSON column's value: SQLite gives text, PostgreSQL (jsonb) gives it decoded."""
    return json.loads(value) if isinstance(value, str) else value


def _time(value: Any) -> str:
    """A timestamp column's value as ISO 8601 UTC text (PostgreSQL gives datetimes)."""
    return value if isinstance(value, str) else _iso(value)


def _record(row: tuple) -> TargetRecord:
    target_id, name, aliases, kind, description, knowledge, reason, requester, created_at, updated_at, active = row
    target = Target(name, tuple(_json(aliases)), kind, description, target_id, tuple(_json(knowledge)))
    return TargetRecord(target, reason, requester, _time(created_at), _time(updated_at), bool(active))


def _change(row: tuple) -> Change:
    seq, target_id, action, actor, reason, at, snapshot = row
    snap = _json(snapshot)
    target = Target(snap["name"], tuple(snap["aliases"]), snap["kind"], snap["description"], target_id,
                    tuple(snap.get("knowledge", ())))  # snapshots from before migration 0002 have none
    return Change(seq, target_id, action, actor, reason, _time(at), target)


def _same(old: TargetRecord, new: TargetRecord) -> bool:
    return (old.target, old.reason, old.requester) == (new.target, new.reason, new.requester)
