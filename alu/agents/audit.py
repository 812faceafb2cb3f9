"""AuditErase, detection: which of the screened candidates the answer reveals."""

from __future__ import annotations

from ..config import PipelineConfig
from ..prompts import Prompts
from ..screening import Candidate
from ..targets import Target
from ..trace import Step, Trace
from . import structured
from .base import AgentContext, Leak

EVIDENCE_CHARS = 300  # one matched knowledge chunk as the confirm prompt shows it


def audit(context: AgentContext, answer: str, candidates: list[Candidate], trace: Trace) -> list[Leak]:
    """Which candidate targets the answer reveals."""
    step = trace.step("audit")
    config = context.config
    if config.detection == "llm":
        step.detail["mode"] = "llm: every answer is rewritten against every target in scope"
        return [_leak(c, direct=False) for c in candidates]
    leaks = [_leak(c, direct=True) for c in candidates if c.answer_mentions]
    undecided = [c for c in candidates if not c.answer_mentions]
    sure = [c for c in undecided if c.similarity >= config.sim_leak]
    unsure = [c for c in undecided if c not in sure and not c.declined and _askable(c, config)]
    unsure = sorted(unsure, key=lambda c: -c.similarity)[: config.max_llm_candidates]
    leaks += [_leak(c, direct=False) for c in sure]
    if unsure:
        confirmed = _confirm(context, answer, unsure, step)
        leaks += [_leak(c, direct=False) for c in unsure if c.target in confirmed]
    step.detail.update(
        direct=[leak.target.name for leak in leaks if leak.direct],
        similar=[c.target.name for c in sure],
        asked_llm=[c.target.name for c in unsure],
    )
    return leaks


def _leak(candidate: Candidate, direct: bool) -> Leak:
    return Leak(candidate.target, direct=direct, covers=candidate.covers, lines=candidate.lines,
                others=candidate.others)


def _askable(candidate: Candidate, config: PipelineConfig) -> bool:
    """Whether the LLM is asked to confirm a candidate below sim_leak: one of the confirm_kinds at sim_confirm, or
    whatever its similarity when a system turn names it (the answer may draw on that text); in strict mode any. A
    candidate of another kind that a system turn names is decided by similarity, the lines naming it counting as its
    knowledge (Unlearner._passage_evidence), and asked about only when that could not be measured."""
    if config.strict:
        return True
    if candidate.context_mentions and (candidate.target.kind in config.confirm_kinds or candidate.passages is None):
        return True
    return candidate.target.kind in config.confirm_kinds and candidate.similarity >= config.sim_confirm


def _confirm(context: AgentContext, text: str, candidates: list[Candidate], step: Step) -> list[Target]:
    targets = [c.target for c in candidates]
    names = [t.name for t in targets]
    schema = {
        "type": "object",
        "properties": {
            "leaked": {"type": "array", "items": {"type": "string", "enum": names}, "maxItems": len(names)}
        },
        "required": ["leaked"],
    }
    data = structured.call_json(context.agent_model, confirm_prompt(context.prompts, text, candidates), schema,
                                context.params("confirm", max_tokens=64), step)
    return [t for t in targets if t.name in data["leaked"]]


def confirm_prompt(prompts: Prompts, text: str, candidates: list[Candidate]) -> str:
    """The prompt that asks the agent model which of the (screened) targets the text reveals: each with its
    description and the few knowledge chunks screening matched (Candidate.matched), so its size does not depend on
    how much the registry knows."""
    subjects = prompts.subject_list([_subject(c) for c in candidates])
    return prompts.render("confirm", subjects=subjects, text=text)


def _subject(candidate: Candidate) -> str:
    target = candidate.target
    line = target.name + (f": {target.description}" if target.description else "")
    return line + "".join(f"\n  known for: {_cut(text)}" for text in candidate.matched)


def _cut(text: str, limit: int = EVIDENCE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."
