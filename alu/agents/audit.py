"""AuditErase, detection: which of the screened candidates the answer reveals."""

from __future__ import annotations

from ..prompts import Prompts
from ..screening import Candidate
from ..targets import Target
from ..trace import Step, Trace
from . import structured
from .base import AgentContext, Leak


def audit(context: AgentContext, answer: str, candidates: list[Candidate], trace: Trace) -> list[Leak]:
    """Which candidate targets the answer reveals."""
    step = trace.step("audit")
    config = context.config
    if config.detection == "llm":
        step.detail["mode"] = "llm: every answer is rewritten against every target in scope"
        return [Leak(c.target, direct=False, covers=c.covers) for c in candidates]
    leaks = [Leak(c.target, direct=True, covers=c.covers) for c in candidates if c.answer_mentions]
    undecided = [c for c in candidates if not c.answer_mentions]
    sure = [c for c in undecided if c.similarity >= config.sim_leak]
    floor = 0.0 if config.strict else config.sim_confirm
    # a target the system turns name is asked about whatever its similarity: the answer may draw on that text
    unsure = [c for c in undecided if c not in sure and (c.similarity >= floor or c.context_mentions)]
    unsure = sorted(unsure, key=lambda c: -c.similarity)[: config.max_llm_candidates]
    leaks += [Leak(c.target, direct=False, covers=c.covers) for c in sure]
    if unsure:
        confirmed = _confirm(context, answer, [c.target for c in unsure], step)
        leaks += [Leak(c.target, direct=False, covers=c.covers) for c in unsure if c.target in confirmed]
    step.detail.update(
        direct=[leak.target.name for leak in leaks if leak.direct],
        similar=[c.target.name for c in sure],
        asked_llm=[c.target.name for c in unsure],
    )
    return leaks


def _confirm(context: AgentContext, text: str, targets: list[Target], step: Step) -> list[Target]:
    names = [t.name for t in targets]
    schema = {
        "type": "object",
        "properties": {
            "leaked": {"type": "array", "items": {"type": "string", "enum": names}, "maxItems": len(names)}
        },
        "required": ["leaked"],
    }
    data = structured.call_json(context.agent_model, confirm_prompt(context.prompts, text, targets), schema,
                                context.params("confirm", max_tokens=64), step)
    return [t for t in targets if t.name in data["leaked"]]


def confirm_prompt(prompts: Prompts, text: str, targets: list[Target]) -> str:
    """The prompt that asks the agent model which of the (screened) targets the text reveals."""
    subjects = prompts.subject_list([t.name + (f": {t.description}" if t.description else "") for t in targets])
    return prompts.render("confirm", subjects=subjects, text=text)
