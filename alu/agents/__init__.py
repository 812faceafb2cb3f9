"""The agents of one request: vanilla, AuditErase (audit, erase), the critic and the composer."""

from .audit import audit, confirm_prompt
from .base import PLACEHOLDER, AgentContext, Leak
from .composer import accepted, compose
from .critic import critic, critic_prompt, model_rated
from .erase import erase
from .faithful import added_claims, is_faithful
from .vanilla import vanilla_answer, vanilla_request

__all__ = ["PLACEHOLDER", "AgentContext", "Leak", "accepted", "added_claims", "audit", "compose", "confirm_prompt",
           "critic", "critic_prompt", "erase", "is_faithful", "model_rated", "vanilla_answer", "vanilla_request"]
