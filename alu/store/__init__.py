"""The target registry: persistent forget targets with a full history of changes.

Implementations: SQLite (default, a file in the user's data directory) and PostgreSQL (a postgresql:// URL).
"""

from __future__ import annotations

import os

from ..errors import ConfigError
from ..paths import default_registry_path
from .base import Store

__all__ = ["DB_HELP", "Store", "open_store"]

DB_HELP = "Registry: a SQLite file or a postgresql:// URL (default: $ALU_DB, else alu.db in the user's data directory)."


def open_store(url: str | None = None) -> Store:
    """Open the registry at url, else $ALU_DB, else the default file: a postgresql:// URL or a SQLite file path."""
    url = url or os.environ.get("ALU_DB") or str(default_registry_path())
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
