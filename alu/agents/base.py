"""What the four agents share: the models, the settings and the prompts of one pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import PipelineConfig
from ..models.base import ChatModel, GenerationParams
from ..prompts import Prompts
from ..targets import Target

PLACEHOLDER = "[REDACTED]"  # where a removed mention stood, until the smoothing rewrite


@dataclass(frozen=True)
class AgentContext:
    """The governed model, the agents' model, settings and prompts of one request."""

    vanilla_model: ChatModel
    agent_model: ChatModel
    config: PipelineConfig
    prompts: Prompts

    def params(self, role: str, *, seed_offset: int = 0, temperature: float = 0.0,
               max_tokens: int | None = None) -> GenerationParams:
        """The generation settings of one agent call."""
        return GenerationParams(max_tokens=max_tokens or self.config.agent_max_tokens, temperature=temperature,
                                seed=self.config.seed + seed_offset, timeout_s=self.config.timeout_s, role=role)


@dataclass
class Leak:
    """A target the answer reveals: directly (spans) or indirectly (sentences)."""

    target: Target
    direct: bool
    sentences: list[str] = field(default_factory=list)
    covers: tuple[str, ...] = ()  # a group target: the registered targets it stands for (see Candidate.members)
    lines: tuple[str, ...] = ()  # the system-turn lines that name it, compared as its knowledge (Candidate.lines)
    others: tuple[str, ...] = ()  # the system-turn lines about someone else (Candidate.others)


def variant_temperature(context: AgentContext, index: int) -> float:
    """The first variant is greedy; the others are sampled."""
    return 0.0 if index == 0 else context.config.temperature
