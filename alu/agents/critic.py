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
    """A 1-5 rating per variant (5 = no trace of any leaked target). The hybrid critic asks the LLM only where its
    rating can change the outcome: a variant that mentions a target or has a sentence as close to one as a leak is
    rated VETO; one whose similarity rating reaches tau is accepted, and one that even an LLM 5 (blended in with
    critic_llm_weight) could not lift to tau is rejected, on the deterministic signals alone. The others (and every
    variant without an embedder, where similarity cannot tell) get the LLM's rating blended in; its 1 is a veto."""
    step = trace.step("critic")
    config = context.config
    if config.critic == "llm":
        ratings = _llm_ratings(context, variants, leaks, step)
        step.detail["llm_ratings"] = ratings
        return ratings
    similarity = _similarity_ratings(context, variants, leaks, guard)
    vetoes = [_veto(variant, rating, guard) for variant, rating in zip(variants, similarity, strict=True)]
    weight = config.critic_llm_weight
    open_ = [i for i, (rating, veto) in enumerate(zip(similarity, vetoes, strict=True))
             if veto is None and (rating is None or _open(rating, weight, config.tau))]
    asked = list(dict.fromkeys(variants[i] for i in open_)) if weight > 0 else []
    llm = dict(zip(asked, _llm_ratings(context, asked, leaks, step), strict=True)) if asked else {}
    ratings = []
    for index, (variant, rating) in enumerate(zip(variants, similarity, strict=True)):
        rating = 5.0 if rating is None else rating
        if vetoes[index] is None and llm.get(variant, 5.0) <= VETO:
            vetoes[index] = "the critic model rated it 1"
        blended = (1 - weight) * rating + weight * llm[variant] if variant in llm else rating
        ratings.append(VETO if vetoes[index] else round(blended, 3))
    step.detail.update(similarity_ratings=similarity, llm_ratings=[llm.get(v) for v in variants], vetoes=vetoes)
    return ratings


def _open(rating: float, weight: float, tau: float) -> bool:
    """Whether an LLM rating could still decide a variant of this similarity rating: below tau, but within reach."""
    return rating < tau <= (1 - weight) * rating + weight * 5.0


def model_rated(trace: Trace) -> bool:
    """Whether the critic model rated any variant in the last critic step (a rating more variants may change; the
    deterministic signals rate the redacted text itself, which more smoothing does not change)."""
    step = next(s for s in reversed(trace.steps) if s.agent == "critic")
    return any(rating is not None for rating in step.detail.get("llm_ratings", ()))


def _veto(variant: str, sim_rating: float | None, guard: TargetIndex) -> str | None:
    """Which deterministic signal finds a leak in the variant (None: none does)."""
    if guard.mentions_in(variant):
        return "a target is mentioned"
    if sim_rating is not None and sim_rating <= VETO:
        return "a sentence is as close to a target as a leak"
    return None


def _similarity_ratings(context: AgentContext, variants: list[str], leaks: list[Leak],
                        guard: TargetIndex) -> list[float | None]:
    """Per variant, 5 when no sentence comes near a leaked target's profile or knowledge, down to 1 at the leak
    threshold (None for all without an embedder: similarity cannot tell)."""
    if guard.embedder is None:
        return [None] * len(variants)
    if not leaks:
        return [5.0] * len(variants)
    low, high = context.config.sim_confirm, context.config.sim_leak
    ratings = {}
    for variant in dict.fromkeys(variants):  # identical variants are rated once
        best = float(guard.closeness(split_sentences(variant) or [variant], leaks, low).max())
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
