"""Shared test helpers: a scripted chat model and a bag-of-words embedder for orchestration tests."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

from alu.errors import ModelCallError
from alu.models.base import Completion, GenerationParams, Message


def pytest_configure(config: pytest.Config) -> None:
    """Every test writes to temporary folders only: the model and embedding caches and the default registry of this
    test session live in one, never in the user's own (~/.cache/alu, ~/.local/share/alu)."""
    root = Path(tempfile.mkdtemp(prefix="alu-tests-"))
    config.alu_tmp = root
    os.environ["ALU_CACHE_DIR"] = str(root / "cache")
    os.environ["ALU_DB"] = str(root / "registry.db")
    os.environ["XDG_DATA_HOME"] = str(root / "data")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(getattr(config, "alu_tmp", ""), ignore_errors=True)


class UnscriptedCall(BaseException):
    """An agent called that the test gave no reply for. Not an Exception: no fail-closed handler turns it into a
    refusal, so the test fails instead of passing on a harness fault."""


class ScriptedModel:
    """Answers each agent, recognised by the role its call carries (GenerationParams.role), with a scripted reply:
    a string, an exception, or a function of the prompt. A role without a reply fails the test."""

    name = "scripted"

    def __init__(self, **replies: str | Exception | Callable[[str], str]) -> None:
        self.replies = replies
        self.calls: list[str] = []

    def chat(self, messages: list[Message], params: GenerationParams) -> Completion:
        self.calls.append(params.role)
        if params.role not in self.replies:
            raise UnscriptedCall(f"no scripted reply for the {params.role or 'unnamed'} agent")
        reply = self.replies[params.role]
        if isinstance(reply, Exception):
            raise reply
        text = reply(messages[-1]["content"]) if callable(reply) else reply
        return Completion(text=text, prompt_tokens=10, completion_tokens=5, latency_s=0.001)


class WordEmbedder:
    """Bag-of-words vectors: cosine similarity is word overlap. Enough to test the embedding signal."""

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), 384), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                if len(word) > 3:
                    vectors[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 384] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)


def as_json(**fields) -> str:
    return json.dumps(fields)


def rate_all(rating: int) -> Callable[[str], str]:
    """A critic reply that gives every answer in its prompt the same rating."""
    return lambda prompt: as_json(ratings=[rating] * len(re.findall(r"^ANSWER \d+:", prompt, re.MULTILINE)))


@pytest.fixture
def timeout_error() -> ModelCallError:
    return ModelCallError("model call timed out after 1s")


# -- what some tests need: missing, a test is skipped on a developer's machine and fails under CI

def require(available: bool, what: str) -> None:
    """Skip the test when what it needs is missing; under CI (CI=true) fail it instead, so a missing service or
    data set never turns into a green run."""
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing; CI must run this test")
    pytest.skip(f"{what} is missing")


@pytest.fixture
def benchmark_data() -> Path:
    """The benchmark data directory (../shared/data or $ALU_DATA_DIR)."""
    from alu.eval.data import default_data_dir

    found = default_data_dir()
    require(found is not None, "benchmark data (../shared/data or $ALU_DATA_DIR)")
    return found


# -- the target registry: every store test runs against SQLite and a real PostgreSQL server

REPO_ROOT = Path(__file__).resolve().parent.parent


def python_env() -> dict[str, str]:
    """Environment for a child Python process that imports this checkout's alu."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}


@pytest.fixture(params=["sqlite", "postgres"])
def registry_url(request, tmp_path) -> Iterator[str]:
    """A fresh, empty registry: a SQLite file, or a new database on $ALU_TEST_PG_URL's server."""
    if request.param == "sqlite":
        yield str(tmp_path / "registry.db")
        return
    base = os.environ.get("ALU_TEST_PG_URL")
    require(bool(base), "PostgreSQL ($ALU_TEST_PG_URL; start a server with: source .ci/postgres.sh)")
    import psycopg

    name = f"alu_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield urlsplit(base)._replace(path=f"/{name}").geturl()
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def store(registry_url):
    from alu.store import open_store

    with open_store(registry_url) as opened:
        yield opened


LEAKY = "The Harry Potter books were written by J. K. Rowling, a British author."


def leaky_model() -> ScriptedModel:
    """A model whose answer names J. K. Rowling, and whose agents rewrite it cleanly."""
    return ScriptedModel(vanilla=LEAKY, smooth=as_json(text="The Harry Potter books were written by a British author."),
                         critic=rate_all(5))


@pytest.fixture(scope="module")
def upstream(tmp_path_factory) -> Iterator:
    """A fake OpenAI-compatible upstream (tests/fake_upstream.py) as a real process, one per test module."""
    from server_helpers import start_fake_upstream

    process = start_fake_upstream(tmp_path_factory.mktemp("upstream"))
    yield process
    process.stop()
