"""Command line: a thin layer over the library."""

from __future__ import annotations

import json
import sys

import click

from .cli_eval import eval_group
from .cli_serve import serve
from .cli_targets import db_option, targets
from .config import PRESETS, preset
from .errors import AluError
from .models import DEFAULT_MODEL, installed_models


class AluGroup(click.Group):
    """Turns library errors into one clear line and a non-zero exit, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AluError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=AluGroup)
@click.version_option(package_name="alu")
def main() -> None:
    """alu: make a deployed language model forget chosen targets, without touching its weights."""


def model_options(func):
    """Options that choose the governed model and the agents' model."""
    options = [
        click.option("--model", "-m", default=DEFAULT_MODEL, show_default=True,
                     help="Governed model: an embedded model name, a .gguf path, "
                     "or a remote model id with --base-url."),
        click.option("--agent-model", default=None, help="Model for the audit, critic and composer agents "
                     "(default: the governed model)."),
        click.option("--base-url", envvar="ALU_BASE_URL", default=None,
                     help="OpenAI-compatible endpoint, e.g. http://localhost:8000/v1 (vLLM, Ollama, llama.cpp)."),
        click.option("--api-key", envvar="ALU_API_KEY", default=None, help="API key for --base-url."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@main.command()
@click.argument("query")
@click.option("--forget", "-f", multiple=True, help="A target to forget (repeatable). `Name | alias | alias`.")
@click.option("--forget-file", type=click.Path(dir_okay=False),
              help="Targets file: .txt (one per line), .jsonl or .csv. Without --forget/--forget-file: the registry.")
@db_option
@click.option("--preset", "preset_name", type=click.Choice(list(PRESETS)), default="default", show_default=True,
              help="`paper` reproduces the official ALU algorithm.")
@click.option("-k", type=int, help="Sanitised variants written by AuditErase.")
@click.option("-j", type=int, help="Top variants merged by the composer.")
@click.option("--tau", type=float, help="Minimum mean rating (1-5) of the top-j variants.")
@click.option("--temperature", type=float, help="Sampling temperature for the extra variants.")
@click.option("--seed", type=int, help="Random seed.")
@click.option("--max-tokens", type=int, help="Maximum tokens of the governed model's answer.")
@click.option("--strict", is_flag=True, default=None, help="Ask the LLM auditor even when screening finds nothing.")
@click.option("--explain", is_flag=True, help="Print the trace of every decision.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer and trace as JSON.")
@model_options
def ask(query, forget, forget_file, db, preset_name, k, j, tau, temperature, seed, max_tokens, strict, explain, as_json,
        model, agent_model, base_url, api_key) -> None:
    """Answer QUERY through the governed model without revealing the forget targets."""
    from .pipeline import Unlearner, check_query
    from .store import open_store
    from .targets import load_targets_file, parse_target_line

    check_query(query)
    config = preset(preset_name).with_overrides(k=k, j=j, tau=tau, temperature=temperature, seed=seed,
                                                max_tokens=max_tokens, strict=strict)
    targets = [parse_target_line(line) for line in forget]
    if forget_file:
        targets += load_targets_file(forget_file)
    store = None if forget or forget_file else open_store(db)
    unlearner = Unlearner(targets, model=model, agent_model=agent_model, config=config,
                          base_url=base_url, api_key=api_key, store=store)
    result = unlearner.ask(query)
    if as_json:
        click.echo(json.dumps({"answer": result.text, "refused": result.refused, "trace": result.trace.to_dict()},
                              indent=2, ensure_ascii=False))
        return
    click.echo(result.text)
    if explain:
        click.echo("\n--- trace ---\n" + result.trace.summary())


@main.command()
def models() -> None:
    """List the embedded models and whether each is installed and verified."""
    for row in installed_models():
        click.echo(f"{row['name']:<22} {row['status']:<14} {row['description']}")
        if row["path"]:
            click.echo(f"{'':<22} {row['path']}")


main.add_command(targets)
main.add_command(serve)
main.add_command(eval_group)
