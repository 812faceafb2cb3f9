"""The target registry against SQLite and a real PostgreSQL server: the same tests for both."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import datetime

import pytest
from conftest import LEAKY, ScriptedModel, leaky_model, python_env

from alu import ConfigError, Target, Unlearner
from alu.errors import StoreError
from alu.paths import default_registry_path as default_path
from alu.store import open_store
from alu.targets import ErasureRequest

ROWLING = Target("J. K. Rowling", aliases=("Joanne Rowling", "Robert Galbraith"))
KING = Target("Stephen King", description="American author of horror novels")


def test_add_get_and_list(store):
    record = store.add(ROWLING, reason="GDPR art. 17", requester="jkr@example.org", actor="alice")
    assert record.target == ROWLING and record.target.id == "j. k. rowling"
    assert (record.reason, record.requester, record.active) == ("GDPR art. 17", "jkr@example.org", True)
    assert record.created_at == record.updated_at and datetime.fromisoformat(record.created_at).tzinfo is not None
    store.add(Target("Topic X", kind="topic", id="custom-id"))
    assert [r.target.id for r in store.list()] == ["j. k. rowling", "custom-id"]
    assert store.get("custom-id").target.kind == "topic"
    assert store.get("nobody") is None


def test_id_is_derived_from_the_normalised_name(store):
    store.add(Target("Stephen  King"))
    store.add(Target("stephen king", aliases=("Richard Bachman",)))  # the same target: an update
    assert [(r.target.id, r.target.aliases) for r in store.list()] == [("stephen king", ("Richard Bachman",))]
    assert [c.action for c in store.history()] == ["add", "update"]


def test_update_changes_fields_and_keeps_reason_and_creation_time(store):
    first = store.add(KING, reason="request 1", requester="sk", actor="alice")
    assert store.add(KING, actor="alice") == first and store.version() == 1  # nothing changed: no history entry
    updated = store.add(Target("Stephen King", aliases=("Richard Bachman",)), actor="bob")
    assert updated.target.aliases == ("Richard Bachman",) and updated.target.description == ""
    assert (updated.reason, updated.requester, updated.created_at) == ("request 1", "sk", first.created_at)
    assert updated.updated_at > first.updated_at
    assert [(c.action, c.actor) for c in store.history("stephen king")] == [("add", "alice"), ("update", "bob")]


def test_re_adding_a_removed_target_makes_it_active_again(store):
    store.add(ROWLING, reason="asked", actor="alice")
    store.remove(ROWLING.id, reason="withdrawn", actor="bob")
    assert store.list() == [] and not store.get(ROWLING.id).active
    assert [r.target.id for r in store.list(include_removed=True)] == [ROWLING.id]
    with pytest.raises(ConfigError, match="no active target"):
        store.remove(ROWLING.id)
    again = store.add(ROWLING, reason="asked again", actor="carol")
    assert again.active and again.reason == "asked again"
    assert [r.target.id for r in store.list()] == [ROWLING.id]
    history = store.history(ROWLING.id)
    assert [(c.action, c.actor, c.reason) for c in history] == [
        ("add", "alice", "asked"), ("remove", "bob", "withdrawn"), ("add", "carol", "asked again")]


def test_history_records_every_change_with_actor_reason_time_and_snapshot(store):
    store.add(ROWLING, reason="r1", actor="alice")
    store.add(KING, reason="r2", actor="bob")
    store.add(Target("Stephen King", aliases=("Richard Bachman",)), reason="r3", actor="carol")
    store.remove("j. k. rowling", reason="r4", actor="dave")
    store.add(ROWLING, reason="r5", actor="erin")
    history = store.history()
    assert [(c.seq, c.action, c.target_id, c.actor, c.reason) for c in history] == [
        (1, "add", "j. k. rowling", "alice", "r1"), (2, "add", "stephen king", "bob", "r2"),
        (3, "update", "stephen king", "carol", "r3"), (4, "remove", "j. k. rowling", "dave", "r4"),
        (5, "add", "j. k. rowling", "erin", "r5")]
    times = [datetime.fromisoformat(c.at) for c in history]
    assert times == sorted(times) and all(t.tzinfo is not None for t in times)
    assert history[2].target.aliases == ("Richard Bachman",)  # snapshot after the update
    assert history[3].target == ROWLING  # a removal keeps the target as it was
    assert store.version() == 5
    assert [c.seq for c in store.changes_since(3)] == [4, 5] and store.changes_since(5) == []


def test_default_actor_is_the_os_user(store):
    import getpass

    store.add(ROWLING)
    assert store.history()[0].actor == getpass.getuser()


def test_add_many_is_all_or_nothing(store):
    store.add(KING)
    broken = Target("Broken")
    object.__setattr__(broken, "kind", "not-a-kind")  # slips past validation: the database refuses it
    requests = [ErasureRequest(ROWLING), ErasureRequest(Target("Stephen King", aliases=("Bachman",))),
                ErasureRequest(broken)]
    with pytest.raises(StoreError):
        store.add_many(requests, actor="alice")
    assert [r.target for r in store.list()] == [KING] and store.version() == 1
    changes = store.add_many(requests[:2], actor="alice")
    assert [c.action for c in changes] == ["add", "update"]
    assert 1 < changes[0].seq < changes[1].seq == store.version()  # PostgreSQL may skip the rolled-back numbers


def test_names_that_cannot_be_exported_are_rejected(store):
    with pytest.raises(ConfigError, match=r"'\|'"):
        store.add(Target("A", aliases=("B | C",)))
    assert store.version() == 0


def test_decisions_log(store):
    store.record_decisions([("d1", {"path": "rewrite", "ratings": [5, 4]}), ("d2", {"path": "fast"})])
    assert store.get_decision("d1") == {"path": "rewrite", "ratings": [5, 4]}
    store.record_decisions([("d1", {"path": "fast"}), ("d1", {"path": "refuse"})])  # the later record wins
    assert store.get_decision("d1") == {"path": "refuse"} and store.get_decision("nope") is None
    assert store.purge_decisions(older_than_days=1) == 0
    assert store.purge_decisions(older_than_days=0) == 2 and store.get_decision("d2") is None


def test_migrations_are_applied_once(registry_url):
    with open_store(registry_url) as first:
        first.add(ROWLING)
    with open_store(registry_url) as second:
        assert second._query("SELECT version FROM schema_version") == [(1,), (2,)]
        assert [r.target for r in second.list()] == [ROWLING]
        second._execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", (99, "later"))
    with pytest.raises(StoreError, match="newer than this alu"):
        open_store(registry_url)


WRITER = """
import sys
from alu.store import open_store
from alu.targets import Target
url, writer, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open_store(url) as store:
    for i in range(count):
        store.add(Target(f"Writer{writer} Target{i}"), actor=f"writer{writer}", reason=str(i))
"""


def test_concurrent_writer_processes_lose_nothing_and_readers_miss_nothing(registry_url):
    writers, count = 4, 25
    with open_store(registry_url) as reader:
        procs = [subprocess.Popen([sys.executable, "-c", WRITER, registry_url, str(w), str(count)], env=python_env())
                 for w in range(writers)]
        seen, last = [], 0
        deadline = time.monotonic() + 120
        while any(p.poll() is None for p in procs) or last < reader.version():
            assert time.monotonic() < deadline, "the writers did not finish within 120 s"
            changes = reader.changes_since(last)  # what a long-running process polls between requests
            seen += [c.seq for c in changes]
            last = changes[-1].seq if changes else last
            time.sleep(0.01)
        assert [p.wait(timeout=30) for p in procs] == [0] * writers
        history = reader.history()
        assert len(reader.list()) == writers * count
        assert len(history) == writers * count and all(c.action == "add" for c in history)
        seqs = [c.seq for c in history]
        assert seqs == sorted(set(seqs)) and reader.version() == seqs[-1]
        assert seen == seqs  # a reader polling during the writes saw every change, once, in order
        for w in range(writers):
            mine = [int(c.reason) for c in history if c.actor == f"writer{w}"]
            assert mine == list(range(count))  # each writer's changes in its own order


def test_concurrent_threads_sharing_one_store(store):
    def write(writer: int) -> None:
        for i in range(20):
            store.add(Target(f"Thread{writer} Target{i}"), actor=f"t{writer}")

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seqs = [c.seq for c in store.history()]
    assert len(store.list()) == 80 and seqs == sorted(set(seqs)) and len(seqs) == 80


def test_a_change_by_another_process_applies_from_the_next_request(registry_url):
    model = leaky_model()
    cli = [sys.executable, "-m", "alu", "targets"]
    with open_store(registry_url) as store:
        unlearner = Unlearner(model=model, embedder=None, store=store)
        assert unlearner.ask("Who wrote the Harry Potter books?").text == LEAKY  # nothing to forget yet
        subprocess.run([*cli, "add", "J. K. Rowling", "--db", registry_url], check=True, env=python_env(),
                       capture_output=True)
        result = unlearner.ask("Who wrote the Harry Potter books?")
        assert result.trace.path == "rewrite" and "Rowling" not in result.text
        subprocess.run([*cli, "rm", "J. K. Rowling", "--db", registry_url], check=True, env=python_env(),
                       capture_output=True)
        assert unlearner.ask("Who wrote the Harry Potter books?").text == LEAKY
        assert unlearner.targets == []


def test_unlearner_starts_from_the_registry_and_faults_refuse(tmp_path):
    store = open_store(str(tmp_path / "r.db"))
    store.add(ROWLING)
    model = ScriptedModel(vanilla=LEAKY)
    unlearner = Unlearner(model=model, embedder=None, store=store)
    assert unlearner.targets == [ROWLING]
    with pytest.raises(ConfigError, match="not both"):
        Unlearner([KING], model=model, embedder=None, store=store)
    store.close()  # the registry becomes unreachable: fail closed
    result = unlearner.ask("Who wrote the Harry Potter books?")
    assert result.refused and "StoreError" in result.trace.error and model.calls == []


def test_open_store_resolution(tmp_path, monkeypatch):
    monkeypatch.delenv("ALU_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_path() == tmp_path / "xdg" / "alu" / "alu.db"
    with open_store(None) as store:
        assert store.path == default_path() and default_path().exists()
    monkeypatch.setenv("ALU_DB", str(tmp_path / "env.db"))
    with open_store(None) as store:
        assert store.path == tmp_path / "env.db"
    with open_store(f"sqlite:///{tmp_path}/url.db") as store:
        assert store.path == tmp_path / "url.db"
    with pytest.raises(ConfigError, match="unsupported registry URL scheme 'mysql'"):
        open_store("mysql://user:secret@host/db")
    with pytest.raises(StoreError, match="cannot connect") as failure:
        open_store("postgresql://user:secret@127.0.0.1:1/nodb")
    assert "secret" not in str(failure.value)


def test_migrations_out_of_sequence_are_an_error_not_an_assert(tmp_path, monkeypatch):
    from alu.store import sql

    folder = tmp_path / "migrations" / "sqlite"
    folder.mkdir(parents=True)
    (folder / "0001_init.sql").write_text("CREATE TABLE a (x INTEGER)")
    (folder / "0003_gap.sql").write_text("CREATE TABLE b (x INTEGER)")
    monkeypatch.setattr(sql.resources, "files", lambda package: tmp_path)
    with pytest.raises(StoreError, match="numbered 0001, 0002"):
        sql._migrations("sqlite")
