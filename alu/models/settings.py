"""Which models a command uses: the governed model, the agents' model, and where they are served."""

from __future__ import annotations

from dataclasses import dataclass

from ..settings import setting
from .catalog import DEFAULT_MODEL


@dataclass(frozen=True)
class ModelSettings:
    """The governed model and the agents' model: embedded (a catalog name or a .gguf path) or served at base_url."""

    model: str = setting(DEFAULT_MODEL, short="-m", help="Governed model: an embedded model name or a .gguf path, "
                         "or the model id served at --base-url.")
    agent_model: str | None = setting(None, help="Model for the audit, critic and composer agents "
                                      "(default: the governed model).")
    base_url: str | None = setting(None, envvar="ALU_BASE_URL", metavar="URL",
                                   help="OpenAI-compatible endpoint serving the model, e.g. http://localhost:8000/v1 "
                                   "(vLLM, Ollama, llama.cpp, OpenAI). Default: the embedded model, in-process.",
                                   deprecated_flags=("--upstream-url", "--backbone-url"),
                                   deprecated_envvars=("ALU_UPSTREAM_URL", "ALU_BACKBONE_URL"))
    api_key: str | None = setting(None, envvar="ALU_API_KEY", help="API key for --base-url.",
                                  deprecated_flags=("--upstream-api-key",),
                                  deprecated_envvars=("ALU_UPSTREAM_API_KEY",))
    n_ctx: int = setting(4096, minimum=512, help="Context length of an embedded model, in tokens.")
    max_reply_bytes: int = setting(2_000_000, minimum=1024,
                                   help="Largest reply read from --base-url; a longer one is a failed call.")
