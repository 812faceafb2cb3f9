"""`alu targets ...` and `alu ask` with the registry: in-process with CliRunner, and end to end in subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import LEAKY, WordEmbedder, leaky_model, python_env

from alu.cli import main
from alu.store import open_store


def run(*args: str) -> subprocess.CompletedProcess:
    """`alu ARGS` in a new process."""
    return subprocess.run([sys.executable, "-m", "alu", *args], capture_output=True, text=True, env=python_env())


def invoke(*args: str, ok: bool = True):
    result = CliRunner().invoke(main, list(args))
    if ok:
        assert result.exit_code == 0, result.output + result.stderr
    return result


def test_add_then_ls_end_to_end(registry_url):
    added = subprocess.run(
        f"{sys.executable} -m alu targets add 'J. K. Rowling' --alias 'Joanne Rowling' --alias 'Robert Galbraith' "
        f"--kind person --reason 'GDPR art. 17' --requester jkr --db '{registry_url}' && "
        f"{sys.executable} -m alu targets ls --db '{registry_url}'",
        shell=True, capture_output=True, text=True, env=python_env())
    assert added.returncode == 0, added.stderr
    lines = added.stdout.splitlines()
    assert lines[0] == "added j. k. rowling"
    assert lines[1].split() == ["ID", "NAME", "KIND", "ALIASES", "ACTIVE", "UPDATED", "(UTC)"]
    assert "J. K. Rowling" in lines[2] and "Joanne Rowling, Robert Galbraith" in lines[2]
    assert added.stderr.strip() == "1 target"
    shown = json.loads(run("targets", "show", "J. K. Rowling", "--json", "--db", registry_url).stdout)
    assert (shown["reason"], shown["requester"], shown["history"][0]["action"]) == ("GDPR art. 17", "jkr", "add")


def test_add_update_remove_re_add_and_history(registry_url):
    db = ("--db", registry_url)
    assert invoke("targets", "add", "Stephen King", "--description", "horror author", *db).output == \
        "added stephen king\n"
    assert invoke("targets", "add", "Stephen King", *db).output == "unchanged stephen king\n"
    assert invoke("targets", "add", "Stephen King", "-a", "Richard Bachman", "--actor", "bob", *db).output == \
        "updated stephen king\n"
    record = json.loads(invoke("targets", "show", "stephen king", "--json", *db).output)
    assert record["aliases"] == ["Richard Bachman"] and record["description"] == "horror author"  # merged
    assert invoke("targets", "rm", "Stephen King", "--reason", "withdrawn", *db).output == "removed stephen king\n"
    assert json.loads(invoke("targets", "ls", "--json", *db).output) == []
    assert invoke("targets", "add", "Stephen King", *db).output == "added stephen king\n"
    changes = json.loads(invoke("targets", "history", "--json", *db).output)
    assert [(c["action"], c["reason"]) for c in changes] == [("add", ""), ("update", ""), ("remove", "withdrawn"),
                                                            ("add", "")]
    assert changes[1]["actor"] == "bob"
    table = invoke("targets", "history", "Stephen King", "--since", "2", *db).output.splitlines()
    assert table[0].split()[:4] == ["SEQ", "AT", "(UTC)", "ACTION"] and len(table) == 3


def test_import_and_export(tmp_path, registry_url):
    db = ("--db", registry_url)
    source = tmp_path / "requests.csv"
    source.write_text("name,aliases,kind,description,reason,requester\n"
                      "J. K. Rowling,Joanne Rowling|Robert Galbraith,person,,,jkr\n"
                      "Project X,,topic,a secret project,contract,\n", encoding="utf-8")
    out = invoke("targets", "import", str(source), "--reason", "batch 7", "--no-encode", *db).output
    assert out == "imported 2 targets: 2 added, 0 updated, 0 unchanged\n"
    out = invoke("targets", "import", str(source), "--no-encode", *db).output
    assert out.endswith("0 added, 0 updated, 2 unchanged\n")
    exported = invoke("targets", "export", *db).output.splitlines()  # JSONL on standard output
    rows = {row["id"]: row for row in map(json.loads, exported)}
    assert rows["j. k. rowling"]["reason"] == "batch 7" and rows["project x"]["reason"] == "contract"
    invoke("targets", "export", str(tmp_path / "out.txt"), *db)
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == \
        "J. K. Rowling | Joanne Rowling | Robert Galbraith\nProject X\n"
    assert invoke("targets", "export", "--format", "csv", *db).output.splitlines()[0] == \
        "id,name,aliases,kind,description,knowledge,reason,requester"


def test_import_encodes_profiles_and_knowledge_ahead_and_resumes(tmp_path):
    """The import puts every profile and knowledge chunk in the embedding cache (real MiniLM), in a subprocess with
    a progress bar; run again, it encodes nothing; a new fact alone is encoded the next time."""
    db, source = str(tmp_path / "r.db"), tmp_path / "topics.jsonl"
    examples = [f"Example question {i} about hazardous lab work?" for i in range(30)]
    source.write_text(json.dumps({"name": "Lab hazards", "kind": "topic", "knowledge": examples}) + "\n",
                      encoding="utf-8")
    first = run("targets", "import", str(source), "--db", db)
    assert first.returncode == 0, first.stderr
    assert "encoded 31 new texts (0 already in the embedding cache)" in first.stdout  # the profile and 30 examples
    assert "encoding profiles and knowledge" in first.stderr  # the progress bar
    again = run("targets", "import", str(source), "--db", db)
    assert "encoded 0 new texts (31 already in the embedding cache)" in again.stdout
    source.write_text(json.dumps({"name": "Lab hazards", "kind": "topic", "knowledge": [*examples, "One more?"]})
                      + "\n", encoding="utf-8")
    grown = run("targets", "import", str(source), "--db", db)
    assert "1 updated" in grown.stdout and "encoded 1 new texts (31 already" in grown.stdout


def test_malformed_import_imports_nothing(tmp_path):
    db = str(tmp_path / "r.db")
    source = tmp_path / "bad.txt"
    source.write_text("Alice Example\nBob Example\n|nameless\n", encoding="utf-8")
    result = run("targets", "import", str(source), "--db", db)
    assert result.returncode == 2 and result.stderr.startswith("error: ") and f"{source}:3:" in result.stderr
    with open_store(db) as store:
        assert store.version() == 0


@pytest.mark.parametrize(("args", "words"), [
    (["targets", "add", "X", "--kind", "planet"], "unknown target kind 'planet'"),
    (["targets", "import", "/nonexistent/requests.csv"], "cannot read targets file"),
    (["targets", "rm", "Nobody"], "no target 'Nobody'"),
    (["targets", "ls", "--db", "mysql://user:secret@host/db"], "unsupported registry URL scheme"),
    (["targets", "ls", "--db", "postgresql://user:secret@127.0.0.1:1/db"], "cannot connect"),
    (["targets", "export", "/nonexistent/dir/out.csv"], "cannot write"),
])
def test_bad_input_is_one_error_line_and_exit_2(tmp_path, args, words):
    env_db = [] if "--db" in args else ["--db", str(tmp_path / "r.db")]
    result = run(*args, *env_db)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and words in result.stderr
    assert "Traceback" not in result.stderr and "secret" not in result.stderr


def test_alu_db_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("ALU_DB", str(tmp_path / "env.db"))
    invoke("targets", "add", "Stephen King")
    with open_store(str(tmp_path / "env.db")) as store:
        assert [r.target.name for r in store.list()] == ["Stephen King"]


@pytest.fixture
def scripted_pipeline(monkeypatch):
    """`alu ask` with a scripted model and word embedder instead of the embedded ones."""
    model = leaky_model()
    monkeypatch.setattr("alu.models.get_model", lambda *args, **kwargs: model)
    monkeypatch.setattr("alu.pipeline.get_embedder", WordEmbedder)
    return model


def test_ask_uses_the_registry_unless_targets_are_given(tmp_path, scripted_pipeline):
    db = str(tmp_path / "r.db")
    invoke("targets", "add", "J. K. Rowling", "--db", db)
    answer = json.loads(invoke("ask", "Who wrote the Harry Potter books?", "--db", db, "--json").output)
    assert answer["trace"]["path"] == "rewrite" and "Rowling" not in answer["answer"]
    other = json.loads(invoke("ask", "Who wrote the Harry Potter books?", "--db", db, "--forget", "Stephen King",
                              "--json").output)
    assert other["answer"] == LEAKY  # --forget replaces the registry


@pytest.mark.model
def test_ask_with_the_embedded_model_refuses_a_question_about_a_registry_target(tmp_path):
    db = str(tmp_path / "r.db")
    assert run("targets", "add", "J. K. Rowling", "--alias", "Robert Galbraith", "--db", db).returncode == 0
    result = run("ask", "Who is Robert Galbraith?", "--model", "smollm2-135m", "--max-tokens", "16", "--db", db,
                 "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["refused"] and answer["trace"]["reason"] == "the conversation names a forget target"
    assert answer["trace"]["candidates"] == ["J. K. Rowling"] and "Galbraith" not in answer["answer"]


@pytest.mark.model
def test_ask_answers_the_other_part_and_declines_the_targets_in_the_chosen_style(tmp_path):
    db = str(tmp_path / "r.db")
    assert run("targets", "add", "J. K. Rowling", "--db", db).returncode == 0
    result = run("ask", "What is the capital of France, and where was J. K. Rowling born?", "--model",
                 "smollm2-135m", "--max-tokens", "16", "--db", db, "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["trace"]["path"] == "partial" and "Rowling" not in answer["answer"]
    assert answer["answer"].endswith("I can't share information about the second part of your question.")
    unknown = run("ask", "Where was J. K. Rowling born?", "--model", "smollm2-135m", "--db", db,
                  "--refusal-style", "unknown", "--json")
    assert json.loads(unknown.stdout)["answer"] == "I don't have information about that."
    whole = run("ask", "What is the capital of France, and where was J. K. Rowling born?", "--model",
                "smollm2-135m", "--db", db, "--no-partial-answers", "--json")
    assert json.loads(whole.stdout)["refused"]
