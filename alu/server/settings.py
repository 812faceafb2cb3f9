"""Everything `alu serve` is configured with, defined once (the CLI options are made from these fields)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..config import PRESETS
from ..errors import ConfigError
from ..models import ModelSettings
from ..settings import setting
from ..store import DB_HELP


def model_map(pairs: tuple[str, ...]) -> dict[str, str]:
    """`alias=model_id` pairs as a mapping."""
    mapping = {}
    for pair in pairs:
        alias, sep, model_id = (part.strip() for part in pair.partition("="))
        if not sep or not alias or not model_id:
            raise ConfigError(f"--model-map expects alias=model_id, got {pair!r}")
        mapping[alias] = model_id
    return mapping


def key_list(keys: tuple[str, ...] | str) -> tuple[str, ...]:
    """Keys given one per option or comma-separated (from the environment)."""
    items = keys.split(",") if isinstance(keys, str) else [k for key in keys for k in key.split(",")]
    return tuple(k.strip() for k in items if k.strip())


@dataclass(frozen=True)
class ServerSettings:
    """The gateway's settings; `models` says which models it governs and where they are served."""

    host: str = setting("127.0.0.1", help="Address to listen on.")
    port: int = setting(8080, minimum=0, maximum=65535, help="Port to listen on.")
    db: str | None = setting(None, metavar="PATH|URL", help=DB_HELP)
    model_map: dict[str, str] = setting(
        default_factory=dict, flag="--model-map", metavar="ALIAS=MODEL_ID", parse=model_map,
        help="Serve MODEL_ID under the client model name ALIAS (repeatable; replaces --model's name).")
    preset: Literal[tuple(PRESETS)] = setting("default", help="`paper` runs the official ALU algorithm.")  # type: ignore[valid-type]
    admin_key: str | None = setting(None, envvar="ALU_ADMIN_KEY",
                                    help="Bearer key for the admin API under /v1/unlearning/ (disabled without one).")
    user_keys: tuple[str, ...] = setting(
        (), flag="--user-key", envvar="ALU_USER_KEYS", parse=key_list, deprecated_envvars=("ALU_API_KEYS",),
        help="Bearer key for end users (repeatable, or comma-separated in $ALU_USER_KEYS). Without any, the chat API "
        "is open.")
    log_queries: bool = setting(False, help="Also log conversations and answers with each decision.")
    stream: Literal["buffered", "sentences"] = setting(
        "buffered", help="How a streamed answer goes out: `buffered` once it has passed the whole pipeline, "
        "`sentences` sentence by sentence as the governed model (embedded or at --base-url) writes it, each once it "
        "and all before it pass screening; the rest through the agents when one does not.")
    otel: bool = setting(False, help="OpenTelemetry spans per request and pipeline step, to the tracer provider the "
                         "process configures (pip install 'alu[otel]').")
    log_format: Literal["text", "json"] = setting(
        "text", help="Log lines (one per decision, with its id, path, reason and latency) as text or JSON.")
    decision_retention_days: float = setting(30.0, minimum=0.0,
                                             help="Purge logged decisions older than this (0: keep forever).")
    upstream_failure: Literal["refuse", "502"] = setting(
        "refuse", help="Answer a failing governed model with the refusal (fail closed) or HTTP 502.")
    max_body_bytes: int = setting(1_000_000, minimum=1024, help="Largest request body accepted.")
    max_messages: int = setting(256, minimum=1, help="Most messages in one chat request.")
    max_completion_tokens: int = setting(
        4096, minimum=1, help="Most tokens the governed model may write for one answer (a client's max_tokens is "
        "capped to it).")
    api_docs: bool = setting(False, help="Serve the API documentation at /docs, /redoc and /openapi.json.")
    workers: int = setting(
        1, minimum=1, help="Server processes. Each loads its own pipeline and models (more than one suits a governed "
        "model at --base-url); they share the registry and the decision log through --db, and /metrics adds them up.")
    threads: int = setting(64, minimum=1, help="Worker threads for the agents and for screening that would "
                           "wait (a governed model served at --base-url is awaited without one).")
    embeddings: bool = setting(True, help="Embedding similarity in screening (off: deterministic matching only, "
                               "faster, misses indirect leaks).")
    models: ModelSettings = ModelSettings()
    pipeline: dict[str, Any] = field(default_factory=dict)  # PipelineConfig fields that replace the preset's

    def served_models(self) -> dict[str, str]:
        """Client-visible model name -> the model actually called."""
        return dict(self.model_map) if self.model_map else {self.models.model: self.models.model}
