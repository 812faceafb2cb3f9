"""Pipeline settings and the two presets: ours (`default`) and the paper's algorithm (`paper`)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Literal

from .errors import ConfigError
from .prompts import DEFAULT_STYLE, STYLES
from .settings import setting
from .targets import KINDS


@dataclass(frozen=True)
class PipelineConfig:
    """Everything that shapes one request through the agents."""

    k: int = setting(3, flag="-k", minimum=1, help="Sanitised variants written by AuditErase.")
    j: int = setting(2, flag="-j", minimum=1, help="Top variants merged by the composer.")
    tau: float = setting(4.0, minimum=1.0, help="Minimum mean rating (1-5) of the top-j variants.")
    temperature: float = setting(0.7, minimum=0.0, help="Sampling temperature of the variants after the first.")
    vanilla_temperature: float = 0.0  # the governed model's own answer (greedy unless a client asks otherwise)
    seed: int = setting(0, help="Random seed.")
    max_tokens: int = setting(256, minimum=1, help="Maximum tokens of the governed model's answer.")
    agent_max_tokens: int = 256
    timeout_s: float = setting(120.0, flag="--upstream-timeout", minimum=0.1,
                               help="Seconds one model call (the governed model's or an agent's) may take.")
    max_answer_chars: int = setting(
        32_000, minimum=1, help="Longest answer of the governed model that is screened; a longer one is refused.")
    max_conversation_chars: int = setting(
        100_000, minimum=1, help="Longest conversation (all messages together) accepted.")
    # What the agents combine. `hybrid` = deterministic matching + embeddings + the LLM; `llm` = the LLM alone.
    detection: str = "hybrid"
    erase: str = "hybrid"
    critic: str = "hybrid"
    fast_path: bool = True  # return the vanilla answer when nothing leaks
    strict: bool = setting(False, help="Ask the LLM auditor even when screening finds no candidate.")
    confirm_kinds: tuple[str, ...] = setting(
        ("fact", "passage"), flag="--confirm-kind", metavar="KIND",
        help="A target kind whose candidates below sim_leak the LLM auditor is asked to confirm (repeatable). The "
        "others are decided by similarity alone: small agent models call most texts near a person's or a topic's "
        "knowledge a leak (docs/knowledge.md).")
    final_guard: bool = True
    refuse_query_mentions: bool = True  # decline what the user's turns name (screening's Candidate.named)
    partial_answers: bool = setting(
        True, help="Answer the other parts of a question that names a forget target, declining only the target's "
        "part (off: refuse the whole question).")
    refusal_style: Literal[STYLES] = setting(  # type: ignore[valid-type]
        DEFAULT_STYLE, help="How refusals read: `decline` says that something is withheld, `unknown` answers as if "
        "it were never known (\"I don't have information about that.\").")
    prompt_scope: str = "candidates"  # `candidates` (screened) or `all` (the whole list, as the paper)
    max_candidates: int = 16  # targets screening passes to the agents
    max_llm_candidates: int = 5  # of those, at most this many (the most similar) go into an LLM prompt
    sim_leak: float = 0.62  # sentence-to-target similarity taken as a leak without asking the LLM
    sim_confirm: float = 0.45  # similarity at which the LLM is asked to confirm an indirect leak
    # Screening's floors for targets that share no word with the request, and for a user turn that names a target
    # by its knowledge (persons, facts, passages) or falls inside a topic's domain: see docs/knowledge.md.
    sim_knowledge: float = 0.6
    sim_lexical: float = 0.35  # the few targets sharing the rarest words with the texts
    sim_described: float = 0.7
    sim_topic: float = 0.5
    # The static-vector floor below which a text skips the transformer when nothing is mentioned (0 turns it off).
    sim_gate: float = 0.29
    critic_llm_weight: float = 0.25

    def __post_init__(self) -> None:
        if self.k < 1 or not 1 <= self.j <= self.k:
            raise ConfigError("need k >= 1 and 1 <= j <= k")
        if not (0.0 <= self.temperature <= 2.0 and 0.0 <= self.vanilla_temperature <= 2.0):
            raise ConfigError("temperatures must be between 0 and 2")
        if self.max_tokens < 1:
            raise ConfigError("max_tokens must be at least 1")
        if not 1.0 <= self.tau <= 5.0:
            raise ConfigError("tau must be between 1 and 5")
        for name in ("detection", "erase", "critic"):
            if getattr(self, name) not in ("hybrid", "llm"):
                raise ConfigError(f"{name} must be 'hybrid' or 'llm'")
        if self.refusal_style not in STYLES:
            raise ConfigError(f"refusal_style must be one of {', '.join(STYLES)}")
        unknown = set(self.confirm_kinds) - set(KINDS)
        if unknown:
            raise ConfigError(f"unknown target kind(s) to confirm: {', '.join(sorted(unknown))} "
                              f"(expected {', '.join(KINDS)})")
        if self.prompt_scope not in ("candidates", "all"):
            raise ConfigError("prompt_scope must be 'candidates' or 'all'")

    def with_overrides(self, **overrides) -> PipelineConfig:
        """A copy with the given fields changed; None values are ignored."""
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


PRESETS: dict[str, PipelineConfig] = {
    "default": PipelineConfig(),
    # The official ALU code: k=5, j=3, tau=4.0, the whole list in every prompt, LLM-only agents,
    # every answer rewritten, no deterministic guard.
    "paper": PipelineConfig(
        k=5, j=3, tau=4.0, detection="llm", erase="llm", critic="llm",
        fast_path=False, final_guard=False, refuse_query_mentions=False, prompt_scope="all",
        critic_llm_weight=1.0,
    ),
}


def preset(name: str) -> PipelineConfig:
    try:
        return PRESETS[name]
    except KeyError:
        raise ConfigError(f"unknown preset {name!r} (expected one of {', '.join(PRESETS)})") from None
