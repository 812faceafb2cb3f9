"""`alu serve`: the OpenAI-compatible gateway."""

from __future__ import annotations

import dataclasses

import click

from ..config import PipelineConfig
from ..errors import ConfigError
from ..models import ModelSettings
from ..server.settings import ServerSettings
from .options import settings_options


@click.command()
@settings_options(ServerSettings, "settings")
@settings_options(PipelineConfig, "pipeline", overrides=True)
@settings_options(ModelSettings, "models")
def serve(settings: ServerSettings, pipeline: dict, models: ModelSettings) -> None:
    """Serve the OpenAI chat API in front of the governed model, forgetting the registry's targets."""
    from ..server import serve as run_server

    if models.api_key and not models.base_url:
        raise ConfigError("--api-key is the key of the model served at --base-url; end users' keys are --user-key")
    run_server(dataclasses.replace(settings, models=models, pipeline=pipeline))
