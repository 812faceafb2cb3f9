"""Target files: txt (`name | alias | alias` a line), JSONL and CSV, read and written whole or not at all.

Knowledge (Target.knowledge) is a list of strings: the JSONL key `knowledge`, or in CSV a JSON list in the `knowledge`
column. A txt file has names and aliases only."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..errors import ConfigError
from .records import ErasureRequest, TargetRecord
from .target import Target, check_target, parse_target_line

FORMATS = ("txt", "jsonl", "csv")
CSV_COLUMNS = ("id", "name", "aliases", "kind", "description", "knowledge", "reason", "requester")
JSON_FIELDS = (*CSV_COLUMNS, "created_at", "updated_at", "active")  # what an export writes; timestamps are ignored


def file_format(path: str | Path, fmt: str | None = None) -> str:
    """The format named by fmt, else by the file's suffix."""
    fmt = (fmt or Path(path).suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ConfigError(f"unknown targets file format {fmt or Path(path).name!r} (expected {', '.join(FORMATS)})")
    return fmt


def read_requests(path: str | Path, fmt: str | None = None) -> list[ErasureRequest]:
    """Every request in the file; a malformed line rejects the whole file with its line number."""
    fmt = file_format(path, fmt)
    text = _read_text(path, "targets file")
    requests: list[ErasureRequest] = []
    seen: set[str] = set()
    for number, entry in _entries(path, text, fmt):
        try:
            request = _request(entry, fmt)
            check_target(request.target)
            if request.target.id in seen:
                raise ValueError(f"target id {request.target.id!r} appears twice")
        except (ConfigError, ValueError, TypeError) as exc:
            raise ConfigError(f"{path}:{number}: invalid target ({exc})") from None
        seen.add(request.target.id)
        requests.append(request)
    if not requests:
        raise ConfigError(f"targets file {path} has no targets")
    return requests


def load_targets_file(path: str | Path) -> list[Target]:
    """Targets from a .txt (one per line, `name | alias ...`), .jsonl or .csv file; other suffixes are read as txt."""
    suffix = Path(path).suffix.lstrip(".").lower()
    return [request.target for request in read_requests(path, suffix if suffix in FORMATS else "txt")]


def read_knowledge(path: str | Path) -> tuple[str, ...]:
    """Knowledge texts from a file: one a line, or (a .jsonl file) a JSON string or an object with `text` a line.
    A malformed line rejects the file with its line number."""
    texts = []
    for number, value in read_lines(path, "knowledge file"):
        value = value.get("text") if isinstance(value, dict) else value
        if not isinstance(value, str):
            raise ConfigError(f"{path}:{number}: expected a string or an object with a `text` string")
        texts.append(value)
    if not texts:
        raise ConfigError(f"knowledge file {path} has no texts")
    return tuple(texts)


def read_lines(path: str | Path, what: str) -> list[tuple[int, object]]:
    """The file's non-blank lines with their numbers: each parsed as JSON in a .jsonl file (a line that is not JSON
    rejects the file with its number), as text otherwise."""
    lines = [(number, line) for number, line in enumerate(_read_text(path, what).splitlines(), 1) if line.strip()]
    if Path(path).suffix.lower() != ".jsonl":
        return lines
    parsed = []
    for number, line in lines:
        try:
            parsed.append((number, json.loads(line)))
        except ValueError:
            raise ConfigError(f"{path}:{number}: invalid JSON") from None
    return parsed


def _read_text(path: str | Path, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.__class__.__name__}") from None


def write_records(records: list[TargetRecord], stream: IO[str], fmt: str) -> None:
    """Write records so that read_requests gives them back (txt keeps only names and aliases)."""
    if fmt == "txt":
        stream.writelines(" | ".join(r.target.surface_forms) + "\n" for r in records)
    elif fmt == "jsonl":
        stream.writelines(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in records)
    else:
        writer = csv.DictWriter(stream, CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows({**r.to_dict(), "aliases": "|".join(r.target.aliases),
                          "knowledge": json.dumps(list(r.target.knowledge), ensure_ascii=False)
                          if r.target.knowledge else ""} for r in records)


def _entries(path: str | Path, text: str, fmt: str) -> Iterator[tuple[int, str | dict[str, Any]]]:
    """(line number, raw entry): a CSV row as a dict, else the stripped line; blank and # lines skipped."""
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            header = reader.fieldnames or ()
            if "name" not in header or set(header) - set(CSV_COLUMNS):
                raise ValueError(f"the columns must be among {', '.join(CSV_COLUMNS)}, with name")
            yield from ((reader.line_num, row) for row in reader)
        except (ValueError, csv.Error) as exc:
            raise ConfigError(f"{path}:{max(reader.line_num, 1)}: invalid CSV ({exc})") from None
        return
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            yield number, line


def _request(entry: str | dict[str, Any], fmt: str) -> ErasureRequest:
    if fmt == "csv":
        return _from_fields(entry)
    return ErasureRequest(parse_target_line(entry)) if fmt == "txt" else _from_json(entry)


def _from_json(line: str) -> ErasureRequest:
    record = json.loads(line)
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object")
    unknown = set(record) - set(JSON_FIELDS)
    if unknown:
        raise ValueError(f"unknown field {sorted(unknown)[0]!r}")
    return _from_fields(record)


def _knowledge(value: Any) -> tuple[str, ...]:
    """Knowledge from a JSON field (a list of strings) or a CSV cell (a JSON list, or empty)."""
    message = "knowledge must be a list of strings (in CSV: a JSON list)"
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except ValueError:
            raise ValueError(message) from None
    if not isinstance(value, list | tuple | type(None)) or not all(isinstance(k, str) for k in value or ()):
        raise ValueError(message)
    return tuple(value or ())


def _from_fields(fields: dict[str, Any]) -> ErasureRequest:
    """A request from CSV columns or JSON fields (aliases: a list, or a `|`-separated string)."""
    if None in fields:
        raise ValueError("more values than columns")
    aliases = fields.get("aliases") or ()
    if isinstance(aliases, str):
        aliases = aliases.split("|")
    texts = ("id", "name", "kind", "description", "reason", "requester")
    if not isinstance(aliases, list | tuple) or not all(isinstance(a, str) for a in aliases):
        raise ValueError("aliases must be a list of strings")
    if not all(isinstance(fields.get(key) or "", str) for key in texts):
        raise ValueError(f"{', '.join(texts)} must be strings")
    target = Target(name=fields.get("name") or "", aliases=tuple(aliases), kind=fields.get("kind") or "person",
                    description=fields.get("description") or "", id=(fields.get("id") or "").strip(),
                    knowledge=_knowledge(fields.get("knowledge")))
    return ErasureRequest(target, fields.get("reason") or "", fields.get("requester") or "")
