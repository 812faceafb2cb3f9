"""Static sentence vectors: a weighted mean of token vectors taken once from the packaged transformer, with no
transformer run per text (about 20 µs a sentence against 3 ms).

Each WordPiece token's vector is the transformer's output at that token for "[CLS] token [SEP]". A text's vector
is the mean of its tokens' vectors weighted by SIF (a / (a + p), with p from Zipf's law over the vocabulary, whose
word ids are roughly in frequency order), in the transformer's own space: its cosine to a MiniLM sentence vector
follows the MiniLM cosine (0.86 correlation on TOFU holdout and MMLU dev texts). Screening uses it as a gate: a text
whose static vector comes nowhere near any stored chunk is not run through the transformer (see Floors.gate).

The table (30,522 x 384, float16, 23 MB) is built from the int8 ONNX file on first use (about 10 s) and kept beside
it, named by that file's sha256 and stamped like it.
"""

from __future__ import annotations

import fcntl
import logging
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..paths import sha256_of, stamped_sha256, write_stamp
from .minilm import MAX_TOKENS, intact, package_dir, prepared_onnx

FIRST_WORD_ID = 1996  # WordPiece ids below are padding, unused slots, special tokens and single characters
SIF = 1e-3
BUILD_BATCH = 512  # tokens run at a time while the table is built (a fixed batch keeps the table reproducible)
CLS, SEP = 101, 102

log = logging.getLogger(__name__)


class StaticVectors:
    """Unit-length static vectors of texts (zero for a text without tokens)."""

    def __init__(self, table: np.ndarray, tokenizer_path: Path) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()
        self._table = table.astype(np.float32) * sif_weights(self._tokenizer.get_vocab())[:, None]

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self._table.shape[1]), dtype=np.float32)
        for row, text in enumerate(texts):  # one at a time: encode_batch would wake the tokenizer's thread pool
            ids = self._tokenizer.encode(text, add_special_tokens=False).ids
            if ids:
                summed = self._table[ids].sum(axis=0)
                vectors[row] = summed / max(float(np.linalg.norm(summed)), 1e-12)
        return vectors


def sif_weights(vocabulary: dict[str, int]) -> np.ndarray:
    """SIF weight per token id: a / (a + p(rank)), Zipf p over the word ids. The ids below FIRST_WORD_ID, and
    numbers (whose ids say nothing of how common they are: WordPiece cuts numbers anywhere), count as the most
    frequent."""
    size = len(vocabulary)
    rank = np.maximum(np.arange(size) - FIRST_WORD_ID + 1, 1).astype(np.float64)
    rank[[i for token, i in vocabulary.items() if token.removeprefix("##").isdigit()]] = 1
    probability = 1.0 / (rank * np.log(size))
    return (SIF / (SIF + probability)).astype(np.float32)


@lru_cache(maxsize=1)
def load_static() -> StaticVectors:
    """The static vectors of the packaged model (the table built on first use)."""
    return StaticVectors(np.load(prepared_table()), package_dir() / "tokenizer.json")


def prepared_table() -> Path:
    """The token table in the cache, built from the ONNX file when missing or corrupt."""
    onnx = prepared_onnx(package_dir())
    target = onnx.with_name(f"{onnx.stem}-tokens-{stamped_sha256(onnx)[:16]}.npy")
    if intact(target):
        return target
    with open(target.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not intact(target):
            if target.exists():
                log.warning("static token vectors %s are corrupt (sha256 does not match its stamp)", target)
            log.warning("preparing static token vectors (once, about 10 s): %s", target)
            partial = target.with_suffix(".partial.npy")
            np.save(partial, token_table(onnx))
            partial.replace(target)
            write_stamp(target, sha256_of([target]))
    return target


def token_table(onnx: Path) -> np.ndarray:
    """Every token's output vector in "[CLS] token [SEP]", float16."""
    import onnxruntime
    from tokenizers import Tokenizer

    size = Tokenizer.from_file(str(package_dir() / "tokenizer.json")).get_vocab_size()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(onnx), options, providers=["CPUExecutionProvider"])
    rows = []
    for start in range(0, size, BUILD_BATCH):
        tokens = np.arange(start, min(start + BUILD_BATCH, size))
        ids = np.stack([np.full(len(tokens), CLS), tokens, np.full(len(tokens), SEP)], axis=1).astype(np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        rows.append(session.run(None, feed)[0][:, 1].astype(np.float16))
    return np.concatenate(rows)

