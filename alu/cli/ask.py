"""`alu ask`: one question through the pipeline."""

from __future__ import annotations

import json

import click

from ..config import PRESETS, PipelineConfig, preset
from ..models import ModelSettings, models_of
from .options import db_option, settings_options


@click.command()
@click.argument("query")
@click.option("--forget", "-f", multiple=True, help="A target to forget (repeatable). `Name | alias | alias`.")
@click.option("--forget-file", type=click.Path(dir_okay=False),
              help="Targets file: .txt (one per line), .jsonl or .csv. Without --forget/--forget-file: the registry.")
@db_option
@click.option("--preset", "preset_name", type=click.Choice(list(PRESETS)), default="default", show_default=True,
              help="`paper` reproduces the official ALU algorithm.")
@settings_options(PipelineConfig, "overrides", overrides=True)
@click.option("--explain", is_flag=True, help="Print the trace of every decision.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer and trace as JSON.")
@settings_options(ModelSettings, "model_settings")
def ask(query: str, forget: tuple[str, ...], forget_file: str | None, db: str | None, preset_name: str,
        overrides: dict, explain: bool, as_json: bool, model_settings: ModelSettings) -> None:
    """Answer QUERY through the governed model without revealing the forget targets."""
    from ..pipeline import Unlearner, check_query
    from ..store import open_store
    from ..targets import load_targets_file, parse_target_line

    check_query(query)
    config = preset(preset_name).with_overrides(**overrides)
    targets = [parse_target_line(line) for line in forget]
    if forget_file:
        targets += load_targets_file(forget_file)
    store = None if forget or forget_file else open_store(db)
    model, agent_model = models_of(model_settings)
    result = Unlearner(targets, model=model, agent_model=agent_model, config=config, store=store).ask(query)
    if as_json:
        click.echo(json.dumps({"answer": result.text, "refused": result.refused, "trace": result.trace.to_dict()},
                              indent=2, ensure_ascii=False))
        return
    click.echo(result.text)
    if explain:
        click.echo("\n--- trace ---\n" + result.trace.summary())
