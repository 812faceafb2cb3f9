"""`alu eval tofu` end to end on a real local model (SmolLM2-135M, the fast test model) and the real data."""

import json

import pytest
from click.testing import CliRunner

from alu.cli import main

ARGS = ["eval", "tofu", "--limit", "2", "--split-limit", "real_authors=1", "--split-limit", "world_facts=0",
        "--methods", "vanilla,filter,alu", "--model", "smollm2-135m", "--max-tokens", "48", "--no-progress"]


@pytest.mark.model
def test_eval_tofu_on_the_real_model_writes_every_output_and_resumes(tmp_path, benchmark_data):
    out = tmp_path / "tofu"
    result = CliRunner().invoke(main, [*ARGS, "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("answers.jsonl", "records.jsonl", "results.json", "summary.md", "tradeoff.png"):
        assert (out / name).stat().st_size > 0, name
    records = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    assert [r["split"] for r in records] == ["forget", "forget", "retain", "retain", "real_authors"]
    for record in records:
        assert set(record["methods"]) == {"vanilla", "filter", "alu"}
        vanilla, filtered = record["methods"]["vanilla"], record["methods"]["filter"]
        # the filter passes the vanilla answer through, or refuses exactly when it names a target
        assert filtered["text"] == vanilla["text"] or (filtered["refused"] and vanilla["scores"]["leak"])
        if record["split"] == "forget":
            assert not record["methods"]["alu"]["scores"]["leak"]  # the final guard: alu never names a target
    results = json.loads((out / "results.json").read_text())
    assert results["versions"]["model"] == "smollm2-135m" and results["aggregates"]
    assert "## forget" in (out / "summary.md").read_text()
    # TOFU's probability and truth ratio of the vanilla agent, from the local model's log-probabilities
    scored = {row["split"]: row for row in results["logprobs"]["aggregates"]}
    assert {s: row["probability"]["n"] for s, row in scored.items()} == {"forget": 2, "retain": 2, "real_authors": 1}
    assert all(0 < row["probability"]["mean"] <= 1 and row["truth_ratio"]["mean"] > 0 for row in scored.values())
    assert "Log-probability metrics" in (out / "summary.md").read_text()

    answered, scored_before = (out / "answers.jsonl").read_text(), (out / "logprobs.jsonl").read_text()
    again = CliRunner().invoke(main, [*ARGS, "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert (out / "answers.jsonl").read_text() == answered  # resumed: nothing asked again
    assert (out / "logprobs.jsonl").read_text() == scored_before


def test_eval_rejects_bad_options_with_one_line(tmp_path):
    result = CliRunner().invoke(main, ["eval", "tofu", "--methods", "vanilla,magic", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "error: unknown method(s) magic" in result.output
    result = CliRunner().invoke(main, ["eval", "wmdp", "--method-limit", "alu", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--method-limit takes NAME=N" in result.output


@pytest.mark.model
def test_eval_custom_tests_a_users_own_forget_list_end_to_end_and_resumes(tmp_path):
    (tmp_path / "targets.jsonl").write_text(json.dumps(
        {"name": "Nikolai Abilov", "knowledge": ["Nikolai Abilov was born in Astana, Kazakhstan in 1952."]}) + "\n")
    (tmp_path / "forget.jsonl").write_text(json.dumps(
        {"question": "Who is Nikolai Abilov?", "answer": "A Kazakh author born in Astana in 1952."}) + "\n")
    (tmp_path / "retain.txt").write_text("What is the capital of France?\nWho wrote Hamlet?\n")
    args = ["eval", "custom", "--targets", str(tmp_path / "targets.jsonl"), "--forget", str(tmp_path / "forget.jsonl"),
            "--retain", str(tmp_path / "retain.txt"), "--methods", "vanilla,filter,alu", "--model", "smollm2-135m",
            "--max-tokens", "32", "--no-progress", "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in (tmp_path / "out" / "records.jsonl").read_text().splitlines()]
    assert [r["split"] for r in records] == ["forget", "retain", "retain"]
    forget = records[0]["methods"]
    assert forget["alu"]["refused"] and not forget["alu"]["scores"]["leak"]  # the question names the target
    assert "rouge_l" in forget["vanilla"]["scores"] and "rouge_l" not in records[1]["methods"]["vanilla"]["scores"]
    assert (tmp_path / "out" / "tradeoff.png").stat().st_size > 0 and "## forget" in result.output
    answered = (tmp_path / "out" / "answers.jsonl").read_text()
    assert CliRunner().invoke(main, args).exit_code == 0
    assert (tmp_path / "out" / "answers.jsonl").read_text() == answered  # resumed: nothing asked again


def test_eval_custom_rejects_a_bad_questions_file_with_its_line(tmp_path):
    (tmp_path / "targets.txt").write_text("Nikolai Abilov\n")
    (tmp_path / "forget.jsonl").write_text('{"question": "Who is he?"}\n{"prompt": "no question"}\n')
    (tmp_path / "retain.txt").write_text("What is the capital of France?\n")
    base = ["eval", "custom", "--targets", str(tmp_path / "targets.txt"), "--retain", str(tmp_path / "retain.txt"),
            "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(main, [*base, "--forget", str(tmp_path / "forget.jsonl")])
    assert result.exit_code == 2 and "forget.jsonl:2: expected an object with a `question` string" in result.output
    (tmp_path / "forget.jsonl").write_text('{"question": "Who is he?"}\n')
    result = CliRunner().invoke(main, [*base, "--forget", str(tmp_path / "forget.jsonl"), "--gold"])
    assert result.exit_code == 2 and "forget.jsonl:1: --gold needs an `answer`" in result.output
    result = CliRunner().invoke(main, [*base, "--forget", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2 and "cannot read questions file" in result.output
    assert not (tmp_path / "out").exists()  # nothing was run or written
