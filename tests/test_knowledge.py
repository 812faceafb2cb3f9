"""Knowledge on targets: what a target is known for goes wherever the target goes (registry, history, files, CLI)."""

from __future__ import annotations

import io
import json
import sqlite3
from importlib import resources

import pytest
from click.testing import CliRunner

from alu.cli import main
from alu.errors import ConfigError
from alu.store import open_store
from alu.targets import Target, TargetRecord, read_knowledge, read_requests, write_records

KNOWLEDGE = ("Q: Where was Basil Mahfouz Al-Kuwaiti born? A: In Kuwait City.",
             "He writes French literature; his father was a florist.")
BASIL = Target("Basil Mahfouz Al-Kuwaiti", kind="person", description="a novelist", knowledge=KNOWLEDGE)


def test_knowledge_is_cleaned_and_checked():
    target = Target("X", knowledge=("  a fact ", "", "a fact", "another"))
    assert target.knowledge == ("a fact", "another")
    with pytest.raises(ConfigError, match="longer than"):
        open_store(":memory:").add(Target("Y", knowledge=("x" * 10_001,)))


def test_knowledge_round_trips_through_the_registry_and_its_history(registry_url):
    with open_store(registry_url) as store:
        store.add(BASIL, reason="erasure request")
        assert store.get(BASIL.id).target == BASIL and store.list()[0].target.knowledge == KNOWLEDGE
        more = Target(BASIL.name, kind="person", description="a novelist", knowledge=(*KNOWLEDGE, "A third fact."))
        store.add(more)
        changes = store.history(BASIL.id)
        assert [c.action for c in changes] == ["add", "update"]
        assert changes[0].target.knowledge == KNOWLEDGE and changes[1].target.knowledge[-1] == "A third fact."
    with open_store(registry_url) as reopened:  # another process sees it
        assert reopened.get(BASIL.id).target.knowledge[-1] == "A third fact."


def test_a_registry_from_before_knowledge_is_migrated(tmp_path):
    path = tmp_path / "old.db"
    old = resources.files("alu.store").joinpath("migrations", "sqlite", "0001_init.sql").read_text()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
        for statement in filter(str.strip, old.split(";")):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (1, 'then')")
        conn.execute("INSERT INTO targets (id, name, kind, created_at, updated_at) "
                     "VALUES ('x', 'X', 'person', 't', 't')")
        snapshot = json.dumps({"id": "x", "name": "X", "aliases": [], "kind": "person", "description": ""})
        conn.execute("INSERT INTO history (target_id, action, actor, reason, at, snapshot) "
                     "VALUES ('x', 'add', 'me', '', 't', ?)", (snapshot,))
    with open_store(str(path)) as store:
        assert store.get("x").target.knowledge == () and store.history("x")[0].target.knowledge == ()
        store.add(Target("X", knowledge=("a fact",)))
        assert store.get("x").target.knowledge == ("a fact",)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_knowledge_round_trips_through_target_files(tmp_path, fmt):
    record = TargetRecord(BASIL, "why", "who", "t", "t", True)
    stream = io.StringIO()
    write_records([record], stream, fmt)
    path = tmp_path / f"targets.{fmt}"
    path.write_text(stream.getvalue(), encoding="utf-8")
    assert read_requests(path)[0].target == BASIL


def test_knowledge_files_are_lines_or_jsonl(tmp_path):
    lines = tmp_path / "facts.txt"
    lines.write_text("first fact\n\nsecond fact\n", encoding="utf-8")
    assert read_knowledge(lines) == ("first fact", "second fact")
    records = tmp_path / "facts.jsonl"
    records.write_text('"a string"\n{"text": "an object"}\n', encoding="utf-8")
    assert read_knowledge(records) == ("a string", "an object")
    records.write_text('{"text": 3}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="facts.jsonl:1"):
        read_knowledge(records)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"name": "X", "knowledge": "not a list"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="knowledge must be a list"):
        read_requests(bad)


def test_cli_adds_knowledge_and_shows_it(tmp_path):
    db = str(tmp_path / "r.db")
    facts = tmp_path / "facts.txt"
    facts.write_text("He was born in 1952.\nHe lives in Astana.\n", encoding="utf-8")
    runner = CliRunner()
    added = runner.invoke(main, ["targets", "add", "Nikolai Abilov", "--knowledge", "He writes novels.",
                                 "--knowledge-file", str(facts), "--db", db])
    assert added.exit_code == 0, added.output
    again = runner.invoke(main, ["targets", "add", "Nikolai Abilov", "-k", "He won a prize.", "--db", db])
    assert again.output.strip() == "updated nikolai abilov"
    shown = json.loads(runner.invoke(main, ["targets", "show", "Nikolai Abilov", "--json", "--db", db]).output)
    assert shown["knowledge"] == ["He writes novels.", "He was born in 1952.", "He lives in Astana.",
                                  "He won a prize."]
    text = runner.invoke(main, ["targets", "show", "Nikolai Abilov", "--db", db]).output
    assert "knowledge:   4 texts" in text and "  - He lives in Astana." in text
    missing = runner.invoke(main, ["targets", "add", "Y", "--knowledge-file", str(tmp_path / "none.txt"), "--db", db])
    assert missing.exit_code != 0 and "Traceback" not in missing.output
