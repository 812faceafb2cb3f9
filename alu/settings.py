"""Settings defined once: each component's settings are a dataclass whose fields carry their command-line option,
environment variable and help text, so the CLI (alu.cli.options) and the library read the same definition."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, field
from typing import Any


def setting(default: Any = MISSING, *, help: str, default_factory: Callable[[], Any] | Any = MISSING,
            flag: str | None = None, short: str | None = None, envvar: str | None = None,
            minimum: float | None = None, maximum: float | None = None, parse: Callable[[Any], Any] | None = None,
            metavar: str | None = None, deprecated_flags: tuple[str, ...] = (),
            deprecated_envvars: tuple[str, ...] = ()) -> Any:
    """A dataclass field that is also a command-line option.

    flag: the option (default: the field name with dashes); short: a one-letter alias; envvar: read when the option
    is not given; minimum / maximum: the range of a number; parse: turns the option's raw value into the field's
    value; deprecated_flags / deprecated_envvars: old spellings that still work, with a warning."""
    meta = {"help": help, "flag": flag, "short": short, "envvar": envvar, "minimum": minimum, "maximum": maximum,
            "parse": parse, "metavar": metavar, "deprecated_flags": deprecated_flags,
            "deprecated_envvars": deprecated_envvars}
    if default_factory is not MISSING:
        return field(default_factory=default_factory, metadata={"alu": meta})
    return field(default=default, metadata={"alu": meta})
