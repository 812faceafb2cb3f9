"""The composer: merges the top-j variants when their mean rating reaches tau, or refuses."""

from __future__ import annotations

import numpy as np

from ..errors import ModelCallError
from ..screening import TargetIndex
from ..trace import Trace
from . import structured
from .base import AgentContext
from .critic import VETO
from .faithful import is_faithful


def accepted(context: AgentContext, ratings: list[float]) -> bool:
    """Whether the composer would use these ratings' variants: some not vetoed, and the top-j's mean reaching tau."""
    order = _top(context, ratings)
    return bool(order) and float(np.mean([ratings[i] for i in order])) >= context.config.tau


def _top(context: AgentContext, ratings: list[float]) -> list[int]:
    """The top-j variants by rating; in the hybrid critic, a vetoed variant is never merged, nor counted in the
    mean."""
    order = sorted(range(len(ratings)), key=lambda i: -ratings[i])
    if context.config.critic == "hybrid":
        order = [i for i in order if ratings[i] > VETO]
    return order[: context.config.j]


def compose(context: AgentContext, query: str, variants: list[str], ratings: list[float], guard: TargetIndex,
            trace: Trace) -> str | None:
    """Merge the top-j variants when their mean rating reaches tau; None means refuse. A merge may only combine
    what the variants say (is_faithful against them, not against the question)."""
    step = trace.step("composer")
    config = context.config
    order = _top(context, ratings)
    trace.chosen = order
    if not order:
        step.detail["result"] = "every variant was vetoed"
        return None
    mean = float(np.mean([ratings[i] for i in order]))
    step.detail["mean_top_j"] = mean
    if mean < config.tau:
        return None
    chosen = list(dict.fromkeys(variants[i] for i in order))
    if len(chosen) == 1:
        return chosen[0]
    prompt = context.prompts.render("compose", query=query, answers=context.prompts.answer_list(chosen))
    try:
        data = structured.call_json(context.agent_model, prompt, structured.string_field("answer"),
                                    context.params("compose"), step)
    except ModelCallError:
        step.detail["merge"] = "failed; using the best variant"
        return chosen[0]
    merged = data["answer"].strip()
    if config.critic == "hybrid" and not is_faithful(merged, "\n".join(chosen), guard, context.prompts, ordered=False):
        step.detail["merge"] = "added a name or a claim; using the best variant"
        return chosen[0]
    return merged
