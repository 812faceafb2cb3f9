"""AuditErase, erasing: k sanitised variants of the answer with the leaked targets removed."""

from __future__ import annotations

import re

import numpy as np

from ..errors import ModelCallError
from ..screening import TargetIndex, redact
from ..screening.parts import clause_spans, joint_length, sentence_spans
from ..trace import Step, Trace
from . import structured
from .base import PLACEHOLDER, AgentContext, Leak, variant_temperature
from .faithful import is_faithful

MIN_WORDS_LEFT = 2  # an answer with fewer words once the targets are removed is refused
MAX_SMOOTHED_CHARS = 800  # sentences holding placeholders beyond this get neutral words, not an LLM call


def erase(context: AgentContext, query: str, answer: str, leaks: list[Leak], guard: TargetIndex,
          trace: Trace, first: int = 0) -> list[str]:
    """Sanitised variants of the answer, from the first-th on (an empty list when nothing usable is left). The
    hybrid eraser writes one at first (first=0) and the rest of the k only when that one did not pass the critic;
    the LLM eraser (the paper's) writes all k at once."""
    step = trace.step("erase")
    k = context.config.k
    if context.config.erase == "llm":
        return [_llm_erase(context, query, answer, leaks, i, step) for i in range(first, k)]
    redacted = _redact(context, answer, leaks, guard)
    step.detail["redacted"] = redacted
    if len(re.findall(r"\w+", redacted.replace(PLACEHOLDER, ""))) < MIN_WORDS_LEFT:
        step.detail["result"] = "nothing left after redaction"
        return []
    if PLACEHOLDER not in redacted:
        return [] if first else [redacted]
    kind = leaks[0].target.kind
    variants = [_variant(context, redacted, kind, i, guard, step) for i in range(first, k if first else 1)]
    return variants


def _variant(context: AgentContext, redacted: str, kind: str, index: int, guard: TargetIndex, step: Step) -> str:
    """The redacted answer with its placeholders smoothed over by one LLM call, which sees only the sentences that
    hold one (a line each) and must give them back line for line; a line is kept only if it adds nothing to what its
    sentence says (is_faithful), else its placeholders become the neutral words of the kind."""
    holding = [(a, b) for a, b in sentence_spans(redacted) if PLACEHOLDER in redacted[a:b]]
    sentences = [redacted[a:b].strip() for a, b in holding]
    smoothed = _smooth(context, "\n".join(sentences), context.prompts.examples(kind), index, step)
    lines = smoothed.splitlines() if smoothed else []
    if len(lines) != len(sentences):
        lines = [""] * len(sentences)
    text, neutral = redacted, 0
    for (start, end), sentence, line in reversed(list(zip(holding, sentences, lines, strict=True))):
        line = line.strip()
        faithful = bool(line) and is_faithful(line, sentence, guard, context.prompts)
        rewritten = line if faithful else _neutral(context, sentence, kind)
        neutral += not faithful
        original = redacted[start:end]
        lead, trail = original[: len(original) - len(original.lstrip())], original[len(original.rstrip()):]
        text = text[:start] + lead + rewritten + trail + text[end:]
    step.detail["neutral_sentences"] = step.detail.get("neutral_sentences", 0) + neutral
    return text.strip()


def _neutral(context: AgentContext, redacted: str, kind: str) -> str:
    """The placeholders replaced by the kind's neutral words ("someone"), capitalised where a sentence starts."""
    words = context.prompts.neutral(kind)
    pieces = redacted.split(PLACEHOLDER)
    text = pieces[0]
    for piece in pieces[1:]:
        starts = not text.strip() or text.rstrip()[-1] in ".!?\n"
        text += (words[:1].upper() + words[1:] if starts else words) + piece
    return text


def _redact(context: AgentContext, answer: str, leaks: list[Leak], guard: TargetIndex) -> str:
    """The answer with leaked mentions replaced by the placeholder, and the clauses that restate a leaked target's
    profile or knowledge dropped (a restated fact needs no name): those as close as sim_confirm to a target leaked
    indirectly or to one whose name the clause held, and the others as close as sim_leak to one named."""
    leaked_ids = {leak.target.id for leak in leaks} | {i for leak in leaks for i in leak.covers}
    mentions = [m for shared in guard.mentions_in(answer) for m in shared.mentions() if m.target_id in leaked_ids]
    text = redact(answer, mentions, PLACEHOLDER)
    spans = clause_spans(text, sentence_spans(text))
    if not spans or guard.embedder is None:
        return text
    config = context.config
    named = np.array([[PLACEHOLDER in text[a:b]] for a, b in spans])
    direct = np.array([leak.direct for leak in leaks])
    floors = np.where(direct & ~named, config.sim_leak, config.sim_confirm)
    keep = (guard.closeness([_bare(text[a:b]) for a, b in spans], leaks, config.sim_confirm) < floors).all(axis=1)
    for (start, end), kept in reversed(list(zip(spans, keep.tolist(), strict=True))):
        if not kept:  # the clause goes, the layout around it stays
            text = _cut(text, start, end)
    return text.strip()


def _bare(clause: str) -> str:
    """A clause without its joint (", and") and its placeholder, as it is compared with the targets."""
    return clause[joint_length(clause):].replace(PLACEHOLDER, " ").strip()


def _cut(text: str, start: int, end: int) -> str:
    """text without the clause at start:end; a clause that ended its sentence passes its end on ("A, and B." less
    B is "A."), a first clause passes the capital on to the next."""
    clause, rest = text[start:end], text[end:]
    ending = re.search(r"[.!?]+\s*$", clause)
    before = text[:start]
    if before.rstrip() and before.rstrip()[-1] not in ".!?\n" and ending:  # the last clause of a sentence went
        return before.rstrip().rstrip(",;") + ending.group().rstrip() + (" " if rest[:1].strip() else "") + rest
    following = joint_length(rest)
    if following and not (ending and ending.end() == len(clause)):  # the first clause went: the next one begins
        rest = rest[following:]
        rest = rest[:1].upper() + rest[1:]
        return before + (" " if before and not before.endswith((" ", "\n")) else "") + rest
    return before + rest


def _smooth(context: AgentContext, redacted: str, examples: str, index: int, step: Step) -> str | None:
    """The smoothed sentences, or None (the caller falls back to neutral words): no call for more than
    MAX_SMOOTHED_CHARS, a reply about as long as the text at most, and no retry."""
    if len(redacted) > MAX_SMOOTHED_CHARS:
        step.detail["smoothing"] = "skipped: too long"
        return None
    prompt = context.prompts.render("smooth", text=redacted, examples=examples)
    max_tokens = min(context.config.agent_max_tokens, len(redacted) // 2 + 32)
    params = context.params("smooth", seed_offset=index, temperature=variant_temperature(context, index),
                            max_tokens=max_tokens)
    try:
        data = structured.call_json(context.agent_model, prompt, structured.string_field("text"), params, step,
                                    retry=False)
    except ModelCallError:
        return None
    return data["text"].strip()


def _llm_erase(context: AgentContext, query: str, answer: str, leaks: list[Leak], index: int, step: Step) -> str:
    subjects = ", ".join(leak.target.name for leak in leaks)
    prompt = context.prompts.render("paper_audit_erase", subjects=subjects, query=query, text=answer)
    params = context.params("paper_erase", seed_offset=index, temperature=variant_temperature(context, index))
    data = structured.call_json(context.agent_model, prompt, structured.string_field("response"), params, step)
    return data["response"].strip()
