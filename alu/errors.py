"""Exceptions. Messages are written for end users: they never name a forget target."""


class AluError(Exception):
    """Base class for errors shown to the user as one line."""


class ConfigError(AluError):
    """Bad input or configuration (empty query, unreadable targets file, bad option)."""


class ModelNotFoundError(AluError):
    """An unknown model name, or a model whose files are missing or corrupt."""


class ModelCallError(AluError):
    """A model call failed, timed out or returned unusable output."""


class StoreError(AluError):
    """The target registry's database cannot be reached or refused an operation."""
