"""Asking a model for JSON that matches a schema, and reading it defensively."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from ..errors import ModelCallError
from ..inline import blocking
from ..models.base import ChatModel, Completion, GenerationParams, checked_text
from ..trace import Step

_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def call(model: ChatModel, prompt: str, params: GenerationParams, step: Step) -> Completion:
    """One model call, its cost added to the step."""
    blocking()
    completion = model.chat([{"role": "user", "content": prompt}], params)
    step.llm_calls += 1
    step.latency_s += completion.latency_s
    step.prompt_tokens += completion.prompt_tokens
    step.completion_tokens += completion.completion_tokens
    return completion


def call_json(model: ChatModel, prompt: str, schema: dict[str, Any], params: GenerationParams, step: Step,
              retry: bool = True) -> dict:
    """Ask for JSON matching the schema; retry once greedily (unless retry=False: the caller has a fallback); raise
    ModelCallError if still unusable."""
    attempts = (params, replace(params, temperature=0.0, seed=params.seed + 1))[: 2 if retry else 1]
    for attempt in attempts:
        completion = call(model, prompt, replace(attempt, json_schema=schema), step)
        data = parse_json(checked_text(completion.text))
        if data is not None and conforms(data, schema):
            return data
    raise ModelCallError("agent output did not match its schema twice")


def parse_json(text: str) -> Any:
    """The JSON value in text, also when wrapped in prose or code fences; None if there is none."""
    for candidate in (text, *(m.group() for m in _OBJECT.finditer(text))):
        try:
            return json.loads(candidate)
        except (ValueError, TypeError):
            continue
    return None


def conforms(value: Any, schema: dict[str, Any]) -> bool:
    """A small JSON-schema check covering what the agents' schemas use."""
    kind = schema.get("type")
    if kind == "object":
        if not isinstance(value, dict) or any(key not in value for key in schema.get("required", ())):
            return False
        return all(conforms(value[k], s) for k, s in schema.get("properties", {}).items() if k in value)
    if kind == "array":
        if not isinstance(value, list):
            return False
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            return False
        return all(conforms(item, schema.get("items", {})) for item in value)
    if kind == "string":
        ok = isinstance(value, str) and len(value.strip()) >= schema.get("minLength", 0)
    elif kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        ok = ok and schema.get("minimum", value) <= value <= schema.get("maximum", value)
    else:
        ok = True
    return ok and ("enum" not in schema or value in schema["enum"])


def string_field(name: str) -> dict[str, Any]:
    """Schema of an object with one non-empty string."""
    return {
        "type": "object",
        "properties": {name: {"type": "string", "minLength": 1}},
        "required": [name],
    }
