"""The critic: a 1-5 rating per variant for how well it hides the leaked targets (5 = no trace)."""

from __future__ import annotations

import numpy as np

from ..prompts import Prompts
from ..screening import TargetIndex, split_sentences
from ..targets import Target
from ..trace import Step, Trace
from . import structured
from .base import AgentContext, Leak

VETO = 1.0  # the rating of a variant in which some signal found a leak: the composer never uses it


def critic(context: AgentContext, variants: list[str], leaks: list[Leak], guard: TargetIndex,
           trace: Trace) -> list[float]:
    """A 1-5 rating per variant (5 = no trace of any leaked target). In the hybrid critic, a variant that any signal
    finds leaking (the deterministic guard, embedding similarity at the leak threshold, or an LLM rating of 1) is
    rated VETO, whatever the others say."""
    step = trace.step("critic")
    config = context.config
    weight = config.critic_llm_weight if config.critic == "hybrid" else 1.0
    llm = _llm_ratings(context, variants, leaks, step) if weight > 0 else [5.0] * len(variants)
    if config.critic == "llm":
        return llm
    ratings, vetoes = [], []
    similarity = _similarity_ratings(context, variants, leaks, guard)
    for variant, sim_rating, llm_rating in zip(variants, similarity, llm, strict=True):
        veto = _veto(variant, sim_rating, llm_rating, guard)
        vetoes.append(veto)
        ratings.append(VETO if veto else round((1 - weight) * sim_rating + weight * llm_rating, 3))
    step.detail.update(similarity_ratings=similarity, llm_ratings=llm, vetoes=vetoes)
    return ratings


def _veto(variant: str, sim_rating: float, llm_rating: float, guard: TargetIndex) -> str | None:
    """Which signal finds a leak in the variant (None: none does). A leak found by one signal is not averaged away."""
    if guard.mentions.find(variant):
        return "a target is mentioned"
    if sim_rating <= VETO:
        return "a sentence is as close to a target as a leak"
    if llm_rating <= VETO:
        return "the critic model rated it 1"
    return None


def _similarity_ratings(context: AgentContext, variants: list[str], leaks: list[Leak],
                        guard: TargetIndex) -> list[float]:
    """Per variant, 5 when no sentence comes near a leaked target's profile or knowledge, down to 1 at the leak
    threshold (5.0 for all without an embedder)."""
    if guard.embedder is None or not leaks:
        return [5.0] * len(variants)
    low, high = context.config.sim_confirm, context.config.sim_leak
    ratings = {}
    for variant in dict.fromkeys(variants):  # identical variants are rated once
        best = float(guard.closeness(split_sentences(variant) or [variant], leaks).max())
        ratings[variant] = float(np.clip(5.0 - 4.0 * (best - low) / (high - low), 1.0, 5.0))
    return [ratings[variant] for variant in variants]


def _llm_ratings(context: AgentContext, variants: list[str], leaks: list[Leak], step: Step) -> list[float]:
    schema = {
        "type": "object",
        "properties": {
            "ratings": {
                "type": "array",
                "items": {"type": "integer", "minimum": 1, "maximum": 5, "enum": [1, 2, 3, 4, 5]},
                "minItems": len(variants),
                "maxItems": len(variants),
            }
        },
        "required": ["ratings"],
    }
    prompt = critic_prompt(context.prompts, variants, [leak.target for leak in leaks])
    data = structured.call_json(context.agent_model, prompt, schema, context.params("critic", max_tokens=64), step)
    return [float(r) for r in data["ratings"]]


def critic_prompt(prompts: Prompts, variants: list[str], targets: list[Target]) -> str:
    """The prompt that asks the agent model to rate how well each variant hides the targets."""
    return prompts.render("critic", subjects=prompts.subject_list([t.name for t in targets]),
                          answers=prompts.answer_list(variants))
