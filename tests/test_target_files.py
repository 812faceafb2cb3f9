"""Target files (txt, JSONL, CSV): read whole or rejected with the line number, and written back losslessly."""

from __future__ import annotations

import io

import pytest

from alu import ConfigError, Target
from alu.store import open_store
from alu.targets import load_targets_file, read_requests, write_records

GOOD = {
    "txt": "# erasure requests\nJ. K. Rowling | Joanne Rowling | Robert Galbraith\n\nStephen King\n",
    "jsonl": '{"name": "J. K. Rowling", "aliases": ["Joanne Rowling", "Robert Galbraith"], "reason": "GDPR"}\n'
             '{"name": "Stephen King", "kind": "person", "description": "horror author", "requester": "sk"}\n',
    "csv": "name,aliases,kind,description,reason,requester\n"
           "J. K. Rowling,Joanne Rowling|Robert Galbraith,person,,GDPR,\n"
           'Stephen King,,person,"horror author, American",,sk\n',
}
BAD = {  # (text, line number of the fault, words of the message)
    "txt": ("Alice Example\nBob Example\n | alias without a name\nCarol Example\n", 3, "non-empty name"),
    "jsonl": ('{"name": "Alice Example"}\n\n{"name": "Bob Example", "kind": "planet"}\n', 3, "unknown target kind"),
    "csv": ("name,aliases,kind\nAlice Example,,person\nBob Example,,person\nCarol,,,too,many\n", 4, "more values"),
}


@pytest.mark.parametrize("fmt", ["txt", "jsonl", "csv"])
def test_read_each_format(tmp_path, fmt):
    path = tmp_path / f"targets.{fmt}"
    path.write_text(GOOD[fmt], encoding="utf-8")
    requests = read_requests(path)
    assert [r.target.name for r in requests] == ["J. K. Rowling", "Stephen King"]
    assert requests[0].target.aliases == ("Joanne Rowling", "Robert Galbraith")
    if fmt != "txt":
        assert (requests[0].reason, requests[1].requester) == ("GDPR", "sk")
        assert requests[1].target.description.startswith("horror author")


@pytest.mark.parametrize("fmt", ["txt", "jsonl", "csv"])
def test_a_malformed_file_is_rejected_with_its_line_number_and_nothing_is_imported(tmp_path, fmt):
    text, line, words = BAD[fmt]
    path = tmp_path / f"targets.{fmt}"
    path.write_text(text, encoding="utf-8")
    with open_store(str(tmp_path / "r.db")) as store:
        with pytest.raises(ConfigError, match=rf"targets\.{fmt}:{line}: .*{words}"):
            store.add_many(read_requests(path))
        assert store.list() == [] and store.version() == 0


@pytest.mark.parametrize(("text", "line", "words"), [
    ('{"name": "A"}\n{"name": "B", "alias": ["x"]}\n', 2, "unknown field 'alias'"),
    ('{"name": "A"}\n["B"]\n', 2, "JSON object"),
    ('{"name": "A"}\n{"name": "B"\n', 2, "Expecting"),
    ('{"name": "A", "aliases": ["B | C"]}\n{"name": "D"}\n', 1, "cannot contain"),
    ('{"name": "A"}\n{"name": "a"}\n', 2, "appears twice"),
])
def test_jsonl_faults(tmp_path, text, line, words):
    path = tmp_path / "t.jsonl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"t\.jsonl:{line}: .*{words}"):
        read_requests(path)


def test_csv_header_faults_and_unreadable_files(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("name,alias\nA,B\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"t\.csv:1: invalid CSV"):
        read_requests(path)
    with pytest.raises(ConfigError, match="cannot read targets file"):
        read_requests(tmp_path / "missing.csv")
    with pytest.raises(ConfigError, match="unknown targets file format 'xlsx'"):
        read_requests(tmp_path / "t.xlsx")
    (tmp_path / "empty.txt").write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="has no targets"):
        read_requests(tmp_path / "empty.txt")


@pytest.mark.parametrize("fmt", ["txt", "jsonl", "csv"])
def test_export_then_import_gives_the_same_targets(tmp_path, fmt):
    with open_store(str(tmp_path / "a.db")) as store:
        store.add(Target("J. K. Rowling", aliases=("Joanne Rowling",), description='says "hi", often'),
                  reason="GDPR", requester="jkr")
        store.add(Target("Ünïcode Topic", kind="topic", id="topic-1"))
        records = store.list()
    buffer = io.StringIO()
    write_records(records, buffer, fmt)
    path = tmp_path / f"export.{fmt}"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    with open_store(str(tmp_path / "b.db")) as copy:
        copy.add_many(read_requests(path))
        copied = copy.list()
    if fmt == "txt":  # names and aliases only
        assert [r.target.surface_forms for r in copied] == [r.target.surface_forms for r in records]
    else:
        assert [(r.target, r.reason, r.requester) for r in copied] == [(r.target, r.reason, r.requester)
                                                                       for r in records]


def test_forget_file_reads_every_format_and_treats_other_suffixes_as_txt(tmp_path):
    (tmp_path / "t.csv").write_text(GOOD["csv"], encoding="utf-8")
    (tmp_path / "t.list").write_text(GOOD["txt"], encoding="utf-8")
    assert [t.name for t in load_targets_file(tmp_path / "t.csv")] == ["J. K. Rowling", "Stephen King"]
    assert [t.name for t in load_targets_file(tmp_path / "t.list")] == ["J. K. Rowling", "Stephen King"]
