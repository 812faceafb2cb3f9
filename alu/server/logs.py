"""The gateway's logs: one line per decision (its id, path, reason, status and latency; the conversation only with
--log-queries), and every other record of alu and uvicorn, as text or as JSON lines (--log-format json)."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

DECISIONS = logging.getLogger("alu.decisions")
FIELDS = "alu_fields"  # the extra attribute of a record that holds its structured fields
UNLOGGED = ("steps", "candidates", "detected", "trace")  # target ids and the full trace stay in the decision log


class JsonFormatter(logging.Formatter):
    """A record as one JSON object: time, level, logger, message, and the record's structured fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) +
                                 f".{int(record.msecs):03d}Z", "level": record.levelname.lower(),
                                 "logger": record.name, "message": record.getMessage(),
                                 **getattr(record, FIELDS, {})}
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """A record as text, its structured fields appended as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, FIELDS, {})
        return super().format(record) + "".join(f" {key}={value}" for key, value in fields.items())


def configure(log_format: str) -> dict[str, Any]:
    """Send alu's and uvicorn's records to stderr in the given format; returns uvicorn's log_config."""
    formatter = JsonFormatter() if log_format == "json" else TextFormatter()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    for name in ("alu", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers, logger.propagate = [handler], False
        logger.setLevel(logging.INFO)
    return {"version": 1, "disable_existing_loggers": False}


def log_decision(decision_id: str, record: dict[str, Any]) -> None:
    """One line for a decision: the fields of its decision-log record that are plain values (never the
    conversation, unless the record holds it: --log-queries)."""
    fields = {"decision_id": decision_id, **{k: v for k, v in record.items() if k not in UNLOGGED}}
    DECISIONS.info("decision", extra={FIELDS: fields})
