"""The package's shape: no import cycle (static, every import counted, also those inside functions), every module
importable on its own, and the CLI's shared option names."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO_ROOT, python_env

from alu.cli import main

PACKAGE = REPO_ROOT / "alu"


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The alu modules a module imports, wherever the import statement stands (a package's own __init__ that
    Python runs first is not counted: it is no import the module wrote)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            # `from package import module` imports that module; `from module import name` the module itself
            found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names}
    return {m for m in found if m in known and m != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def import_graph() -> dict[str, set[str]]:
    known = set(modules())
    return {name: imports_of(name, path, known) for name, path in modules().items()}


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_alu_has_no_import_cycle():
    graph = import_graph()
    assert graph["alu.pipeline"] >= {"alu.agents", "alu.screening"}  # the graph sees real imports
    assert cycles(graph) == []


@pytest.mark.parametrize("name", sorted(n for n in modules() if n != "alu.__main__"))
def test_every_module_imports_on_its_own(name):
    done = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True,
                          env=python_env(), timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("command", [["ask"], ["serve"], ["eval", "tofu"], ["eval", "scale"]])
def test_every_command_that_calls_a_model_offers_base_url_and_api_key(command):
    help_text = CliRunner().invoke(main, [*command, "--help"]).output
    assert "--base-url" in help_text and "ALU_BASE_URL" in help_text
    assert "--api-key" in help_text and "ALU_API_KEY" in help_text
    assert "--upstream-url" not in help_text and "--backbone-url" not in help_text  # deprecated: hidden


def test_deprecated_spellings_still_work_with_a_warning(monkeypatch):
    seen = {}
    monkeypatch.setattr("alu.server.serve", lambda settings: seen.update(settings=settings))
    result = CliRunner().invoke(main, ["serve", "--upstream-url", "http://127.0.0.1:9/v1", "--upstream-api-key", "k"])
    assert result.exit_code == 0, result.output
    assert seen["settings"].models.base_url == "http://127.0.0.1:9/v1" and seen["settings"].models.api_key == "k"
    assert "--upstream-url is deprecated" in result.output and "use --base-url" in result.output
    monkeypatch.setenv("ALU_API_KEYS", "a,b")
    monkeypatch.setenv("ALU_BACKBONE_URL", "http://127.0.0.1:9/v1")
    result = CliRunner().invoke(main, ["serve"])
    assert seen["settings"].user_keys == ("a", "b") and "$ALU_API_KEYS is deprecated" in result.output
    assert seen["settings"].models.base_url == "http://127.0.0.1:9/v1"


def test_an_api_key_without_a_base_url_is_refused():
    result = CliRunner().invoke(main, ["serve", "--api-key", "secret"])
    assert result.exit_code == 2 and "end users' keys are --user-key" in result.output
