"""The target registry: persistent forget targets with a full history of changes.

Implementations: SQLite (default, a file in the user's data directory) and PostgreSQL (a postgresql:// URL).
"""

from .base import Change, Store, TargetRecord

__all__ = ["Change", "Store", "TargetRecord"]
