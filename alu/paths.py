"""Where alu keeps its files (cache and data directories), and the stamps that spare re-hashing a verified file."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import platformdirs

APP = "alu"


def cache_dir() -> Path:
    """Assembled models, the ONNX embedder and the embedding cache: $ALU_CACHE_DIR, else the user's cache folder."""
    return Path(os.environ.get("ALU_CACHE_DIR") or platformdirs.user_cache_dir(APP))


def models_dir() -> Path:
    return cache_dir() / "models"


def embedding_cache_path() -> Path:
    return cache_dir() / "embeddings.sqlite"


def default_registry_path() -> Path:
    """The registry when neither --db nor $ALU_DB names one: alu.db in the user's data folder."""
    return Path(platformdirs.user_data_dir(APP)) / "alu.db"


def sha256_of(paths: list[Path]) -> str:
    """sha256 of the concatenation of the files."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            while block := handle.read(1 << 22):
                digest.update(block)
    return digest.hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.with_suffix(path.suffix + ".verified")


def is_verified(path: Path, sha256: str) -> bool:
    """True when the file was hashed before and has not changed since (size and mtime)."""
    try:
        stamp = json.loads(_stamp_path(path).read_text())
        stat = path.stat()
    except (OSError, ValueError):
        return False
    return stamp == {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def stamped_sha256(path: Path) -> str | None:
    """The sha256 the file's stamp records (None without a readable stamp)."""
    try:
        return json.loads(_stamp_path(path).read_text()).get("sha256")
    except (OSError, ValueError, AttributeError):
        return None


def write_stamp(path: Path, sha256: str) -> None:
    stat = path.stat()
    stamp = {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    _stamp_path(path).write_text(json.dumps(stamp))
