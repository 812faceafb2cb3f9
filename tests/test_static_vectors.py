"""Static sentence vectors (the screening gate's cheap first look): in the transformer's space, numbers weighed
like common words, the token table built once, stamped, and rebuilt if corrupt."""

from __future__ import annotations

import logging
import shutil

import numpy as np

from alu.embedding import minilm, static
from alu.paths import stamped_sha256

TEXTS = [
    "Who wrote the play Hamlet?",
    "William Shakespeare, the English playwright and poet.",
    "Photosynthesis turns light into chemical energy in plants.",
    "How do plants make sugar from sunlight?",
    "The author was born in Kuwait City in 1956 to a family of teachers.",
    "Where was the novelist born, and what did the parents do?",
    "How do I bake sourdough bread at home?",
    "What temperature should an oven be for bread?",
]


def test_static_vectors_follow_the_transformer():
    model, fast = minilm.load_minilm(), static.load_static()
    exact, cheap = model.encode(TEXTS), fast.encode(TEXTS)
    assert cheap.shape == exact.shape and np.allclose(np.linalg.norm(cheap, axis=1), 1.0, atol=1e-5)
    pairs = np.triu_indices(len(TEXTS), 1)
    true, approx = (exact @ exact.T)[pairs], (cheap @ exact.T)[pairs]
    assert np.corrcoef(true, approx)[0, 1] >= 0.8
    for question in range(0, len(TEXTS), 2):  # each question is closest to its own answer, as with the transformer
        scores = cheap[question] @ exact.T
        scores[question] = -1
        assert int(np.argmax(scores)) == question + 1
    assert not fast.encode([""]).any()


def test_numbers_weigh_like_the_commonest_words():
    vocabulary = {"[PAD]": 0, "the": static.FIRST_WORD_ID, "sarin": static.FIRST_WORD_ID + 20_000,
                  "1979": static.FIRST_WORD_ID + 3_000, "##42": static.FIRST_WORD_ID + 25_000}
    vocabulary.update({f"w{i}": i for i in range(1, 30_000) if i not in vocabulary.values()})
    weights = static.sif_weights(vocabulary)
    assert weights[vocabulary["1979"]] == weights[vocabulary["##42"]] == weights[vocabulary["the"]]
    assert weights[vocabulary["sarin"]] > 10 * weights[vocabulary["the"]]


def test_the_token_table_is_built_once_stamped_and_rebuilt_if_corrupt(tmp_path, monkeypatch, caplog):
    built = minilm.prepared_onnx(minilm.package_dir())
    (tmp_path / "models").mkdir()
    for path in (built, built.with_suffix(built.suffix + ".verified")):
        shutil.copy2(path, tmp_path / "models" / path.name)  # the converted model, not rebuilt here
    monkeypatch.setenv("ALU_CACHE_DIR", str(tmp_path))
    with caplog.at_level(logging.WARNING, logger="alu.embedding.static"):
        table = static.prepared_table()
    assert table.parent == tmp_path / "models" and "preparing static token vectors" in caplog.text
    assert minilm.sha256_of([table]) == stamped_sha256(table)
    caplog.clear()
    assert static.prepared_table() == table and not caplog.text  # built once
    good = table.read_bytes()
    table.write_bytes(good[:4096] + b"\0" * 64 + good[4160:])
    with caplog.at_level(logging.WARNING, logger="alu.embedding.static"):
        assert static.prepared_table() == table
    assert "preparing" in caplog.text and table.read_bytes() == good
