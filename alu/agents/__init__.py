"""The agents of one request: vanilla, AuditErase (audit, erase), the critic and the composer."""

from .audit import audit, confirm_prompt
from .base import PLACEHOLDER, AgentContext, Leak, new_entities
from .composer import compose
from .critic import critic, critic_prompt
from .erase import erase
from .vanilla import vanilla_answer, vanilla_request

__all__ = ["PLACEHOLDER", "AgentContext", "Leak", "audit", "compose", "confirm_prompt", "critic", "critic_prompt",
           "erase", "new_entities", "vanilla_answer", "vanilla_request"]
