"""Every prompt and user-visible phrase, kept as data files beside this module and replaceable by the caller.

Templates are `NAME.txt` files with `$field` placeholders; the phrases (the refusal and the decline of a question's
part, in each refusal style, the neutral words that stand for a removed target, how a list of answers is written) are
in phrases.json. `Prompts(templates=..., phrases=...)` or
`Prompts.from_dir(folder)` replace any of them: `Unlearner(..., prompts=Prompts(templates={"smooth": "..."}))`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from ..errors import ConfigError

PHRASES_FILE = "phrases.json"
STYLES = ("decline", "unknown")  # refusal styles: say that something is withheld, or answer as if never known
DEFAULT_STYLE = STYLES[0]
_STYLE_KEYS = {"decline": ("refusal", "decline"), "unknown": ("unknown_refusal", "unknown_decline")}


@cache
def _packaged_template(name: str) -> str:
    path = resources.files("alu.prompts").joinpath(f"{name}.txt")
    if not path.is_file():
        raise ConfigError(f"no prompt named {name!r}")
    return path.read_text(encoding="utf-8")


@cache
def _packaged_phrases() -> dict[str, Any]:
    return json.loads(resources.files("alu.prompts").joinpath(PHRASES_FILE).read_text(encoding="utf-8"))


class Prompts:
    """The packaged prompts, with any template or phrase replaced by the caller's."""

    def __init__(self, templates: Mapping[str, str] | None = None, phrases: Mapping[str, Any] | None = None) -> None:
        self._templates = dict(templates or {})
        unknown = set(phrases or {}) - set(_packaged_phrases())
        if unknown:
            raise ConfigError(f"unknown phrase(s): {', '.join(sorted(unknown))}")
        self.phrases = {**_packaged_phrases(), **(phrases or {})}

    @classmethod
    def from_dir(cls, folder: str | Path) -> Prompts:
        """The `*.txt` templates (and phrases.json, if any) of a folder replace the packaged ones of the same name."""
        folder = Path(folder)
        if not folder.is_dir():
            raise ConfigError(f"prompts folder not found: {folder}")
        templates = {path.stem: path.read_text(encoding="utf-8") for path in folder.glob("*.txt")}
        phrases_path = folder / PHRASES_FILE
        phrases = json.loads(phrases_path.read_text(encoding="utf-8")) if phrases_path.is_file() else None
        return cls(templates, phrases)

    def render(self, name: str, **fields: str) -> str:
        """Fill the named template; every $field must be given."""
        text = self._templates[name] if name in self._templates else _packaged_template(name)
        try:
            return Template(text).substitute(**fields).strip()
        except (KeyError, ValueError) as exc:
            raise ConfigError(f"prompt {name!r} has a placeholder it is not given: {exc}") from None

    @property
    def refusal(self) -> str:
        """The whole refusal of the default style."""
        return self.refusal_in(DEFAULT_STYLE)

    def refusal_in(self, style: str) -> str:
        """The whole refusal: `decline` says that something is withheld, `unknown` answers as if it were never
        known."""
        return self.phrases[_STYLE_KEYS[style][0]]

    def decline(self, style: str, numbers: list[int]) -> str:
        """The sentence that declines the given parts (1-based) of a question, naming them by position only."""
        ordinals = [self._ordinal(n) for n in numbers]
        if len(ordinals) == 1:
            parts = Template(self.phrases["part"]).substitute(ordinal=ordinals[0])
        else:
            joined = ", ".join(ordinals[:-1]) + f" {self.phrases['and']} " + ordinals[-1]
            parts = Template(self.phrases["parts"]).substitute(ordinals=joined)
        return Template(self.phrases[_STYLE_KEYS[style][1]]).substitute(parts=parts)

    def _ordinal(self, number: int) -> str:
        ordinals = self.phrases["ordinals"]
        return ordinals[number - 1] if number <= len(ordinals) else f"#{number}"

    def neutral(self, kind: str) -> str:
        """The words that stand for a removed target of this kind."""
        return self.phrases["neutral"][kind]

    def examples(self, kind: str) -> str:
        """Generic phrases the smoothing prompt offers for a removed target of this kind."""
        return self.phrases["examples"][kind]

    def answer_list(self, texts: list[str]) -> str:
        """Numbered answers as the critic and composer prompts show them."""
        item = Template(self.phrases["answer_item"])
        return "\n\n".join(item.substitute(n=number, text=text) for number, text in enumerate(texts, 1))

    def subject_list(self, lines: list[str]) -> str:
        """One `- subject` line each (the no-subjects phrase for none)."""
        return "\n".join(f"- {line}" for line in lines) or self.phrases["no_subjects"]


@cache
def default_prompts() -> Prompts:
    """The packaged prompts."""
    return Prompts()
