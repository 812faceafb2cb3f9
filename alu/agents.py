"""The four agents: vanilla, AuditErase, critic and composer.

In `hybrid` mode each agent combines the LLM with deterministic matching and embedding similarity; in `llm`
mode (the paper preset) the LLM works alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from . import jsonout
from .config import PipelineConfig
from .embedding import Embedder
from .errors import ModelCallError
from .matching import MentionIndex, common_words, redact, split_sentences, tokenize
from .models.base import ChatModel, Completion, GenerationParams, Message
from .prompts import render
from .screening import Candidate
from .targets import Target
from .trace import Step, Trace

PLACEHOLDER = "[REDACTED]"
NEUTRAL = {"person": "someone", "topic": "this subject", "fact": "this", "passage": "this"}
GENERIC_PHRASES = {
    "person": '"someone", "a person" or "an author"',
    "topic": '"this subject", "it" or "this"',
    "fact": '"this", "it" or "something"',
    "passage": '"this", "it" or "something"',
}


@dataclass
class Leak:
    """A target the answer reveals: directly (spans) or indirectly (sentences)."""

    target: Target
    direct: bool
    sentences: list[str] = field(default_factory=list)
    covers: tuple[str, ...] = ()  # a group target: the registered targets it stands for (see Candidate.members)


@dataclass
class Agents:
    """The agents of one pipeline: the governed model, the agent model and their signals."""

    vanilla_model: ChatModel
    agent_model: ChatModel
    config: PipelineConfig
    embedder: Embedder | None

    def params(self, *, seed_offset: int = 0, temperature: float = 0.0, max_tokens: int | None = None):
        return GenerationParams(
            max_tokens=max_tokens or self.config.agent_max_tokens,
            temperature=temperature,
            seed=self.config.seed + seed_offset,
            timeout_s=self.config.timeout_s,
        )

    # 1. Vanilla ------------------------------------------------------------------------------------
    def vanilla(self, query: str, history: list[Message], trace: Trace) -> str:
        """The governed model's own answer."""
        step = trace.step("vanilla")
        return self.vanilla_answer(self.vanilla_model.chat(*self.vanilla_request(query, history)), step)

    def vanilla_request(self, query: str, history: list[Message]) -> tuple[list[Message], GenerationParams]:
        """The messages and parameters of the governed model's call."""
        messages = [{"role": "system", "content": render("vanilla_system")}, *history]
        messages.append({"role": "user", "content": query})
        return messages, self.params(max_tokens=self.config.max_tokens, temperature=self.config.vanilla_temperature)

    @staticmethod
    def vanilla_answer(completion: Completion, step: Step) -> str:
        """The answer of the governed model's completion, recorded in its step."""
        step.llm_calls, step.latency_s = 1, completion.latency_s
        step.prompt_tokens, step.completion_tokens = completion.prompt_tokens, completion.completion_tokens
        if not completion.text.strip():
            raise ModelCallError("the model returned an empty answer")
        return completion.text.strip()

    # 2. AuditErase: detection ---------------------------------------------------------------------
    def audit(self, answer: str, candidates: list[Candidate], trace: Trace) -> list[Leak]:
        """Which candidate targets the answer reveals."""
        step = trace.step("audit")
        if self.config.detection == "llm":
            step.detail["mode"] = "llm: every answer is rewritten against every target in scope"
            return [Leak(c.target, direct=False, covers=c.covers) for c in candidates]
        leaks = [Leak(c.target, direct=True, covers=c.covers) for c in candidates if c.answer_mentions]
        undecided = [c for c in candidates if not c.answer_mentions]
        sure = [c for c in undecided if c.similarity >= self.config.sim_leak]
        floor = 0.0 if self.config.strict else self.config.sim_confirm
        # a target the system turns name is asked about whatever its similarity: the answer may draw on that text
        unsure = [c for c in undecided if c not in sure and (c.similarity >= floor or c.context_mentions)]
        unsure = sorted(unsure, key=lambda c: -c.similarity)[: self.config.max_llm_candidates]
        leaks += [Leak(c.target, direct=False, covers=c.covers) for c in sure]
        if unsure:
            confirmed = self._confirm(answer, [c.target for c in unsure], step)
            leaks += [Leak(c.target, direct=False, covers=c.covers) for c in unsure if c.target in confirmed]
        step.detail.update(
            direct=[leak.target.name for leak in leaks if leak.direct],
            similar=[c.target.name for c in sure],
            asked_llm=[c.target.name for c in unsure],
        )
        return leaks

    def _confirm(self, text: str, targets: list[Target], step) -> list[Target]:
        names = [t.name for t in targets]
        schema = {
            "type": "object",
            "properties": {
                "leaked": {"type": "array", "items": {"type": "string", "enum": names}, "maxItems": len(names)}
            },
            "required": ["leaked"],
        }
        data = jsonout.call_json(self.agent_model, confirm_prompt(text, targets), schema,
                                 self.params(max_tokens=64), step)
        return [t for t in targets if t.name in data["leaked"]]

    # 2. AuditErase: erase -------------------------------------------------------------------------
    def erase(self, query: str, answer: str, leaks: list[Leak], guard: MentionIndex, trace: Trace) -> list[str]:
        """k sanitised variants of the answer (an empty list when nothing usable is left)."""
        step = trace.step("erase")
        if self.config.erase == "llm":
            return [self._llm_erase(query, answer, leaks, i, step) for i in range(self.config.k)]
        redacted = self._redact(answer, leaks, guard)
        step.detail["redacted"] = redacted
        if len(re.findall(r"\w+", redacted.replace(PLACEHOLDER, ""))) < 3:
            step.detail["result"] = "nothing left after redaction"
            return []
        if PLACEHOLDER not in redacted:
            return [redacted]
        kind = leaks[0].target.kind
        neutral = redacted.replace(PLACEHOLDER, NEUTRAL[kind])
        variants, fallbacks = [], 0
        for i in range(self.config.k):
            smoothed = self._smooth(redacted, GENERIC_PHRASES[kind], i, step)
            if smoothed is None or not self._clean(smoothed, redacted + " " + query, guard):
                smoothed, fallbacks = neutral, fallbacks + 1
            variants.append(smoothed)
        step.detail["fallbacks_to_placeholder_text"] = fallbacks
        return variants

    def _redact(self, answer: str, leaks: list[Leak], guard: MentionIndex) -> str:
        leaked_ids = {leak.target.id for leak in leaks} | {i for leak in leaks for i in leak.covers}
        mentions = [m for m in guard.find(answer) if m.target_id in leaked_ids]
        text = redact(answer, mentions, PLACEHOLDER)
        indirect = [leak.target for leak in leaks if not leak.direct]
        if indirect and self.embedder is not None:
            sentences = split_sentences(text)
            if sentences:
                sims = self.embedder.encode(sentences) @ self.embedder.encode([t.profile for t in indirect]).T
                keep = sims.max(axis=1) < self.config.sim_confirm
                text = " ".join(s for s, k in zip(sentences, keep, strict=True) if k)
        return text

    def _smooth(self, redacted: str, examples: str, index: int, step) -> str | None:
        temperature = 0.0 if index == 0 else self.config.temperature
        prompt = render("smooth", text=redacted, examples=examples)
        try:
            data = jsonout.call_json(self.agent_model, prompt, jsonout.string_field("text"),
                                     self.params(seed_offset=index, temperature=temperature), step)
        except ModelCallError:
            return None
        return data["text"].strip()

    def _llm_erase(self, query: str, answer: str, leaks: list[Leak], index: int, step) -> str:
        subjects = ", ".join(leak.target.name for leak in leaks)
        prompt = render("paper_audit_erase", subjects=subjects, query=query, text=answer)
        temperature = 0.0 if index == 0 else self.config.temperature
        data = jsonout.call_json(self.agent_model, prompt, jsonout.string_field("response"),
                                 self.params(seed_offset=index, temperature=temperature), step)
        return data["response"].strip()

    def _clean(self, text: str, source: str, guard: MentionIndex) -> bool:
        """No target mention, no leftover placeholder, and no new named entity."""
        return PLACEHOLDER not in text and not guard.find(text) and not new_entities(text, source)

    # 3. Critic ------------------------------------------------------------------------------------
    def critic(self, variants: list[str], leaks: list[Leak], guard: MentionIndex, trace: Trace) -> list[float]:
        """A 1-5 rating per variant (5 = no trace of any leaked target)."""
        step = trace.step("critic")
        weight = self.config.critic_llm_weight if self.config.critic == "hybrid" else 1.0
        llm = self._llm_ratings(variants, leaks, step) if weight > 0 else [5.0] * len(variants)
        if self.config.critic == "llm":
            return llm
        ratings = []
        similarity = self._similarity_ratings(variants, leaks)
        for variant, sim_rating, llm_rating in zip(variants, similarity, llm, strict=True):
            leaked = bool(guard.find(variant))
            ratings.append(1.0 if leaked else round((1 - weight) * sim_rating + weight * llm_rating, 3))
        step.detail.update(similarity_ratings=similarity, llm_ratings=llm)
        return ratings

    def _similarity_ratings(self, variants: list[str], leaks: list[Leak]) -> list[float]:
        if self.embedder is None or not leaks:
            return [5.0] * len(variants)
        profiles = self.embedder.encode([leak.target.profile for leak in leaks])
        low, high = self.config.sim_confirm, self.config.sim_leak
        ratings = []
        for variant in variants:
            sentences = split_sentences(variant) or [variant]
            best = float((self.embedder.encode(sentences) @ profiles.T).max())
            ratings.append(float(np.clip(5.0 - 4.0 * (best - low) / (high - low), 1.0, 5.0)))
        return ratings

    def _llm_ratings(self, variants: list[str], leaks: list[Leak], step) -> list[float]:
        schema = {
            "type": "object",
            "properties": {
                "ratings": {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 1, "maximum": 5, "enum": [1, 2, 3, 4, 5]},
                    "minItems": len(variants),
                    "maxItems": len(variants),
                }
            },
            "required": ["ratings"],
        }
        data = jsonout.call_json(self.agent_model, critic_prompt(variants, [leak.target for leak in leaks]), schema,
                                 self.params(max_tokens=64), step)
        return [float(r) for r in data["ratings"]]

    # 4. Composer ----------------------------------------------------------------------------------
    def compose(self, query: str, variants: list[str], ratings: list[float], guard: MentionIndex,
                trace: Trace) -> str | None:
        """Merge the top-j variants when their mean rating reaches tau; None means refuse."""
        step = trace.step("composer")
        order = sorted(range(len(variants)), key=lambda i: -ratings[i])[: self.config.j]
        trace.chosen = order
        mean = float(np.mean([ratings[i] for i in order]))
        step.detail["mean_top_j"] = mean
        if mean < self.config.tau:
            return None
        chosen = list(dict.fromkeys(variants[i] for i in order))
        if len(chosen) == 1:
            return chosen[0]
        answers = "\n\n".join(f"ANSWER {n + 1}:\n{text}" for n, text in enumerate(chosen))
        try:
            data = jsonout.call_json(self.agent_model, render("compose", query=query, answers=answers),
                                     jsonout.string_field("answer"), self.params(), step)
        except ModelCallError:
            step.detail["merge"] = "failed; using the best variant"
            return chosen[0]
        merged = data["answer"].strip()
        if self.config.critic == "hybrid" and not self._clean(merged, " ".join(chosen) + " " + query, guard):
            step.detail["merge"] = "added a name or a new entity; using the best variant"
            return chosen[0]
        return merged


def confirm_prompt(text: str, targets: list[Target]) -> str:
    """The prompt that asks the agent model which of the (screened) targets the text reveals."""
    subjects = "\n".join(f"- {t.name}" + (f": {t.description}" if t.description else "") for t in targets)
    return render("confirm", subjects=subjects, text=text)


def critic_prompt(variants: list[str], targets: list[Target]) -> str:
    """The prompt that asks the agent model to rate how well each variant hides the targets."""
    subjects = "\n".join(f"- {t.name}" for t in targets) or "(none)"
    answers = "\n\n".join(f"ANSWER {i + 1}:\n{v}" for i, v in enumerate(variants))
    return render("critic", subjects=subjects, answers=answers)


def new_entities(text: str, source: str) -> list[str]:
    """Capitalised words in text that appear nowhere in source and are not common words."""
    known = {t.norm for t in tokenize(source)} | common_words()
    return [t.norm for t in tokenize(text) if t.capitalized and t.norm not in known and not t.norm.isdigit()]
