"""`alu targets ...`: the registry of forget targets from the command line (a thin layer over alu.store)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from contextlib import closing
from typing import Any

import click

from ..errors import ConfigError
from ..store import Store, open_store
from ..targets import (
    ErasureRequest,
    Target,
    TargetRecord,
    file_format,
    read_knowledge,
    read_requests,
    write_records,
)
from .options import db_option, json_option

VERBS = {"add": "added", "update": "updated"}
SHOWN_KNOWLEDGE = 10  # knowledge texts `alu targets show` prints (--json prints all)
actor_option = click.option("--actor", default="", help="Who makes the change (default: the OS user).")


def with_store(func: Callable[..., Any]) -> Callable[..., Any]:
    """Open the registry named by --db for the command and close it afterwards."""

    @db_option
    @click.pass_context
    @functools.wraps(func)
    def wrapper(ctx: click.Context, db: str | None, **kwargs: Any) -> Any:
        return func(ctx.with_resource(closing(open_store(db))), **kwargs)

    return wrapper


@click.group()
def targets() -> None:
    """Manage the registry of forget targets (shared by every process using the same --db / ALU_DB)."""


@targets.command()
@click.argument("name")
@click.option("--alias", "-a", "aliases", multiple=True, help="Another name for the target (repeatable).")
@click.option("--kind", default=None, help="person (default), topic, fact or passage.")
@click.option("--description", default="", help="Free text that describes the target (helps indirect matches).")
@click.option("--knowledge", "-k", "knowledge", multiple=True,
              help="A text of what the target is known for: a fact, a QA pair, a passage, an example question "
              "(repeatable).")
@click.option("--knowledge-file", type=click.Path(dir_okay=False),
              help="Knowledge texts from a file: one a line, or JSONL (a string, or an object with `text`).")
@click.option("--reason", default="", help="Why it must be forgotten.")
@click.option("--requester", default="", help="Who asked for the erasure.")
@click.option("--id", "target_id", default="", help="Stable id (default: derived from the name).")
@actor_option
@json_option
@with_store
def add(store: Store, name, aliases, kind, description, knowledge, knowledge_file, reason, requester, target_id,
        actor, as_json) -> None:
    """Add NAME, or re-add it if removed. If it is there, add the aliases and knowledge and replace the fields
    given."""
    knowledge = (*knowledge, *(read_knowledge(knowledge_file) if knowledge_file else ()))
    target = Target(name=name, aliases=tuple(aliases), kind=kind or "person", description=description, id=target_id,
                    knowledge=knowledge)
    old = store.get(target.id)
    if old is not None and old.active:
        target = Target(name=name, aliases=tuple(dict.fromkeys(old.target.aliases + target.aliases)),
                        kind=kind or old.target.kind, description=description or old.target.description, id=target.id,
                        knowledge=old.target.knowledge + target.knowledge)
    before = store.version()
    record = store.add(target, reason=reason, requester=requester, actor=actor)
    if as_json:
        click.echo(json.dumps(record.to_dict(), ensure_ascii=False))
        return
    change = store.history(record.target.id)[-1]
    click.echo(f"{VERBS[change.action] if change.seq > before else 'unchanged'} {record.target.id}")


@targets.command()
@click.argument("target")
@click.option("--reason", default="", help="Why it is removed.")
@actor_option
@with_store
def rm(store: Store, target, reason, actor) -> None:
    """Remove TARGET (an id or a name); its history stays."""
    record = _find(store, target)
    store.remove(record.target.id, reason=reason, actor=actor)
    click.echo(f"removed {record.target.id}")


@targets.command(name="ls")
@click.option("--all", "include_removed", is_flag=True, help="Include removed targets.")
@json_option
@with_store
def list_targets(store: Store, include_removed, as_json) -> None:
    """List the targets."""
    records = store.list(include_removed=include_removed)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in records], ensure_ascii=False, indent=2))
        return
    rows = [(r.target.id, r.target.name, r.target.kind, ", ".join(r.target.aliases),
             "yes" if r.active else "removed", r.updated_at[:19]) for r in records]
    _table(("ID", "NAME", "KIND", "ALIASES", "ACTIVE", "UPDATED (UTC)"), rows)
    click.echo(f"{len(records)} target{'s' * (len(records) != 1)}", err=True)


@targets.command()
@click.argument("target")
@json_option
@with_store
def show(store: Store, target, as_json) -> None:
    """Show one target (an id or a name) with its history."""
    record = _find(store, target)
    changes = store.history(record.target.id)
    if as_json:
        click.echo(json.dumps({**record.to_dict(), "history": [c.to_dict() for c in changes]},
                              ensure_ascii=False, indent=2))
        return
    for key, value in record.to_dict().items():
        if key == "knowledge":
            click.echo(f"{key + ':':<13}{len(value)} text{'s' * (len(value) != 1)}")
            click.echo("".join(f"  - {_cut(' '.join(text.split()), 100)}\n" for text in value[:SHOWN_KNOWLEDGE]),
                       nl=False)
            continue
        click.echo(f"{key + ':':<13}{', '.join(value) if isinstance(value, list) else value}")
    click.echo("")
    _history_table(changes)


@targets.command()
@click.argument("target", required=False)
@click.option("--since", type=int, default=0, help="Only changes after this sequence number.")
@json_option
@with_store
def history(store: Store, target, since, as_json) -> None:
    """Every change (of TARGET, an id or a name, if given), oldest first."""
    changes = store.history(_find(store, target).target.id) if target else store.changes_since(since)
    changes = [c for c in changes if c.seq > since]
    if as_json:
        click.echo(json.dumps([c.to_dict() for c in changes], ensure_ascii=False, indent=2))
    else:
        _history_table(changes)


@targets.command(name="import")
@click.argument("path")
@click.option("--format", "fmt", default=None, help="txt, jsonl or csv (default: from the file's suffix).")
@click.option("--reason", default="", help="Reason for the targets whose line gives none.")
@click.option("--requester", default="", help="Requester for the targets whose line gives none.")
@click.option("--encode/--no-encode", default=True,
              help="Encode the profiles and knowledge into the embedding cache now, with a progress bar (default), "
                   "so every process using the registry starts without encoding them; run again to resume.")
@actor_option
@with_store
def import_targets(store: Store, path, fmt, reason, requester, encode, actor) -> None:
    """Import PATH: all of its targets or, if any line is malformed, none."""
    requests = [ErasureRequest(r.target, r.reason or reason, r.requester or requester)
                for r in read_requests(path, fmt)]
    changes = store.add_many(requests, actor=actor)
    counts = {action: sum(c.action == action for c in changes) for action in ("add", "update")}
    click.echo(f"imported {len(requests)} targets: {counts['add']} added, {counts['update']} updated, "
               f"{len(requests) - len(changes)} unchanged")
    if encode:
        _encode([r.target for r in requests])


def _encode(targets: list[Target]) -> None:
    """Encode the targets' texts into the embedding cache with a progress bar on stderr."""
    from tqdm import tqdm

    from ..embedding import get_embedder
    from ..screening.index import encode_targets, target_texts

    with tqdm(total=target_texts(targets), desc="encoding profiles and knowledge", unit="text") as bar:
        encoded = encode_targets(targets, get_embedder(), bar.update)
    click.echo(f"encoded {encoded} new texts ({bar.total - encoded} already in the embedding cache)")


@targets.command()
@click.argument("path", default="-")
@click.option("--format", "fmt", default=None, help="txt, jsonl or csv (default: from the suffix; jsonl for stdout).")
@click.option("--all", "include_removed", is_flag=True, help="Include removed targets.")
@with_store
def export(store: Store, path, fmt, include_removed) -> None:
    """Write the targets to PATH (default: standard output)."""
    fmt = file_format(path, fmt or ("jsonl" if path == "-" else None))
    records = store.list(include_removed=include_removed)
    if path == "-":
        write_records(records, sys.stdout, fmt)
        return
    try:
        with open(path, "w", encoding="utf-8", newline="") as stream:
            write_records(records, stream, fmt)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc.__class__.__name__}") from None
    click.echo(f"exported {len(records)} targets to {path}", err=True)


def _find(store: Store, ref: str) -> TargetRecord:
    """The target with this id, or whose name gives this id."""
    record = store.get(ref) or store.get(Target(name=ref).id)
    if record is None:
        raise ConfigError(f"no target {ref!r} in the registry")
    return record


def _history_table(changes: list) -> None:
    _table(("SEQ", "AT (UTC)", "ACTION", "ID", "ACTOR", "REASON"),
           [(c.seq, c.at[:19], c.action, c.target_id, c.actor, c.reason) for c in changes])


def _table(header: tuple[str, ...], rows: list[tuple]) -> None:
    """Left-aligned columns as wide as their longest cell (capped), two spaces apart."""
    cells = [tuple(str(v) for v in row) for row in [header, *rows]]
    widths = [min(40, max(len(row[i]) for row in cells)) for i in range(len(header))]
    for row in cells:
        line = "  ".join(_cut(value, width).ljust(width) for value, width in zip(row, widths, strict=True))
        click.echo(line.rstrip())


def _cut(value: str, width: int) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"

