"""The vanilla agent: the governed model's own answer."""

from __future__ import annotations

from ..errors import ModelCallError
from ..models.base import Completion, GenerationParams, Message, checked_text
from ..trace import Step
from .base import AgentContext


def vanilla_request(context: AgentContext, query: str, history: list[Message]) -> tuple[list[Message],
                                                                                        GenerationParams]:
    """The messages and parameters of the governed model's call."""
    messages = [{"role": "system", "content": context.prompts.render("vanilla_system")}, *history]
    messages.append({"role": "user", "content": query})
    config = context.config
    return messages, context.params("vanilla", max_tokens=config.max_tokens, temperature=config.vanilla_temperature)


def vanilla_answer(completion: Completion, step: Step) -> str:
    """The answer of the governed model's completion, recorded in its step; ModelCallError for an empty answer or
    one that is no valid Unicode."""
    step.llm_calls, step.latency_s = 1, completion.latency_s
    step.prompt_tokens, step.completion_tokens = completion.prompt_tokens, completion.completion_tokens
    text = checked_text(completion.text)
    if not text.strip():
        raise ModelCallError("the model returned an empty answer")
    return text.strip()
