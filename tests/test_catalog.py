"""Embedded-model assembly: chunks concatenated in order, verified by sha256, cached, clear errors."""

from __future__ import annotations

import hashlib
import sys

import pytest

from alu.errors import ModelNotFoundError
from alu.models import catalog
from alu.models.catalog import EmbeddedModel, assemble, resolve_gguf


def make_packages(root, prefix: str, chunks: list[bytes]) -> None:
    """Fake chunk packages laid out like the PyPI ones: <prefix>N/data/partNN.bin."""
    for number, data in enumerate(chunks, 1):
        package = root / f"{prefix}{number}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "data" / f"part{number:02d}.bin").write_bytes(data)


@pytest.fixture
def fake_model(tmp_path, monkeypatch):
    chunks = [b"GGUF" + b"a" * 100, b"b" * 50, b"c" * 10]
    prefix = f"alu_fake_{tmp_path.name.replace('-', '_')}_part"
    make_packages(tmp_path / "site", prefix, chunks)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setenv("ALU_CACHE_DIR", str(tmp_path / "cache"))
    model = EmbeddedModel(
        name="fake", description="", packages=tuple(f"{prefix}{i}" for i in range(1, 4)), pattern="data/part*.bin",
        sha256=hashlib.sha256(b"".join(chunks)).hexdigest(), size=164, install_hint="pip install fake",
    )
    yield model, b"".join(chunks)
    for name in [m for m in sys.modules if m.startswith(prefix)]:
        del sys.modules[name]


def test_assembles_in_order_and_verifies(fake_model, tmp_path):
    model, expected = fake_model
    path = assemble(model)
    assert path.read_bytes() == expected and path.parent == tmp_path / "cache" / "models"


def test_second_call_uses_the_verified_cache(fake_model, monkeypatch):
    model, _ = fake_model
    assemble(model)
    monkeypatch.setattr(catalog, "sha256_of", lambda paths: pytest.fail("re-hashed a verified file"))
    assert assemble(model).is_file()


def test_corrupt_chunk_is_reported(fake_model):
    model, _ = fake_model
    corrupt = EmbeddedModel(**{**model.__dict__, "sha256": "0" * 64})
    with pytest.raises(ModelNotFoundError, match="corrupt.*reinstall"):
        assemble(corrupt)


def test_tampered_cache_file_is_rebuilt(fake_model):
    model, expected = fake_model
    path = assemble(model)
    path.write_bytes(b"GGUF garbage")
    assert assemble(model).read_bytes() == expected


def test_missing_package_names_the_install_command():
    model = EmbeddedModel("ghost", "", ("alu_no_such_package_part1",), "data/*.bin", "0" * 64, 0, "pip install ghost")
    with pytest.raises(ModelNotFoundError, match="not installed.*pip install ghost"):
        assemble(model)


def test_unknown_names_and_bad_paths(tmp_path):
    with pytest.raises(ModelNotFoundError, match="unknown model 'gpt-9'"):
        resolve_gguf("gpt-9")
    with pytest.raises(ModelNotFoundError, match="not found"):
        resolve_gguf(str(tmp_path / "missing.gguf"))
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelNotFoundError, match="corrupt"):
        resolve_gguf(str(bad))
