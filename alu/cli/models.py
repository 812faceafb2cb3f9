"""`alu models`: the embedded models and whether each is installed."""

from __future__ import annotations

import click

from ..models import installed_models


@click.command()
def models() -> None:
    """List the embedded models and whether each is installed and verified."""
    for row in installed_models():
        click.echo(f"{row['name']:<22} {row['status']:<14} {row['description']}")
        if row["path"]:
            click.echo(f"{'':<22} {row['path']}")
