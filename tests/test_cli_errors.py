"""Bad input on the command line: one clear error line, exit code 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

ALU = [sys.executable, "-c", "from alu.cli import main; main()"]


def run_alu(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*ALU, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def empty_file(tmp_path):
    path = tmp_path / "targets.txt"
    path.write_text("# only a comment\n\n")
    return path


@pytest.fixture
def garbage_gguf(tmp_path):
    path = tmp_path / "model.gguf"
    path.write_bytes(b"GGUF" + b"\0" * 64)
    return path


@pytest.mark.parametrize(
    "args, message",
    [
        (["ask", "  "], "the query is empty"),
        (["ask", "hi", "--forget-file", "/nonexistent/targets.txt"], "cannot read targets file"),
        (["ask", "hi", "--forget-file", "EMPTY"], "has no targets"),
        (["ask", "hi", "--forget", "x", "--model", "gpt-9"], "unknown model 'gpt-9'"),
        (["ask", "hi", "--forget", "x", "--model", "/nonexistent/m.gguf"], "model file not found"),
        (["ask", "hi", "--forget", "x", "--model", "GARBAGE"], "not a valid GGUF model"),
        (["ask", "hi", "--forget", "x", "-k", "2", "-j", "3"], "1 <= j <= k"),
        (["ask", "hi", "--forget", "x", "--confirm-kind", "people"], "unknown target kind(s) to confirm: people"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(args, message, empty_file, garbage_gguf):
    args = [str(empty_file) if a == "EMPTY" else str(garbage_gguf) if a == "GARBAGE" else a for a in args]
    result = run_alu(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
