"""The `alu` command group: a thin layer over the library, one module per command group."""

from __future__ import annotations

import sys

import click

from ..errors import AluError
from .ask import ask
from .eval import eval_group
from .models import models
from .serve import serve
from .targets import targets


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


for command in (ask, models, targets, serve, eval_group):
    main.add_command(command)
