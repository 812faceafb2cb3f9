"""The target registry: persistent forget targets with a full history of changes.

Implementations: SQLite (default, a file in the user's data directory) and PostgreSQL (a postgresql:// URL).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from ..errors import ConfigError
from .base import Change, ErasureRequest, Store, TargetRecord

__all__ = ["Change", "ErasureRequest", "Store", "TargetRecord", "default_path", "open_store"]


def default_path() -> Path:
    """The default registry: alu.db in the user's data directory."""
    return Path(platformdirs.user_data_dir("alu")) / "alu.db"


def open_store(url: str | None = None) -> Store:
    """Open the registry at url, else $ALU_DB, else the default file: a postgresql:// URL or a SQLite file path."""
    url = url or os.environ.get("ALU_DB") or str(default_path())
    if url.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore

        return PostgresStore(url)
    if url.startswith("sqlite:///"):
        url = url.removeprefix("sqlite:///")
    elif "://" in url:
        scheme = url.split("://", 1)[0]
        raise ConfigError(f"unsupported registry URL scheme {scheme!r} (expected a file path or postgresql://...)")
    from .sqlite import SQLiteStore

    return SQLiteStore(url)
