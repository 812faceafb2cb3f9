"""AuditErase, erasing: k sanitised variants of the answer with the leaked targets removed."""

from __future__ import annotations

import re

import numpy as np

from ..errors import ModelCallError
from ..screening import TargetIndex, redact, split_sentences
from ..trace import Step, Trace
from . import structured
from .base import PLACEHOLDER, AgentContext, Leak, is_clean, variant_temperature


def erase(context: AgentContext, query: str, answer: str, leaks: list[Leak], guard: TargetIndex,
          trace: Trace) -> list[str]:
    """k sanitised variants of the answer (an empty list when nothing usable is left)."""
    step = trace.step("erase")
    k = context.config.k
    if context.config.erase == "llm":
        return [_llm_erase(context, query, answer, leaks, i, step) for i in range(k)]
    redacted = _redact(context, answer, leaks, guard)
    step.detail["redacted"] = redacted
    if len(re.findall(r"\w+", redacted.replace(PLACEHOLDER, ""))) < 3:
        step.detail["result"] = "nothing left after redaction"
        return []
    if PLACEHOLDER not in redacted:
        return [redacted]
    kind = leaks[0].target.kind
    neutral = redacted.replace(PLACEHOLDER, context.prompts.neutral(kind))
    variants, fallbacks = [], 0
    for i in range(k):
        smoothed = _smooth(context, redacted, context.prompts.examples(kind), i, step)
        if smoothed is None or not is_clean(smoothed, redacted + " " + query, guard):
            smoothed, fallbacks = neutral, fallbacks + 1
        variants.append(smoothed)
    step.detail["fallbacks_to_placeholder_text"] = fallbacks
    return variants


def _redact(context: AgentContext, answer: str, leaks: list[Leak], guard: TargetIndex) -> str:
    """The answer with leaked mentions replaced by the placeholder, and the sentences that restate a leaked target's
    profile or knowledge dropped (a restated fact needs no name): those as close as sim_confirm to a target leaked
    indirectly, and those as close as sim_leak to one named."""
    leaked_ids = {leak.target.id for leak in leaks} | {i for leak in leaks for i in leak.covers}
    mentions = [m for m in guard.mentions.find(answer) if m.target_id in leaked_ids]
    text = redact(answer, mentions, PLACEHOLDER)
    sentences = split_sentences(text)
    if sentences and guard.embedder is not None:
        config = context.config
        floors = np.array([config.sim_leak if leak.direct else config.sim_confirm for leak in leaks])
        keep = (guard.closeness(sentences, leaks) < floors).all(axis=1)
        text = " ".join(s for s, k in zip(sentences, keep, strict=True) if k)
    return text


def _smooth(context: AgentContext, redacted: str, examples: str, index: int, step: Step) -> str | None:
    prompt = context.prompts.render("smooth", text=redacted, examples=examples)
    params = context.params("smooth", seed_offset=index, temperature=variant_temperature(context, index))
    try:
        data = structured.call_json(context.agent_model, prompt, structured.string_field("text"), params, step)
    except ModelCallError:
        return None
    return data["text"].strip()


def _llm_erase(context: AgentContext, query: str, answer: str, leaks: list[Leak], index: int, step: Step) -> str:
    subjects = ", ".join(leak.target.name for leak in leaks)
    prompt = context.prompts.render("paper_audit_erase", subjects=subjects, query=query, text=answer)
    params = context.params("paper_erase", seed_offset=index, temperature=variant_temperature(context, index))
    data = structured.call_json(context.agent_model, prompt, structured.string_field("response"), params, step)
    return data["response"].strip()
