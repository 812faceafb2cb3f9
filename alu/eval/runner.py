"""Runs methods over a suite's items with a per-(item, method) answer cache, so interrupted runs resume."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from ..config import preset
from ..embedding import TextEncoder
from ..errors import AluError
from ..models import ChatModel, ModelSettings, model_named
from . import methods as methods_mod
from .data import Item
from .methods import Answer, MemoModel, Setup
from .suites import Suite

CACHE_FILE = "answers.jsonl"


@dataclass(frozen=True)
class Backbone:
    """The model every method of a run answers with: what it is (part of every cache key) and how to load it (only
    when work remains)."""

    identity: str
    load: Callable[[], ChatModel]


def backbone_of(settings: ModelSettings) -> Backbone:
    """The backbone that model settings name: an embedded model, or a model served at base_url."""
    identity = f"{settings.model}@{settings.base_url or 'local'}"
    return Backbone(identity, lambda: model_named(settings, settings.model))


class JsonlCache:
    """Append-only JSON Lines of finished work (answers keyed by suite/part/item/method, or scores)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.done: dict[str, dict] = {}
        if self.path.is_file():
            with self.path.open(encoding="utf-8") as handle:
                for line in handle:
                    try:
                        record = json.loads(line)
                    except ValueError:  # a line cut short by an interruption
                        continue
                    self.done[record["key"]] = record
        self._handle = None

    def add(self, key: str, record: dict) -> None:
        record = {"key": key, **record}
        if self._handle is None:
            self._handle = self.path.open("a", encoding="utf-8")
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.done[key] = record

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


_NOT_SHAPING = ("eval", "cli", "server")  # alu's packages that an evaluated answer never runs


@cache
def code_digest(method: str) -> str:
    """A digest of the code, prompts and data that shape a method's answers, so a changed method is asked again."""
    package = Path(__file__).resolve().parents[1]
    shaping = [package / "eval" / "methods.py", package / "screening" / "mentions.py", *package.glob("prompts/*"),
               *package.glob("screening/data/*.txt")]
    if method.startswith("alu"):  # the whole library, not the evaluation harness, the CLI or the gateway
        shaping += [p for p in package.rglob("*.py") if p.relative_to(package).parts[0] not in _NOT_SHAPING]
    digest = hashlib.sha1()
    for path in sorted(set(shaping)):
        digest.update(path.relative_to(package).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:10]


def cache_key(suite: Suite, part: str, item: Item, method: str, backbone: Backbone, seed: int) -> str:
    """suite/part/item/method plus a digest of the question, the backbone, the seed, the run's settings and the
    method's code: a change of any is never reused."""
    asked = [item.query, item.knowledge, suite.max_tokens, backbone.identity, seed, code_digest(method)]
    if item.turns:  # a conversation: its earlier turns are part of what is asked
        asked.append(item.turns)
    if item.temperature or item.sample:  # a sampled answer
        asked.append([item.temperature, item.sample])
    digest = hashlib.sha1(json.dumps(asked).encode()).hexdigest()[:10]
    return f"{suite.name}/{part}/{item.id}/{method}/{digest}"


def plan(suite: Suite, method_names: list[str], method_limits: dict[str, int]) -> list[tuple]:
    """(part, item, method) triples to answer.

    A method limit keeps the first N items of each split for that method: `alu-paper` applies to every split,
    `alu-paper@forget` to one split (and wins over the plain one)."""
    work = []
    for part in suite.parts:
        seen: dict[tuple[str, str], int] = {}
        for item in part.items:
            for name in method_names:
                count = seen.get((item.split, name), 0)
                limit = method_limits.get(f"{name}@{item.split}", method_limits.get(name))
                if limit is not None and count >= limit:
                    continue
                seen[(item.split, name)] = count + 1
                work.append((part, item, name))
    return work


def run(suite: Suite, method_names: list[str], out: Path, backbone: Backbone,
        embedder_factory: Callable[[], TextEncoder | None], method_limits: dict[str, int] | None = None,
        seed: int = 0, progress: bool = True) -> JsonlCache:
    """Answer every planned (item, method) not in the cache; the backbone is loaded only if work remains."""
    out.mkdir(parents=True, exist_ok=True)
    cache = JsonlCache(out / CACHE_FILE)
    work = [w for w in plan(suite, method_names, method_limits or {})
            if cache_key(suite, w[0].name, w[1], w[2], backbone, seed) not in cache.done]
    if not work:
        return cache
    from tqdm import tqdm

    model = MemoModel(backbone.load())
    embedder = embedder_factory() if any(w[2].startswith("alu") for w in work) else None
    config = preset("default").with_overrides(max_tokens=suite.max_tokens, seed=seed)
    built: dict[tuple[str, str], methods_mod.Method] = {}
    try:
        for part, item, name in tqdm(work, desc=f"{suite.name}", unit="answer", disable=not progress):
            if (part.name, name) not in built:
                setup = Setup(model, part.targets, config, embedder, suite.icul_forget, suite.icul_retain)
                built[(part.name, name)] = methods_mod.build(name, setup)
            saved = model.saved_s
            started = time.monotonic()
            try:
                answer = methods_mod.answer_item(built[(part.name, name)], item)
            except AluError as exc:  # a baseline's model call failed (e.g. the prompt overflows the context)
                answer = Answer("", refused=True, llm_calls=1, trace={"error": f"{exc.__class__.__name__}: {exc}"})
            latency = time.monotonic() - started + (model.saved_s - saved)
            cache.add(cache_key(suite, part.name, item, name, backbone, seed),
                      {"answer": asdict(answer), "latency_s": round(latency, 3)})
    finally:
        cache.close()
    return cache
