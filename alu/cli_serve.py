"""`alu serve`: the OpenAI-compatible gateway."""

from __future__ import annotations

import os

import click

from .cli_targets import db_option
from .config import PRESETS
from .errors import ConfigError
from .models import DEFAULT_MODEL


def _model_map(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        alias, sep, model_id = (part.strip() for part in pair.partition("="))
        if not sep or not alias or not model_id:
            raise ConfigError(f"--model-map expects alias=model_id, got {pair!r}")
        mapping[alias] = model_id
    return mapping


def _api_keys(options: tuple[str, ...]) -> tuple[str, ...]:
    keys = list(options) or os.environ.get("ALU_API_KEYS", "").split(",")
    return tuple(k.strip() for k in keys if k.strip())


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@db_option
@click.option("--model", "-m", default=DEFAULT_MODEL, show_default=True,
              help="Governed model: an embedded model name or .gguf path, or the upstream model id with "
              "--upstream-url. Served under this name unless --model-map is given.")
@click.option("--agent-model", default=None, help="Model for the audit, critic and composer agents "
              "(default: the governed model).")
@click.option("--upstream-url", envvar="ALU_UPSTREAM_URL", default=None,
              help="OpenAI-compatible upstream, e.g. http://localhost:8000/v1 (default: the embedded model).")
@click.option("--upstream-api-key", envvar="ALU_UPSTREAM_API_KEY", default=None, help="API key for the upstream.")
@click.option("--model-map", multiple=True, metavar="ALIAS=MODEL_ID",
              help="Serve MODEL_ID under the client model name ALIAS (repeatable; replaces --model's name).")
@click.option("--preset", "preset_name", type=click.Choice(list(PRESETS)), default="default", show_default=True)
@click.option("--admin-key", envvar="ALU_ADMIN_KEY", default=None,
              help="Bearer key for the admin API under /v1/unlearning/ (disabled without one).")
@click.option("--api-key", "api_keys", multiple=True,
              help="Bearer key for end users (repeatable; default: $ALU_API_KEYS, comma-separated). "
              "Without any, the chat API is open.")
@click.option("--log-queries", is_flag=True, help="Also log conversations and answers with each decision.")
@click.option("--decision-retention-days", type=float, default=30.0, show_default=True,
              help="Purge logged decisions older than this (0: keep forever).")
@click.option("--upstream-failure", type=click.Choice(["refuse", "502"]), default="refuse", show_default=True,
              help="Answer a failing upstream with the refusal (fail closed) or HTTP 502.")
@click.option("--max-body-bytes", type=click.IntRange(1024), default=1_000_000, show_default=True)
@click.option("--max-messages", type=click.IntRange(1), default=256, show_default=True)
@click.option("--threads", type=click.IntRange(1), default=64, show_default=True,
              help="Worker threads for screening and the agents (an upstream governed model is awaited without one).")
@click.option("--embeddings/--no-embeddings", default=True, show_default=True,
              help="Embedding similarity in screening (off: deterministic matching only, faster, "
              "misses indirect leaks).")
def serve(host, port, db, model, agent_model, upstream_url, upstream_api_key, model_map, preset_name, admin_key,
          api_keys, log_queries, decision_retention_days, upstream_failure, max_body_bytes, max_messages, threads,
          embeddings) -> None:
    """Serve the OpenAI chat API in front of the governed model, forgetting the registry's targets."""
    from .server import ServerSettings
    from .server import serve as run_server

    settings = ServerSettings(
        db=db, model=model, agent_model=agent_model, upstream_url=upstream_url, upstream_api_key=upstream_api_key,
        model_map=_model_map(model_map), preset=preset_name, admin_key=admin_key or None,
        api_keys=_api_keys(api_keys), log_queries=log_queries, decision_retention_days=decision_retention_days,
        upstream_failure=upstream_failure, max_body_bytes=max_body_bytes, max_messages=max_messages,
        threads=threads, embeddings=embeddings,
    )
    run_server(settings, host=host, port=port)
