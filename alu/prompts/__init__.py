"""Prompt templates, kept as data files beside the code."""

from __future__ import annotations

from functools import cache
from importlib import resources
from string import Template


@cache
def _template(name: str) -> Template:
    return Template(resources.files("alu.prompts").joinpath(f"{name}.txt").read_text(encoding="utf-8"))


def render(name: str, **fields: str) -> str:
    """Fill the named template; every $field must be given."""
    return _template(name).substitute(**fields).strip()
