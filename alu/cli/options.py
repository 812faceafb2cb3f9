"""Options shared by the commands, and click options made from the settings dataclasses (alu.settings)."""

from __future__ import annotations

import dataclasses
import functools
import os
import types
import typing
from collections.abc import Callable
from typing import Any

import click

from ..store import DB_HELP

db_option = click.option("--db", default=None, metavar="PATH|URL", help=DB_HELP)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def settings_options(cls: type, param: str, *, exclude: tuple[str, ...] = (),
                     overrides: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add an option per field of the settings dataclass cls that has setting() metadata, and hand the command
    `param=cls(...)` instead of the options. overrides=True: every option defaults to None and `param` gets a
    dict of the options given (to apply with `with_overrides`)."""
    hints = typing.get_type_hints(cls)
    specs = [(f, f.metadata["alu"]) for f in dataclasses.fields(cls) if "alu" in f.metadata and f.name not in exclude]

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> Any:
            values = {f.name: _resolve(f, meta, kwargs) for f, meta in specs}
            if overrides:
                kwargs[param] = {name: value for name, value in values.items() if value is not None}
            else:
                kwargs[param] = cls(**{name: value for name, value in values.items() if value is not None})
            return command(**kwargs)

        for f, meta in reversed(specs):
            for option in reversed(_options(f, meta, hints[f.name], overrides)):
                wrapper = option(wrapper)
        return wrapper

    return decorate


def _flag(f: dataclasses.Field, meta: dict[str, Any]) -> str:
    return meta["flag"] or "--" + f.name.replace("_", "-")


def _options(f: dataclasses.Field, meta: dict[str, Any], hint: Any, overrides: bool) -> list[Callable]:
    """The click option of a field, then a hidden option per deprecated spelling."""
    flag, kind = _flag(f, meta), _kind(hint, meta)
    default = None if overrides or f.default is dataclasses.MISSING else f.default
    names = [flag, *([meta["short"]] if meta["short"] else []), f.name]
    common = {"help": meta["help"], "metavar": meta["metavar"], **kind}
    if kind.get("is_flag") and f.default is True:  # on by default: the option is there to turn it off
        names = [f"{flag}/--no-{flag[2:]}", f.name]
        common.pop("is_flag")
    envvar = meta["envvar"]
    option = click.option(*names, default=() if kind.get("multiple") else default, envvar=envvar,
                          show_default=default not in (None, (), {}, "") and not overrides, show_envvar=bool(envvar),
                          **common)
    hidden = [click.option(old, f"deprecated_{f.name}_{n}", hidden=True, default=None,
                           **{k: v for k, v in kind.items() if k != "is_flag"})
              for n, old in enumerate(meta["deprecated_flags"])]
    return [option, *hidden]


def _kind(hint: Any, meta: dict[str, Any]) -> dict[str, Any]:
    """click's type arguments for a field's type hint."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        hint, origin, args = args[0], typing.get_origin(args[0]), typing.get_args(args[0])
    if origin is typing.Literal:
        return {"type": click.Choice([str(a) for a in args])}
    if origin in (tuple, dict):
        return {"multiple": True}
    if hint is bool:
        return {"is_flag": True}
    if hint in (int, float) and (meta["minimum"], meta["maximum"]) != (None, None):
        number = click.IntRange if hint is int else click.FloatRange
        return {"type": number(min=meta["minimum"], max=meta["maximum"])}
    return {"type": hint if hint in (int, float) else str}


def _resolve(f: dataclasses.Field, meta: dict[str, Any], kwargs: dict[str, Any]) -> Any:
    """The field's value from its option, else from a deprecated option or environment variable (with a warning);
    None when none is given. The option values are removed from kwargs."""
    value = kwargs.pop(f.name)
    for n, old in enumerate(meta["deprecated_flags"]):
        old_value = kwargs.pop(f"deprecated_{f.name}_{n}")
        if old_value not in (None, ()):
            _warn(old, _flag(f, meta))
            value = old_value if value in (None, ()) else value
    if value in (None, ()):
        for old in meta["deprecated_envvars"]:
            if os.environ.get(old):
                _warn(f"${old}", f"${meta['envvar']}" if meta["envvar"] else _flag(f, meta))
                value = os.environ[old]
                break
    if value in (None, ()):
        return None
    return meta["parse"](value) if meta["parse"] else value


def _warn(old: str, new: str) -> None:
    click.echo(f"warning: {old} is deprecated and will be removed in the next release; use {new}", err=True)
