"""Command line: `alu ask`, `alu models`, `alu targets`, `alu serve`, `alu eval`."""

from .main import main

__all__ = ["main"]
