"""The data path of one request, top to bottom: query -> plan (decline the parts that name a target) -> governed
model -> screen targets -> agents -> final guard -> answer."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from .agents import AgentContext, accepted, audit, compose, critic, erase, model_rated, vanilla_answer, vanilla_request
from .config import PipelineConfig, preset
from .embedding import TextEncoder, get_embedder
from .errors import ConfigError
from .inline import MustWait, blocking, inline
from .models import DEFAULT_MODEL, AsyncChatModel, ChatModel, Message, StreamingChatModel, get_model
from .prompts import Prompts, default_prompts
from .screening import Candidate, Floors, TargetIndex, split_sentences
from .screening.parts import is_question, judged_alone, refers_back, sentences_end, split_parts, without_listed
from .store import Store
from .targets import Target, as_targets
from .trace import Trace

MAX_QUERY_CHARS = 20_000

RunSync = Callable[..., Awaitable[Any]]  # runs a blocking function in a worker thread: run_sync(func, *args)


@dataclass
class Result:
    """The final answer and the record of how it was reached."""

    text: str
    refused: bool
    trace: Trace
    error: Exception | None = None  # the fault that ended in the refusal, if any (the trace holds its message)


class Unlearner:
    """Answers questions through the governed model without revealing the forget targets."""

    def __init__(
        self,
        targets: list[str | Target] = (),
        model: str | ChatModel | None = None,
        agent_model: str | ChatModel | None = None,
        config: PipelineConfig | str = "default",
        base_url: str | None = None,
        api_key: str | None = None,
        embedder: TextEncoder | None | bool = True,
        store: Store | None = None,
        prompts: Prompts | None = None,
    ) -> None:
        """Forget the given targets, or those of a registry (store), following its changes from request to request.

        prompts replaces the packaged prompts and phrases (see alu.prompts.Prompts)."""
        if store is not None and targets:
            raise ConfigError("give either targets or a registry store, not both")
        self.config = preset(config) if isinstance(config, str) else config
        self.model = _as_model(model, base_url, api_key)
        self.agent_model = self.model if agent_model is None else _as_model(agent_model, base_url, api_key)
        if embedder is True:
            embedder = get_embedder()
        self.store, self._applied_seq, self._sync_lock = store, 0, threading.Lock()
        if store is not None:
            self._applied_seq = store.version()  # read first: a change committed meanwhile is applied again, harmlessly
            targets = [record.target for record in store.list()]
        self.index = TargetIndex(as_targets(list(targets)), embedder=embedder or None)
        self.prompts = prompts or default_prompts()
        self.context = AgentContext(self.model, self.agent_model, self.config, self.prompts)

    @property
    def targets(self) -> list[Target]:
        return list(self.index.targets.values())

    def add_target(self, target: str | Target) -> None:
        """Forget this target from the next request on."""
        self.index.add(as_targets([target])[0])

    def remove_target(self, target_id: str) -> None:
        self.index.remove(target_id)

    def sync(self) -> None:
        """Apply the registry's changes made since the last request, by any process (one cheap query if none)."""
        if self.store is None:
            return
        version = self.store.version()
        if version == self._applied_seq:
            return  # the common case takes no lock
        blocking()  # new targets' texts get encoded
        with self._sync_lock:
            if self._applied_seq >= version:
                return  # another request applied them meanwhile
            changes = self.store.changes_since(self._applied_seq)
            latest = {change.target_id: change for change in changes}  # only the last change of a target matters
            for change in latest.values():
                if change.action == "remove":
                    self.index.remove(change.target_id)
            # add_many replaces a changed target in place: its names never go missing for a concurrent request
            self.index.add_many([change.target for change in latest.values() if change.action != "remove"])
            self._applied_seq = max((change.seq for change in changes), default=self._applied_seq)

    def ask(self, query: str, history: list[Message] | None = None, *, config: PipelineConfig | None = None,
            model: ChatModel | None = None) -> Result:
        """Answer one question (with an optional earlier conversation). Any fault ends in a refusal.

        config and model override the pipeline's settings and the governed model for this request only.
        """
        request = self._prepare(query, history, config, model)
        try:
            plan = self._plan(request)  # a registry that cannot be read refuses before the model is called
            if plan is None:
                return _done(request, _refusal(request), True)
            step = request.trace.step("vanilla")
            completion = request.context.vanilla_model.chat(*vanilla_request(request.context, plan.query,
                                                                             plan.history))
            answer = vanilla_answer(completion, step)
        except Exception as exc:  # fail closed: every fault is a refusal
            return _fault(request, exc)
        return self._finish(request, plan, answer, sync=False)

    async def ask_async(self, query: str, history: list[Message] | None = None, *, run_sync: RunSync,
                        config: PipelineConfig | None = None, model: ChatModel | None = None) -> Result:
        """ask() for an event loop: the plan, the governed model's call (awaited, or in a worker thread through
        run_sync if the model is no AsyncChatModel), then the registry sync, screening and the agents: registry
        changes made during the model's call apply to its answer. The plan and what follows the call run on the
        event loop when nothing in them waits, else through run_sync (see _run)."""
        request = self._prepare(query, history, config, model)
        try:
            plan = await _run(run_sync, request.trace, self._plan, request)
        except Exception as exc:  # fail closed: every fault is a refusal
            return _fault(request, exc)
        return await self._complete_async(request, plan, run_sync)

    async def _complete_async(self, request: _Request, plan: Plan | None, run_sync: RunSync) -> Result:
        """The governed model's call, awaited, then everything after it (see ask_async)."""
        if plan is None:
            return _done(request, _refusal(request), True)
        governed = request.context.vanilla_model
        try:
            step = request.trace.step("vanilla")
            messages, params = vanilla_request(request.context, plan.query, plan.history)
            if isinstance(governed, AsyncChatModel):
                completion = await governed.achat(messages, params)
            else:
                completion = await run_sync(governed.chat, messages, params)
            answer = vanilla_answer(completion, step)
        except Exception as exc:  # fail closed: every fault is a refusal
            return _fault(request, exc)
        return await _run(run_sync, request.trace, self._finish, request, plan, answer, True)

    async def stream_async(self, query: str, history: list[Message] | None = None, *, run_sync: RunSync,
                           config: PipelineConfig | None = None, model: ChatModel | None = None,
                           trace: Trace | None = None) -> AsyncIterator[str | Result]:
        """ask_async() that releases the answer sentence by sentence as a streaming governed model
        (StreamingChatModel) writes it: a sentence goes out only once it, and everything before it, passes
        screening and the final guard with nothing left for an agent to judge. From the first sentence that does
        not, the rest of the answer is read whole and goes through the agents (or, refused, is replaced by the
        withheld phrase). Yields the pieces sent, then the Result, whose text is everything sent. A question
        with a declined part, or a model that does not stream, is answered whole first (as ask_async)."""
        request = self._prepare(query, history, config, model, trace)
        try:
            plan = await _run(run_sync, request.trace, self._plan, request)
        except Exception as exc:  # fail closed: every fault is a refusal
            plan, result = None, _fault(request, exc)
        else:
            result = None
        governed = request.context.vanilla_model
        if result is None and (plan is None or plan.declined or not isinstance(governed, StreamingChatModel)):
            result = await self._complete_async(request, plan, run_sync)
        if result is not None:
            yield result.text
            yield result
            return
        sent = []
        async for piece in self._released(request, plan, governed, run_sync):
            sent.append(piece)
            yield piece
        yield _done(request, "".join(sent), request.trace.path == "refuse")

    async def _released(self, request: _Request, plan: Plan, governed: StreamingChatModel,
                        run_sync: RunSync) -> AsyncIterator[str]:
        """The pieces stream_async sends: screened sentences as they come, then the rest through the agents."""
        context, trace = request.context, request.trace
        step = trace.step("vanilla")
        messages, params = vanilla_request(context, plan.query, plan.history)
        released, pending, held, started = "", "", False, time.monotonic()
        try:
            async for piece in governed.astream(messages, params):
                pending += piece
                step.completion_tokens += 1
                cut = 0 if held else sentences_end(pending)
                if not cut:
                    continue
                chunk = pending[:cut]
                if await _run(run_sync, trace, self._releasable, plan, released + chunk, context):
                    released, pending = released + chunk, pending[cut:]
                    yield chunk
                else:
                    held = True
            step.llm_calls, step.latency_s = 1, time.monotonic() - started
            rest = pending.strip()
            if rest and not held and await _run(run_sync, trace, self._releasable, plan, released + pending, context):
                trace.path = "fast"
                yield pending
                return
            if not rest:
                trace.path = trace.path or "fast"
                return
            text = await _run(run_sync, trace, self._answer, plan, rest, trace, context)
        except Exception as exc:  # fail closed: what was sent passed the checks; nothing else goes out
            trace.path, trace.reason, trace.error = "refuse", "fault", f"{exc.__class__.__name__}: {exc}"
            text = None
        if text is None:
            if not released:
                yield _refusal(request)
                return
            trace.path = "partial"
            text = context.prompts.phrases["withheld_rest"]
        yield (" " if released and not released[-1].isspace() else "") + text

    def _releasable(self, plan: Plan, text: str, context: AgentContext) -> bool:
        """Whether text (the answer so far) may go out before the answer is complete: no target named in the
        conversation, mentioned in the text or in a system turn, no candidate an agent would have to judge (a
        similarity at sim_confirm), no registered name anywhere in it, and no strict mode."""
        config = context.config
        if config.strict or not config.fast_path:
            return False
        candidates = self.index.screen(plan.asked, text, config.max_candidates, floors(config), plan.system)
        if any(c.named or c.answer_mentions or c.context_mentions or c.similarity >= config.sim_confirm
               for c in candidates):
            return False
        if self.index.mentions_in(text):
            return False
        declined = self._with_declined([], plan.targets, text, config.sim_confirm)
        return not any(c.similarity >= config.sim_confirm for c in declined)

    def _prepare(self, query: str, history: list[Message] | None, config: PipelineConfig | None,
                 model: ChatModel | None, trace: Trace | None = None) -> _Request:
        """Check the input (ConfigError) and pick the models and settings of one request."""
        context = self.context
        if config is not None or model is not None:
            context = replace(context, config=config or self.config, vanilla_model=model or self.model)
        history = check_input(query, history, context.config)
        return _Request(query, history, context, trace or Trace())

    def _finish(self, request: _Request, plan: Plan, answer: str, sync: bool) -> Result:
        """Everything after the governed model's answer: (registry sync,) screening, the agents, the final guard, and
        the sentence declining the parts the plan left out."""
        try:
            if sync:
                self.sync()
            text = self._answer(plan, answer, request.trace, request.context)
        except Exception as exc:  # fail closed: every fault is a refusal
            return _fault(request, exc)
        if text is None:
            return _done(request, _refusal(request), True)
        if plan.declined:
            request.trace.path = "partial"
            context = request.context
            text += "\n\n" + context.prompts.decline(context.config.refusal_style, plan.declined)
        return _done(request, text, False)

    def _plan(self, request: _Request) -> Plan | None:
        """What the governed model is asked (after a registry sync): the conversation less the parts that name or
        describe a target (Candidate.named), declined in the answer by their position; None refuses before any
        model call, when nothing else is asked or when the rest still names a target taken together."""
        self.sync()
        config, trace = request.context.config, request.trace
        plan = Plan(request.query, request.history)
        if not config.refuse_query_mentions or config.prompt_scope == "all" or not self.targets:
            return plan
        step = trace.step("plan")
        started = time.monotonic()
        try:
            named = self._named([*plan.asked, *judged_alone(request.query)], config, step.detail)
            if not named:
                return plan
            trace.candidates = [c.target.name for c in named]
            if not config.partial_answers:
                return _refuse(trace, "the conversation names a forget target")
            history = self._kept_history(request.history, config)
            parts, plan.declined, declined = self._keep(request.query, config, _last_turn_cut(request.history,
                                                                                               history))
            plan.targets = list({c.target.id: c for c in [*named, *declined]}.values())
            history = self._withheld(history, plan.targets)
            step.detail.update(parts=len(split_parts(request.query)), declined=plan.declined,
                               history_turns_dropped=len(request.history) - len(history))
            if not any(is_question(part) for part in parts):
                return _refuse(trace, "the conversation names a forget target")
            plan.query, plan.history = " ".join(parts), history
            if self._named(plan.asked, config):
                return _refuse(trace, "the rest of the conversation still names a forget target")
            return plan
        finally:
            step.latency_s = time.monotonic() - started

    def _named(self, texts: list[str], config: PipelineConfig, detail: dict | None = None) -> list[Candidate]:
        """The targets these user (and earlier assistant) turns, and the questions of a turn judged alone
        (judged_alone), name, taken together."""
        candidates = self.index.screen(texts, "", config.max_candidates, floors(config), detail=detail)
        return [c for c in candidates if c.named]

    def _keep(self, text: str, config: PipelineConfig, follows_cut: bool = False) -> tuple[list[str], list[int],
                                                                                          list[Candidate]]:
        """The parts of a turn that name no target (a part that lists a target among others keeps the others), the
        positions of the declined questions among its questions (1-based), and the targets named. follows_cut: the
        turn before this one lost a part, so a part that points back ("Where was she born?") is declined too."""
        kept, declined, named, number = [], [], [], 0
        for part in split_parts(text):
            number += is_question(part)
            hits = self._named([part], config)
            if not hits and not (follows_cut and refers_back(part)):
                kept.append(part)
                continue
            named += hits
            rest = without_listed(part, [m for c in hits for m in c.query_mentions]) if hits else None
            if rest and len(rest) < len(part) and not self._named([rest], config):
                kept.append(rest)
            if is_question(part):
                declined.append(number)
        return kept, declined, named

    def _kept_history(self, history: list[Message], config: PipelineConfig) -> list[Message]:
        """The earlier user and assistant turns less the parts that name a target; a user turn left empty goes with
        the reply to it. System turns are the deployer's own: only their lines about a declined target are withheld
        (_withheld)."""
        kept: list[Message] = []
        dropped_user = False
        for message in history:
            if message["role"] == "system":
                kept.append(message)
                continue
            if message["role"] == "assistant" and dropped_user:
                dropped_user = False
                continue
            content = message["content"]
            if content.strip() and self._named([content], config):
                content = " ".join(self._keep(content, config)[0])
            dropped_user = message["role"] == "user" and not content
            if content:
                kept.append({**message, "content": content})
        return kept

    def _withheld(self, history: list[Message], declined: list[Candidate]) -> list[Message]:
        """The system turns less their lines that mention a declined target (a retrieved passage about it): the
        model is not asked about it and needs nothing about it. Other lines, and every other turn, stay."""
        ids = {target_id for candidate in declined for target_id in candidate.covers}
        kept = []
        for message in history:
            if message["role"] == "system":
                lines = [line for line in message["content"].splitlines() if not self.index.mentions_any(line, ids)]
                message = {**message, "content": "\n".join(lines)} if any(line.strip() for line in lines) else None
            if message is not None:
                kept.append(message)
        return kept

    def _answer(self, plan: Plan, answer: str, trace: Trace, context: AgentContext) -> str | None:
        """The data path after the governed model's answer: screen -> audit -> erase -> critic -> composer -> final
        guard. None means refuse (the trace says why)."""
        config = context.config
        if len(answer) > config.max_answer_chars:  # screened in linear time, but not without bound
            return _refuse(trace, "the answer is longer than max_answer_chars")
        # The whole conversation the model saw counts as the question: earlier user turns, and earlier assistant
        # turns too, since a client can paste a leaked answer back into its history. System turns are the
        # deployer's own material (instructions, retrieved passages): a target they name becomes a candidate the
        # audit checks the answer for, not a reason to refuse before the answer is read.
        candidates = self._screen(plan.asked, answer, plan.system, trace, config)
        if config.refuse_query_mentions and any(c.named for c in candidates):
            return _refuse(trace, "the conversation names a forget target")
        candidates = self._with_declined(candidates, plan.targets, answer, config.sim_confirm)
        self._about_someone_else(candidates, plan.asked, plan.system, answer, config, trace)
        self._passage_evidence(candidates, plan.system, answer, config, trace)
        leaks = audit(context, answer, candidates, trace)
        trace.detected = [leak.target.name for leak in leaks]
        if not leaks and (config.fast_path or not self.targets):
            trace.path = "fast"
            return answer
        guard = self.index
        variants = erase(context, plan.query, answer, leaks, guard, trace)
        trace.variants = variants
        if not variants:
            return _refuse(trace, "nothing is left once the targets are removed")
        trace.ratings = critic(context, variants, leaks, guard, trace)
        if config.erase == "hybrid" and not accepted(context, trace.ratings) and model_rated(trace):
            more = erase(context, plan.query, answer, leaks, guard, trace, first=len(variants))
            trace.variants = variants = variants + more
            trace.ratings += critic(context, more, leaks, guard, trace)
        composed = compose(context, plan.query, variants, trace.ratings, guard, trace)
        if composed is None:
            return _refuse(trace, "no variant reached the rating threshold")
        if config.final_guard and guard.mentions_in(composed):
            return _refuse(trace, "the final guard found a target in the answer")
        if config.final_guard and _restates(guard, composed, candidates, config):
            return _refuse(trace, "the final guard found a sentence as close to a target as a leak")
        trace.path = "rewrite"
        return composed

    def _with_declined(self, candidates: list[Candidate], declined: list[Candidate], answer: str,
                       floor: float) -> list[Candidate]:
        """The screened candidates and the targets the plan declined, marked declined (Candidate.declined): the
        audit checks the answer for them whatever screening found, since the model may still bring them up. floor:
        as in TargetIndex.closeness."""
        ids = {c.target.id for c in declined}
        for candidate in candidates:
            candidate.declined = candidate.target.id in ids
        have = {c.target.id for c in candidates}
        missing = [replace(c, query_mentions=[], answer_mentions=[], context_mentions=[], named=False, similarity=0.0,
                           declined=True) for c in declined if c.target.id not in have]
        sentences = split_sentences(answer)
        if missing and sentences:
            scores = self.index.closeness(sentences, missing, floor).max(axis=0)
            for candidate, score in zip(missing, scores.tolist(), strict=True):
                candidate.similarity = score
        return candidates + missing

    def _about_someone_else(self, candidates: list[Candidate], asked: list[str], system: list[str], answer: str,
                            config: PipelineConfig, trace: Trace) -> None:
        """The similarity of each person candidate the answer does not mention, taken again without the texts that
        name someone else or are closer to a passage line about someone else (TargetIndex.without_others)."""
        sentences, changed = split_sentences(answer), {}
        for candidate in candidates:
            if candidate.target.kind != "person" or candidate.answer_mentions:
                continue
            candidate.others = self.index.about_others(candidate, system) if self.index.embedder else ()
            similarity = self.index.without_others(candidate, sentences, asked, config.sim_confirm)
            if similarity is not None:
                changed[candidate.target.name] = [round(candidate.similarity, 3), round(similarity, 3)]
                candidate.similarity = similarity
        if changed:
            trace.step("persons").detail["about_someone_else"] = changed

    def _passage_evidence(self, candidates: list[Candidate], system: list[str], answer: str,
                          config: PipelineConfig, trace: Trace) -> None:
        """A candidate that a system turn names and whose kind the LLM is not asked about (confirm_kinds): the lines
        that name it count as its knowledge for this answer (Candidate.lines: audit, erase, critic and final guard
        compare with them), so it is decided by similarity as every other candidate of its kind."""
        if self.index.embedder is None:
            return  # nothing to measure with: the LLM is asked (audit._askable)
        sentences, closeness = split_sentences(answer), {}
        for candidate in candidates:
            if (candidate.context_mentions and not candidate.answer_mentions and not config.strict
                    and candidate.target.kind not in config.confirm_kinds):
                candidate.passages = self.index.read_passages(candidate, sentences, system, config.sim_confirm)
                closeness[candidate.target.name] = round(candidate.passages, 3)
                candidate.similarity = max(candidate.similarity, candidate.passages)
        if closeness:
            trace.step("passages").detail["closeness"] = closeness

    def _screen(self, asked: list[str], answer: str, context: list[str], trace: Trace,
                config: PipelineConfig) -> list[Candidate]:
        step = trace.step("screen")
        started = time.monotonic()
        if config.prompt_scope == "all":
            candidates = [Candidate(t) for t in self.targets]
        else:
            candidates = self.index.screen(asked, answer, config.max_candidates, floors(config), context,
                                           detail=step.detail)
        step.latency_s = time.monotonic() - started
        trace.candidates = [c.target.name for c in candidates]
        return candidates


@dataclass
class Plan:
    """What the governed model is asked: the question and earlier turns less their parts that name a target."""

    query: str
    history: list[Message]
    declined: list[int] = field(default_factory=list)  # positions (1-based) of the question's declined parts
    targets: list[Candidate] = field(default_factory=list)  # the targets declined: the audit checks the answer

    @property
    def asked(self) -> list[str]:
        """What the model was asked: the user's and assistant's turns, then the question."""
        return [*_asked(self.history), self.query]

    @property
    def system(self) -> list[str]:
        """The deployer's system turns."""
        return [m["content"] for m in self.history if m["role"] == "system"]

@dataclass
class _Request:
    """One question on its way through the pipeline."""

    query: str
    history: list[Message]
    context: AgentContext
    trace: Trace


async def _run(run_sync: RunSync, trace: Trace, func: Callable[..., Any], *args: Any) -> Any:
    """func(*args) here, on the event loop, when nothing in it would wait (alu.inline): the common request screens
    in less time than a worker thread takes to pick it up. Otherwise in a worker thread through run_sync, from the
    start, with the trace as it was before the first try."""
    before = trace.snapshot()
    try:
        with inline():
            return func(*args)
    except MustWait:
        trace.restore(before)
        return await run_sync(func, *args)


def floors(config: PipelineConfig) -> Floors:
    """The similarity floors of screening, from the pipeline's settings."""
    return Floors(related=config.sim_confirm, lexical=config.sim_lexical, unrelated=config.sim_knowledge,
                  described=config.sim_described, topic=config.sim_topic, gate=config.sim_gate)


def _restates(guard: TargetIndex, text: str, candidates: list[Candidate], config: PipelineConfig) -> bool:
    """Whether a sentence of text comes as close to a screened target's profile or knowledge as a leak."""
    sentences = split_sentences(text)
    if not sentences or not candidates:
        return False
    scores = guard.closeness(sentences, candidates, config.sim_leak)
    return bool((scores >= config.sim_leak).any())


def _last_turn_cut(history: list[Message], kept: list[Message]) -> bool:
    """Whether the last earlier turn (the user's or the assistant's) lost a part, or went whole, in the plan."""
    asked = [m for m in history if m["role"] != "system"]
    return bool(asked) and asked[-1] not in kept


def _asked(history: list[Message]) -> list[str]:
    """The user's and the assistant's earlier turns (not the deployer's system turns)."""
    return [m["content"] for m in history if m["role"] != "system"]


def _fault(request: _Request, exc: Exception) -> Result:
    trace = request.trace
    trace.path, trace.reason, trace.error = "refuse", "fault", f"{exc.__class__.__name__}: {exc}"
    return _done(request, _refusal(request), True, exc)


def _refusal(request: _Request) -> str:
    """The whole refusal, in the request's refusal style."""
    return request.context.prompts.refusal_in(request.context.config.refusal_style)


def _done(request: _Request, text: str, refused: bool, error: Exception | None = None) -> Result:
    request.trace.total_s = time.monotonic() - request.trace.started
    return Result(text, refused, request.trace, error)


def _refuse(trace: Trace, reason: str) -> None:
    trace.path, trace.reason = "refuse", reason
    return None


def _as_model(model: str | ChatModel | None, base_url: str | None, api_key: str | None) -> ChatModel:
    if model is None or isinstance(model, str):
        return get_model(model or DEFAULT_MODEL, base_url=base_url, api_key=api_key)
    return model


def check_query(query: str) -> None:
    """Reject an empty or oversized query."""
    if not isinstance(query, str) or not query.strip():
        raise ConfigError("the query is empty")
    if len(query) > MAX_QUERY_CHARS:
        raise ConfigError(f"the query is longer than {MAX_QUERY_CHARS} characters")


def check_input(query: str, history: list[Message] | None, config: PipelineConfig) -> list[Message]:
    """The earlier turns, checked with the query (ConfigError for bad input)."""
    check_query(query)
    history = list(history or [])
    for message in history:
        if message.get("role") not in ("user", "assistant", "system") or not isinstance(message.get("content"), str):
            raise ConfigError("history messages need a role (user, assistant or system) and text content")
    if len(query) + sum(len(m["content"]) for m in history) > config.max_conversation_chars:
        raise ConfigError(f"the conversation is longer than {config.max_conversation_chars} characters")
    return history
