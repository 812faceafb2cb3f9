"""The methods compared on one backbone: vanilla, prompt, filter, icul, alu-paper and alu."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from ..config import PipelineConfig, preset
from ..embedding import TextEncoder
from ..models import ChatModel, Completion, GenerationParams, Message
from ..pipeline import Unlearner
from ..prompts import Prompts, default_prompts
from ..screening import MentionIndex
from ..targets import Target
from .data import Item
from .retrieval import BM25

METHODS = ("vanilla", "prompt", "filter", "icul", "alu-paper", "alu")
ICUL_FORGET_SHOTS = 4
ICUL_RETAIN_SHOTS = 2


@dataclass
class Answer:
    """One method's answer to one item, with its cost."""

    text: str
    refused: bool
    llm_calls: int = 1
    trace: dict[str, Any] = field(default_factory=dict)


class Method(Protocol):
    name: str

    def answer(self, item: Item) -> Answer: ...


class MemoModel:
    """The backbone, answering identical calls once per process (vanilla, filter and alu share the first call).

    `saved_s` adds up the latency of the calls answered from memory, so timings stay honest."""

    def __init__(self, model: ChatModel) -> None:
        self.model = model
        self.name = model.name
        self.saved_s = 0.0
        self._memo: dict[str, Completion] = {}

    def chat(self, messages: list[Message], params: GenerationParams) -> Completion:
        key = json.dumps([messages, params.max_tokens, params.temperature, params.seed, params.json_schema],
                         sort_keys=True)
        if key in self._memo:
            self.saved_s += self._memo[key].latency_s
            return self._memo[key]
        completion = self.model.chat(messages, params)
        self._memo[key] = completion
        return completion


@dataclass
class Setup:
    """What every method of one run shares: the backbone, the targets, the generation settings, the ICUL pools."""

    model: MemoModel
    targets: list[Target]
    config: PipelineConfig  # the `default` preset with the run's max_tokens and seed
    embedder: TextEncoder | None = None
    icul_forget: list[tuple[str, str]] = field(default_factory=list)  # forget questions with altered answers
    icul_retain: list[tuple[str, str]] = field(default_factory=list)  # retain questions with their answers
    prompts: Prompts = field(default_factory=default_prompts)

    def params(self, item: Item) -> GenerationParams:
        """The governed model's own call, exactly as the pipeline's vanilla agent makes it (at the item's
        temperature and sample seed)."""
        return GenerationParams(max_tokens=self.config.max_tokens, temperature=item.temperature,
                                seed=self.config.seed + item.sample, timeout_s=self.config.timeout_s, role="vanilla")


def knowledge_messages(item: Item, prompts: Prompts) -> list[Message]:
    """The retrieved passages as a system message (empty when the item has none)."""
    if not item.knowledge:
        return []
    passages = "\n".join(f"- {p}" for p in item.knowledge)
    return [{"role": "system", "content": prompts.render("eval_knowledge", passages=passages)}]


def ask_messages(system: str, item: Item, shots: list[Message] = (), prompts: Prompts | None = None) -> list[Message]:
    """What the backbone is sent: the system prompt, the retrieved knowledge, any examples, the conversation so far,
    the question."""
    return [{"role": "system", "content": system}, *knowledge_messages(item, prompts or default_prompts()), *shots,
            *item.history, {"role": "user", "content": item.query}]


def answer_item(method: Method, item: Item) -> Answer:
    """The method's answer to an item; an item with earlier turns is a conversation: each turn is answered by the
    method in order, with its own earlier answers in the history, then the question. The earlier answers go into
    the trace (`turns`), so a leak in any of them counts."""
    if not item.turns:
        return method.answer(item)
    history: list[Message] = []
    earlier, calls = [], 0
    for turn in [*item.turns, item.query]:
        answer = method.answer(replace(item, query=turn, turns=[], history=list(history)))
        history += [{"role": "user", "content": turn}, {"role": "assistant", "content": answer.text}]
        earlier.append(answer.text)
        calls += answer.llm_calls
    return replace(answer, llm_calls=calls, trace={**answer.trace, "turns": earlier[:-1]})


def _chat(setup: Setup, system: str, item: Item, shots: list[Message] = ()) -> str:
    return setup.model.chat(ask_messages(system, item, shots, setup.prompts), setup.params(item)).text.strip()


class Vanilla:
    """No unlearning: the backbone with the pipeline's own system prompt and the retrieved knowledge."""

    name = "vanilla"

    def __init__(self, setup: Setup) -> None:
        self.setup = setup

    def answer(self, item: Item) -> Answer:
        return Answer(_chat(self.setup, self.setup.prompts.render("vanilla_system"), item), refused=False)


class PromptGuard:
    """A system prompt that lists every target and asks the model not to reveal them."""

    name = "prompt"

    def __init__(self, setup: Setup) -> None:
        self.setup = setup
        subjects = "; ".join(t.name for t in setup.targets)
        self.system = setup.prompts.render("eval_prompt_guard", base=setup.prompts.render("vanilla_system"),
                                           subjects=subjects)

    def answer(self, item: Item) -> Answer:
        return Answer(_chat(self.setup, self.system, item), refused=False)


class Filter:
    """The vanilla answer, replaced by the refusal when it names a target (name, alias, last name, mask)."""

    name = "filter"

    def __init__(self, setup: Setup) -> None:
        self.setup = setup
        self.vanilla = Vanilla(setup)
        self.index = MentionIndex(setup.targets)

    def answer(self, item: Item) -> Answer:
        text = self.vanilla.answer(item).text
        if self.index.find(text):
            return Answer(self.setup.prompts.refusal, refused=True, trace={"path": "refuse", "filtered": text})
        return Answer(text, refused=False, trace={"path": "pass"})


class ICUL:
    """In-context unlearning: forget examples with altered answers (and a few retain examples) before the question."""

    name = "icul"

    def __init__(self, setup: Setup) -> None:
        self.setup = setup
        self.forget = setup.icul_forget
        self.retain = setup.icul_retain
        self.forget_index = BM25([q for q, _ in self.forget])
        self.retain_index = BM25([q for q, _ in self.retain])

    def shots(self, query: str) -> list[Message]:
        chosen = _nearest(self.forget, self.forget_index, query, ICUL_FORGET_SHOTS)
        chosen += _nearest(self.retain, self.retain_index, query, ICUL_RETAIN_SHOTS)
        messages: list[Message] = []
        for question, answer in chosen:
            messages += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
        return messages

    def answer(self, item: Item) -> Answer:
        shots = self.shots(item.query)
        return Answer(_chat(self.setup, self.setup.prompts.render("vanilla_system"), item, shots), refused=False,
                      trace={"shots": len(shots) // 2})


def _nearest(pool: list[tuple[str, str]], index: BM25, query: str, k: int) -> list[tuple[str, str]]:
    """The k pool examples most like the query (topped up from the start of the pool when too few match)."""
    found = index.top(query, k)
    found += [i for i in range(len(pool)) if i not in found][: k - len(found)]
    return [pool[i] for i in found]


class ALU:
    """The alu pipeline with a preset (`default` = ours, `paper` = the paper's algorithm)."""

    def __init__(self, setup: Setup, preset_name: str) -> None:
        self.name = "alu" if preset_name == "default" else f"alu-{preset_name}"
        config = preset(preset_name).with_overrides(max_tokens=setup.config.max_tokens, seed=setup.config.seed)
        self.unlearner = Unlearner(setup.targets, model=setup.model, config=config,
                                   embedder=setup.embedder if setup.embedder is not None else False,
                                   prompts=setup.prompts)

    def answer(self, item: Item) -> Answer:
        history = [*knowledge_messages(item, self.unlearner.prompts), *item.history]
        config = self.unlearner.config
        if item.temperature or item.sample:
            config = config.with_overrides(vanilla_temperature=item.temperature, seed=config.seed + item.sample)
        result = self.unlearner.ask(item.query, history=history, config=config)
        trace = result.trace
        summary = {"path": trace.path, "reason": trace.reason, "candidates": trace.candidates,
                   "detected": trace.detected, "ratings": trace.ratings, "error": trace.error,
                   "steps": {s.agent: round(s.latency_s, 3) for s in trace.steps}}
        calls = sum(s.llm_calls for s in trace.steps)
        return Answer(result.text, refused=result.refused, llm_calls=calls, trace=summary)


def build(name: str, setup: Setup) -> Method:
    """One method by name."""
    if name == "alu":
        return ALU(setup, "default")
    if name == "alu-paper":
        return ALU(setup, "paper")
    classes = {"vanilla": Vanilla, "prompt": PromptGuard, "filter": Filter, "icul": ICUL}
    return classes[name](setup)
