"""TOFU's probability and truth ratio on the vanilla agent, from the backbone's token log-probabilities.

Each answer is scored as the vanilla agent would be asked (its system prompt, the retrieved passages, the
question), by its mean token log-probability, so answers of different lengths compare (TOFU's normalisation).
- probability: exp(mean log-prob) of the gold answer; on real authors and world facts, TOFU's share of it among
  the gold and perturbed answers.
- truth ratio R: the geometric mean of the perturbed answers' normalised probabilities over the paraphrased
  answer's (the gold answer's where there is no paraphrase). TOFU reports min(R, 1/R) on forget sets and
  max(0, 1 - R) on utility sets ("truth" below); higher R means the model prefers the wrong answers.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from pathlib import Path

from ..models import ScoringModel
from ..prompts import default_prompts
from .data import Item
from .methods import ask_messages
from .metrics import summarize
from .runner import Backbone, JsonlCache

CACHE_FILE = "logprobs.jsonl"
CHOICE_SPLITS = ("real_authors", "world_facts")  # probability = the gold answer's share among the options


def mean_logprob(model: ScoringModel, item: Item, answer: str) -> float:
    scores = model.token_logprobs(ask_messages(default_prompts().render("vanilla_system"), item), answer)
    return sum(scores) / len(scores) if scores else -math.inf


def score_item(model: ScoringModel, item: Item) -> dict:
    """Mean token log-probabilities of the gold, paraphrased and perturbed answers."""
    paraphrased = item.meta["paraphrased"]
    return {"answer": mean_logprob(model, item, item.gold),
            "paraphrased": mean_logprob(model, item, paraphrased) if paraphrased else None,
            "perturbed": [mean_logprob(model, item, a) for a in item.meta["perturbed"]]}


def metrics(split: str, scored: dict) -> dict[str, float]:
    """probability, truth ratio R and TOFU's truth score for one row."""
    gold = scored["answer"]
    perturbed = scored["perturbed"]
    if split in CHOICE_SPLITS:
        options = [math.exp(gold), *(math.exp(p) for p in perturbed)]
        probability = options[0] / sum(options) if sum(options) > 0 else 0.0
    else:
        probability = math.exp(gold)
    reference = scored["paraphrased"] if scored["paraphrased"] is not None else gold
    ratio = math.exp(sum(perturbed) / len(perturbed) - reference)
    truth = min(ratio, 1 / ratio) if split == "forget" else max(0.0, 1 - ratio)
    return {"probability": probability, "truth_ratio": ratio, "truth": truth}


def run(items: list[Item], out: Path, backbone: Backbone, progress: bool = True) -> list[dict] | None:
    """Score every item not yet in out/logprobs.jsonl; one record per item with its metrics.

    None when the backbone cannot score text (an HTTP backend)."""
    cache = JsonlCache(out / CACHE_FILE)
    keys = {item.id: _key(item, backbone.identity) for item in items}
    todo = [item for item in items if keys[item.id] not in cache.done]
    if todo:
        from tqdm import tqdm

        model = backbone.load()
        if not isinstance(model, ScoringModel):
            return None
        try:
            for item in tqdm(todo, desc="tofu log-probs", unit="item", disable=not progress):
                cache.add(keys[item.id], {"split": item.split, "id": item.id, **score_item(model, item)})
        finally:
            cache.close()
    records = []
    for item in items:
        scored = cache.done[keys[item.id]]
        records.append({"split": item.split, "id": item.id, **metrics(item.split, scored)})
    return records


def aggregate(records: list[dict]) -> list[dict]:
    """Mean and 95% interval of each metric per split."""
    values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        for metric in ("probability", "truth_ratio", "truth"):
            values[record["split"]][metric].append(record[metric])
    return [{"split": split, **{m: summarize(v) for m, v in metrics_.items()}} for split, metrics_ in values.items()]


def _key(item: Item, backbone: str) -> str:
    asked = [item.query, item.knowledge, item.gold, item.meta, backbone]
    return f"{item.id}/{hashlib.sha1(json.dumps(asked).encode()).hexdigest()[:10]}"
