"""The composer: merges the top-j variants when their mean rating reaches tau, or refuses."""

from __future__ import annotations

import numpy as np

from ..errors import ModelCallError
from ..screening import TargetIndex
from ..trace import Trace
from . import structured
from .base import AgentContext, is_clean
from .critic import VETO


def compose(context: AgentContext, query: str, variants: list[str], ratings: list[float], guard: TargetIndex,
            trace: Trace) -> str | None:
    """Merge the top-j variants when their mean rating reaches tau; None means refuse."""
    step = trace.step("composer")
    config = context.config
    order = sorted(range(len(variants)), key=lambda i: -ratings[i])
    if config.critic == "hybrid":  # a vetoed variant is never merged, nor counted in the mean
        order = [i for i in order if ratings[i] > VETO]
    order = order[: config.j]
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
    if config.critic == "hybrid" and not is_clean(merged, " ".join(chosen) + " " + query, guard):
        step.detail["merge"] = "added a name or a new entity; using the best variant"
        return chosen[0]
    return merged
