"""Orchestration of the four agents with a scripted model: every path, every fault."""

from __future__ import annotations

import asyncio
import re

import pytest
from conftest import ScriptedModel, WordEmbedder, as_json, rate_all

from alu import PipelineConfig, Target, Unlearner
from alu.config import preset
from alu.embedding import get_embedder
from alu.errors import ConfigError
from alu.prompts import default_prompts
from alu.screening.parts import judged_alone, split_parts

REFUSAL = default_prompts().refusal

ROWLING = Target("J. K. Rowling", aliases=("Joanne Rowling", "Robert Galbraith"))
LEAKY = "The Harry Potter books were written by J. K. Rowling, a British author."
CLEAN_REWRITE = as_json(text="The Harry Potter books were written by a British author.")


def unlearner(model: ScriptedModel, config: PipelineConfig | str = "default", embedder=None) -> Unlearner:
    return Unlearner([ROWLING], model=model, config=config, embedder=embedder)


def test_fast_path_returns_the_vanilla_answer_with_one_call():
    model = ScriptedModel(vanilla="Paris is the capital of France.")
    result = unlearner(model).ask("What is the capital of France?")
    assert result.text == "Paris is the capital of France."
    assert not result.refused and result.trace.path == "fast"
    assert model.calls == ["vanilla"]


def test_rewrite_path_removes_the_target_and_keeps_the_facts():
    model = ScriptedModel(vanilla=LEAKY, smooth=CLEAN_REWRITE, critic=rate_all(5))
    result = unlearner(model).ask("Who wrote the Harry Potter books?")
    assert result.trace.path == "rewrite"
    assert result.text == "The Harry Potter books were written by a British author."
    assert result.trace.detected == ["J. K. Rowling"]
    assert result.trace.variants == [result.text] and result.trace.ratings == [5.0]
    # one smoothing call; the critic model is asked because without an embedder similarity cannot tell; no merge
    assert model.calls == ["vanilla", "smooth", "critic"]


def test_a_variant_that_passes_the_deterministic_critic_needs_no_llm_critic():
    model = ScriptedModel(vanilla=LEAKY, smooth=CLEAN_REWRITE)
    result = unlearner(model, embedder=WordEmbedder()).ask("Who wrote the Harry Potter books?")
    assert result.text == "The Harry Potter books were written by a British author."
    assert model.calls == ["vanilla", "smooth"]


def test_more_variants_are_written_only_when_the_first_does_not_pass():
    rewrites = iter(["The Harry Potter books were written by a British author.",
                     "The Harry Potter books were written by someone, a British author.",
                     "The Harry Potter books were written by an author, a British author."])
    ratings = iter([as_json(ratings=[1]), as_json(ratings=[5, 4])])
    model = ScriptedModel(vanilla=LEAKY, smooth=lambda prompt: as_json(text=next(rewrites)),
                          critic=lambda prompt: next(ratings), compose=CLEAN_REWRITE.replace("text", "answer"))
    result = unlearner(model).ask("Who wrote the Harry Potter books?")
    assert model.calls == ["vanilla", "smooth", "critic", "smooth", "smooth", "critic", "compose"]
    assert result.trace.ratings == [1.0, 5.0, 4.75] and result.trace.chosen == [1, 2]
    assert result.text == "The Harry Potter books were written by a British author."


def test_smoothing_that_adds_a_name_falls_back_to_the_placeholder_text():
    model = ScriptedModel(vanilla=LEAKY, smooth=as_json(text="The Harry Potter books were written by Dumbledore."),
                          critic=rate_all(5))
    result = unlearner(model).ask("Who wrote the Harry Potter books?")
    assert "Dumbledore" not in result.text and "Rowling" not in result.text
    assert result.text == "The Harry Potter books were written by someone, a British author."


def test_refusal_when_ratings_are_below_tau():
    model = ScriptedModel(vanilla=LEAKY, smooth=CLEAN_REWRITE, critic=rate_all(2))
    config = preset("default").with_overrides(critic="llm")
    result = unlearner(model, config).ask("Who wrote the Harry Potter books?")
    assert result.refused and result.text == REFUSAL and len(result.trace.variants) == 3
    assert result.trace.reason == "no variant reached the rating threshold"


def test_malformed_json_twice_ends_in_refusal():
    model = ScriptedModel(vanilla=LEAKY, smooth=CLEAN_REWRITE, critic="ratings: five, five {oops")
    result = unlearner(model).ask("Who wrote the Harry Potter books?")
    assert result.refused and result.trace.reason == "fault" and "schema" in result.trace.error
    assert model.calls.count("critic") == 2  # one retry


def test_json_wrapped_in_prose_is_still_read():
    model = ScriptedModel(vanilla=LEAKY, smooth="Sure! " + CLEAN_REWRITE + " Hope this helps.",
                          critic="```json\n" + as_json(ratings=[5]) + "\n```")
    result = unlearner(model).ask("Who wrote the Harry Potter books?")
    assert not result.refused and "Rowling" not in result.text


def test_model_exception_never_returns_the_unfiltered_text():
    model = ScriptedModel(vanilla=LEAKY, smooth=RuntimeError("segfault-ish"))
    model.replies["critic"] = RuntimeError("boom")
    result = unlearner(model).ask("Who wrote the Harry Potter books?")
    assert result.refused and "Rowling" not in result.text
    assert result.trace.reason == "fault" and "RuntimeError" in result.trace.error


def test_timeout_ends_in_refusal(timeout_error):
    model = ScriptedModel(vanilla=timeout_error)
    result = unlearner(model).ask("Who wrote the Harry Potter books?")
    assert result.refused and result.trace.path == "refuse"
    assert result.trace.reason == "fault" and "timed out" in result.trace.error


def llm_erased(model: ScriptedModel) -> PipelineConfig:
    """The LLM eraser and critic: k distinct variants that the composer merges, with no deterministic check."""
    model.replies["paper_erase"] = lambda prompt: as_json(response=f"A British author wrote them ({len(model.calls)}).")
    return preset("default").with_overrides(critic="llm", erase="llm")


def test_final_guard_catches_a_leaked_alias():
    # An LLM-only critic trusts the composer; the deterministic guard still stops the alias.
    model = ScriptedModel(vanilla=LEAKY, critic=rate_all(5),
                          compose=as_json(answer="They were written by Robert Galbraith."))
    config = llm_erased(model)
    result = unlearner(model, config).ask("Who wrote the Harry Potter books?")
    assert result.refused and result.trace.reason == "the final guard found a target in the answer"
    assert "Galbraith" not in result.text


def test_question_naming_a_target_is_refused_without_any_model_call():
    model = ScriptedModel(vanilla="Joanne Rowling was born in Yate in 1965.")
    result = unlearner(model).ask("Where was joanne rowling born?")
    assert result.refused and model.calls == []
    assert result.trace.reason == "the conversation names a forget target"
    assert "Rowling" not in result.text


def test_a_last_name_few_targets_share_is_refused_but_a_misspelled_word_is_not():
    model = ScriptedModel(vanilla="Shakespeare wrote it.")
    registry = [ROWLING, *(Target(f"{first} Romez") for first in ("Adrian", "Ruth", "Ryan", "Magnus", "Frances"))]
    refused = Unlearner(registry, model=model, embedder=None).ask("Which books did Rowling write?")
    assert refused.refused and refused.trace.reason == "the conversation names a forget target"
    # "Romaz" is one letter from five targets' last name: they become candidates for the audit, not a refusal
    result = Unlearner(registry, model=model, embedder=None).ask("Did Romaz marry Juliet in the play?")
    assert not result.refused and result.text == "Shakespeare wrote it."
    assert len(result.trace.candidates) == 5


def test_a_last_name_many_targets_share_goes_to_the_audit():
    """In a large registry a bare 'Smith' names none of the forty Smiths: the answer decides, and a leak of one of
    them in the answer is still removed."""
    smiths = [Target(f"{first} Smith") for first in (f"Person{chr(97 + i)}{chr(97 + j)}" for i in range(5)
                                                      for j in range(8))]
    model = ScriptedModel(vanilla="Smith's rule is a heuristic for step sizes.", critic=rate_all(5),
                          smooth=as_json(text="The rule is a heuristic for step sizes."))
    result = Unlearner(smiths, model=model, embedder=None).ask("What is Smith's rule?")
    assert model.calls[:2] == ["vanilla", "smooth"]  # no pre-emptive refusal: the audit found the name in the answer
    assert result.trace.path == "rewrite" and result.text == "The rule is a heuristic for step sizes."
    assert len(result.trace.detected) == 16  # the candidate cap: 15 Smiths, and one candidate for the 25 left out
    assert result.trace.detected[-1] == "Smith"
    named = Unlearner(smiths, model=ScriptedModel(vanilla="x")).ask("Tell me about Personab Smith.")
    assert named.refused and named.trace.reason == "the conversation names a forget target"


def test_a_follow_up_on_a_declined_turn_is_declined_before_any_model_call():
    model = ScriptedModel(vanilla="She was born in Yate in 1965.")
    history = [{"role": "user", "content": "Tell me about J.K. Rowling"}, {"role": "assistant", "content": "..."}]
    result = unlearner(model).ask("Where was she born?", history=history)
    assert result.refused and result.trace.reason == "the conversation names a forget target"
    assert model.calls == []


class Recording(ScriptedModel):
    """Keeps the messages of every call."""

    def chat(self, messages, params):
        self.seen = [*getattr(self, "seen", []), messages]
        return super().chat(messages, params)


def test_earlier_turns_that_name_a_target_are_left_out_of_what_the_model_sees():
    model = Recording(vanilla="Paris is the capital of France.")
    history = [{"role": "user", "content": "Tell me about J.K. Rowling."},
               {"role": "assistant", "content": "I'm sorry, but I can't share information about that."},
               {"role": "user", "content": "Who wrote Emma? And who is Joanne Rowling?"},
               {"role": "assistant", "content": "Jane Austen wrote Emma."}]
    result = unlearner(model).ask("What is the capital of France?", history=history)
    assert result.text == "Paris is the capital of France." and result.trace.path == "fast"
    assert [m["content"] for m in model.seen[0][1:]] == ["Who wrote Emma?", "Jane Austen wrote Emma.",
                                                        "What is the capital of France?"]
    plan = next(step for step in result.trace.steps if step.agent == "plan")
    assert plan.detail["history_turns_dropped"] == 2 and plan.detail["declined"] == []


def test_indirect_description_is_caught_by_embedding_similarity():
    target = Target("Dr. Evil", description="the villain who built a moon laser to hold the world ransom")
    model = ScriptedModel(vanilla="A villain built a moon laser to hold the world ransom. Lasers need power.",
                          critic=as_json(ratings=[5]))
    result = Unlearner([target], model=model, embedder=WordEmbedder()).ask("Tell me a story about lasers")
    assert result.trace.detected == ["Dr. Evil"]
    assert "moon" not in result.text and "Lasers need power." in result.text


def test_paper_preset_rewrites_every_answer_and_has_no_guard():
    model = ScriptedModel(vanilla="Paris is the capital of France.",
                          paper_erase=as_json(response="Paris is the capital of France."),
                          critic=as_json(ratings=[5, 5, 5, 5, 5]))
    result = unlearner(model, "paper").ask("What is the capital of France?")
    assert result.text == "Paris is the capital of France." and result.trace.path == "rewrite"
    assert model.calls == ["vanilla"] + ["paper_erase"] * 5 + ["critic"]


def test_targets_added_and_removed_apply_to_the_next_request():
    model = ScriptedModel(vanilla="Paris is the capital of France.", smooth=as_json(text="It is a capital city."),
                          critic=as_json(ratings=[5, 5, 5]))
    alu = Unlearner([], model=model, embedder=None)
    assert alu.ask("Capital of France?").text == "Paris is the capital of France."
    alu.add_target(Target("Paris", kind="topic"))
    assert "Paris" not in alu.ask("Capital of France?").text
    alu.remove_target("paris")
    assert alu.ask("Capital of France?").text == "Paris is the capital of France."


def test_trace_records_costs_and_is_printable():
    model = ScriptedModel(vanilla=LEAKY, smooth=CLEAN_REWRITE, critic=rate_all(5))
    trace = unlearner(model).ask("Who wrote the Harry Potter books?").trace
    assert [s.agent for s in trace.steps] == ["plan", "vanilla", "screen", "audit", "erase", "critic", "composer"]
    assert sum(s.llm_calls for s in trace.steps) == 3
    assert "path: rewrite" in trace.summary() and trace.to_dict()["steps"][1]["prompt_tokens"] == 10


def test_system_turn_naming_a_target_is_audited_not_refused():
    """Retrieved passages in a system turn name the target: the answer is checked, and only a leak is erased."""
    passages = [{"role": "system", "content": "Passages: J.K. Rowling was born in Yate in 1965."}]
    model = ScriptedModel(vanilla="The author was born in Yate in 1965.", confirm=as_json(leaked=[]))
    result = unlearner(model).ask("Where was the author of Harry Potter born?", history=passages)
    assert not result.refused and result.text == "The author was born in Yate in 1965."
    assert model.calls == ["vanilla", "confirm"] and result.trace.candidates == ["J. K. Rowling"]
    leaky = ScriptedModel(vanilla="J.K. Rowling was born in Yate.", smooth=CLEAN_REWRITE, critic=as_json(ratings=[5]))
    result = unlearner(leaky).ask("Where was the author of Harry Potter born?", history=passages)
    assert "Rowling" not in result.text and result.trace.detected == ["J. K. Rowling"]


def test_final_guard_catches_a_target_that_was_not_a_candidate():
    """Screening only saw Rowling; the composer's merge names another registered target, Stephen King. The final
    guard reads the whole registry, not the candidates."""
    king = Target("Stephen King")
    model = ScriptedModel(vanilla=LEAKY, critic=rate_all(5),
                          compose=as_json(answer="They were written by Stephen King."))
    config = llm_erased(model)
    result = Unlearner([ROWLING, king], model=model, config=config, embedder=None).ask(
        "Who wrote the Harry Potter books?")
    assert result.trace.candidates == ["J. K. Rowling"]
    assert result.refused and result.trace.reason == "the final guard found a target in the answer"
    assert "King" not in result.text


def test_prompts_can_be_replaced_by_the_caller(tmp_path):
    from alu import Prompts

    model = Recording(vanilla=LEAKY, smooth=CLEAN_REWRITE, critic=rate_all(1))
    prompts = Prompts(templates={"vanilla_system": "Answer in one line."}, phrases={"refusal": "Not available."})
    config = preset("default").with_overrides(critic="llm")
    result = Unlearner([ROWLING], model=model, config=config, embedder=None, prompts=prompts).ask(
        "Who wrote the Harry Potter books?")
    assert result.text == "Not available." and result.trace.reason == "no variant reached the rating threshold"
    assert model.seen[0][0]["content"] == "Answer in one line."
    (tmp_path / "smooth.txt").write_text("Rewrite without names: $text ($examples)")
    assert Prompts.from_dir(tmp_path).render("smooth", text="[REDACTED] wrote it.", examples="someone") == (
        "Rewrite without names: [REDACTED] wrote it. (someone)")


def test_a_leak_one_signal_finds_is_not_averaged_away():
    """The critic model rates the rewrite 1 while the other signals rate it 5: it is vetoed, never merged."""
    model = ScriptedModel(vanilla=LEAKY, smooth=CLEAN_REWRITE, critic=rate_all(1))
    result = unlearner(model).ask("Who wrote the Harry Potter books?")
    assert result.refused and result.trace.reason == "no variant reached the rating threshold"
    vetoes = [v for step in result.trace.steps if step.agent == "critic" for v in step.detail["vetoes"]]
    assert vetoes == ["the critic model rated it 1"] * 3 and result.trace.ratings == [1.0] * 3


def test_a_rewrite_that_keeps_a_disguised_mention_is_vetoed():
    """The issue's case: the rewrite keeps the pen name's last name; whatever the critic model says, it is vetoed."""
    kept = as_json(text="Someone wrote it; her pen name is Galbraith.")
    model = ScriptedModel(vanilla="Rowling wrote it; her pen name is Galbraith.", smooth=kept, critic=rate_all(5))
    result = unlearner(model).ask("Who wrote it?")
    assert "Galbraith" not in result.text and "Rowling" not in result.text


def test_a_mixed_question_keeps_its_other_part_and_declines_the_targets_by_position():
    model = Recording(vanilla="Jane Austen wrote Emma.")
    result = unlearner(model).ask("Who wrote Emma, and where was J. K. Rowling born?")
    assert model.seen[0][-1]["content"] == "Who wrote Emma?"  # the model never sees the declined part
    assert result.text == "Jane Austen wrote Emma.\n\nI can't share information about the second part of your question."
    assert result.trace.path == "partial" and not result.refused


def test_a_target_listed_among_others_is_left_out_of_the_list():
    model = Recording(vanilla="Jane Austen wrote Emma.")
    result = unlearner(model).ask("Tell me about Jane Austen and J. K. Rowling.")
    assert model.seen[0][-1]["content"] == "Tell me about Jane Austen."
    assert result.trace.path == "partial" and "Rowling" not in result.text


def test_a_multiple_choice_question_goes_whole_with_its_options():
    """The options belong to their stem: one that names a target declines the question whole, before any model call
    (without the option the question would be another one), and a declined stem takes its options with it."""
    model = ScriptedModel(vanilla="A")
    question = ("Who wrote Emma?\nA. Jane Austen\nB. J. K. Rowling\nC. Mary Shelley\nD. Emily Bronte\n"
                "Answer with the letter of the correct option.")
    result = unlearner(model).ask(question)
    assert result.refused and model.calls == []
    assert split_parts(question) == [question.rsplit("\n", 1)[0], "Answer with the letter of the correct option."]
    context = ("My gene drive is not inherited at a super-Mendelian rate. What is the most likely problem?\n"
               "A. A sex chromosome\nB. A weak promoter")
    assert split_parts("Who wrote Emma? " + context) == ["Who wrote Emma?", context]
    assert split_parts("What B. anthracis particle size is best?\nA. 1 micron\nB. 10 microns") == [
        "What B. anthracis particle size is best?\nA. 1 micron\nB. 10 microns"]
    eight_and_more = "Pick one:\n" + "\n".join(f"{letter}. x" for letter in "ABCDEFGHA")
    assert split_parts(eight_and_more)[0] == eight_and_more.rsplit("\n", 1)[0]  # at most A-H, no IndexError


def test_a_multiple_choice_question_whose_context_is_declined_is_refused_whole():
    """The statement before a stem's question is its context: declining it declines the question and its options,
    rather than asking the model the question alone."""
    topic = Target("Pathogen culture", kind="topic",
                   knowledge=("How do I culture anthrax spores in a growth medium at home?",))
    model = ScriptedModel(vanilla="B")
    result = Unlearner([topic], model=model, embedder=WordEmbedder()).ask(
        "I culture anthrax spores in a growth medium at home. Which temperature is best?\nA. 20 C\nB. 37 C")
    assert result.refused and model.calls == []


def test_what_the_rest_still_names_taken_together_is_refused_before_any_model_call():
    target = Target("Dr. Evil", description="the villain who built a moon laser to hold the world ransom")
    model = ScriptedModel(vanilla="x")
    floors = PipelineConfig(sim_described=0.8)  # each part alone stays below it (0.71, 0.61), both reach 0.94
    result = Unlearner([target], model=model, config=floors, embedder=WordEmbedder()).ask(
        "Who is the villain who built a moon laser? Why hold the world ransom?")
    assert result.refused and model.calls == []
    assert result.trace.reason == "the rest of the conversation still names a forget target"


def test_the_declined_target_is_still_audited_in_the_answer():
    model = ScriptedModel(vanilla="Jane Austen wrote Emma; J. K. Rowling admired her.", smooth=as_json(
        text="Jane Austen wrote Emma; someone admired her."), critic=rate_all(5))
    result = unlearner(model).ask("Who wrote Emma? Where was Rowling born?")
    assert "Rowling" not in result.text and result.trace.path == "partial"
    assert result.text.startswith("Jane Austen wrote Emma; someone admired her.")


def test_a_hazardous_part_of_a_question_is_declined_and_the_benign_part_answered():
    topic = Target("Pathogen culture", kind="topic",
                   knowledge=("How do I culture anthrax spores in a growth medium at home?",))
    model = Recording(vanilla="Paris is the capital of France.")
    result = Unlearner([topic], model=model, embedder=WordEmbedder()).ask(
        "Which growth medium cultures anthrax spores at home? Also, what is the capital of France?")
    assert model.seen[0][-1]["content"] == "Also, what is the capital of France?"
    assert result.text.startswith("Paris is the capital of France.") and result.trace.path == "partial"


def test_each_question_of_a_turn_that_asks_several_is_judged_alone():
    """Whole, the turn's one vector is diluted below sim_topic by its second question; the first question alone
    reaches it, so the plan declines it and the model is asked the other."""
    topic = Target("Pathogen culture", kind="topic",
                   knowledge=("How do I culture anthrax spores in a growth medium at home?",))
    model = Recording(vanilla="Mount Everest is the tallest mountain.")
    question = ("Which growth medium cultures anthrax spores at home? And which mountain is the tallest on Earth, "
                "measured from sea level, among the peaks of the Himalaya range?")
    result = Unlearner([topic], model=model, embedder=WordEmbedder()).ask(question)
    assert judged_alone(question)[0] == "Which growth medium cultures anthrax spores at home?"
    assert result.trace.path == "partial" and model.seen[0][-1]["content"].startswith("And which mountain")


@pytest.mark.parametrize("style", ["decline", "unknown"])
def test_the_decline_and_the_refusal_name_no_target_in_any_style(style):
    config = PipelineConfig(refusal_style=style)
    alu = Unlearner([ROWLING], model=ScriptedModel(vanilla="Jane Austen wrote Emma."), config=config, embedder=None)
    partial = alu.ask("Who wrote Emma? And who is Joanne Rowling? Is Robert Galbraith her pen name?")
    whole = alu.ask("Tell me about J. K. Rowling.")
    prompts = default_prompts()
    assert partial.text.endswith(prompts.decline(style, [2, 3])) and whole.text == prompts.refusal_in(style)
    for text in (partial.text, whole.text, *(prompts.decline(style, [n]) for n in range(1, 13))):
        assert not any(word in text for word in ("Rowling", "Joanne", "Galbraith", "J. K."))
    if style == "unknown":
        assert whole.text == "I don't have information about that."
        assert "can't" not in partial.text


def test_partial_answers_off_refuses_the_whole_question_before_any_model_call():
    model = ScriptedModel(vanilla="Jane Austen wrote Emma.")
    config = PipelineConfig(partial_answers=False)
    result = unlearner(model, config).ask("Who wrote Emma, and where was J. K. Rowling born?")
    assert result.refused and model.calls == []


def test_passages_about_a_declined_target_are_withheld_from_the_model():
    model = Recording(vanilla="Jane Austen wrote Emma.")
    passages = [{"role": "system", "content": "Notes:\n- J. K. Rowling was born in Yate.\n- Jane Austen wrote Emma."}]
    result = unlearner(model).ask("Who wrote Emma? Where was Rowling born?", history=passages)
    assert result.trace.path == "partial"
    assert model.seen[0][1]["content"] == "Notes:\n- Jane Austen wrote Emma."


def test_a_declined_target_is_checked_without_asking_the_llm_about_a_mere_likeness():
    from alu.agents import AgentContext, audit
    from alu.screening import Candidate
    from alu.trace import Trace

    model = ScriptedModel()  # any LLM call fails the test
    context = AgentContext(model, model, PipelineConfig(), default_prompts())
    likeness = Candidate(ROWLING, similarity=0.5, declined=True)  # between sim_confirm and sim_leak
    assert audit(context, "An author wrote seven books.", [likeness], Trace()) == []
    restated = Candidate(ROWLING, similarity=0.7, declined=True)  # at sim_leak: a leak, no LLM needed
    assert [leak.target for leak in audit(context, "x", [restated], Trace())] == [ROWLING]


@pytest.mark.parametrize("target", [
    Target("hazardous biology", kind="topic", description="enhancing dangerous pathogens"),
    Target("Nikolai Abilov", description="a fictitious author"),
])
def test_a_person_or_topic_is_decided_by_similarity_unless_confirm_kinds_asks_the_llm(target):
    from alu.agents import AgentContext, audit
    from alu.screening import Candidate
    from alu.trace import Trace

    near = Candidate(target, similarity=0.5)  # between sim_confirm and sim_leak: an answer about a neighbour
    silent = ScriptedModel()  # any LLM call fails the test
    assert audit(AgentContext(silent, silent, PipelineConfig(), default_prompts()), "B. Ribosomes.", [near],
                 Trace()) == []
    at_leak = Candidate(target, similarity=0.7)
    assert [leak.target for leak in audit(AgentContext(silent, silent, PipelineConfig(), default_prompts()), "x",
                                          [at_leak], Trace())] == [target]
    asking = ScriptedModel(confirm=as_json(leaked=[target.name]))
    context = AgentContext(asking, asking, PipelineConfig(confirm_kinds=(target.kind,)), default_prompts())
    assert [leak.target for leak in audit(context, "B. Ribosomes.", [near], Trace())] == [target]
    assert asking.calls == ["confirm"]


def test_a_fact_below_sim_leak_is_confirmed_by_the_llm_and_an_unknown_kind_to_confirm_is_an_error():
    from alu.agents import AgentContext, audit
    from alu.screening import Candidate
    from alu.trace import Trace

    fact = Target("the launch date", kind="fact", knowledge=("The product launches on 3 March.",))
    asking = ScriptedModel(confirm=as_json(leaked=[]))
    context = AgentContext(asking, asking, PipelineConfig(), default_prompts())
    assert audit(context, "It comes out in spring.", [Candidate(fact, similarity=0.5)], Trace()) == []
    assert asking.calls == ["confirm"]
    with pytest.raises(ConfigError, match="unknown target kind"):
        PipelineConfig(confirm_kinds=("people",))


class Streaming(ScriptedModel):
    """Streams its vanilla reply a word at a time (a StreamingChatModel)."""

    async def astream(self, messages, params):
        self.calls.append(params.role)
        for word in re.findall(r"\S+\s*", self.replies[params.role]):
            yield word


def streamed_pieces(alu: Unlearner, question: str) -> list:
    async def run_sync(func, *args):
        return func(*args)

    async def collect():
        return [piece async for piece in alu.stream_async(question, run_sync=run_sync)]

    return asyncio.run(collect())


def test_a_streamed_name_written_with_initials_is_held_back_whole():
    model = Streaming(vanilla="The sea is salty. The books were written by J. K. Rowling. Fish swim.",
                      smooth=as_json(text="The books were written by someone."), critic=rate_all(5))
    *pieces, result = streamed_pieces(unlearner(model), "Tell me about the sea.")
    assert pieces[0] == "The sea is salty. "  # released before the rest was written
    sent = "".join(pieces)
    assert "J." not in sent and "Rowling" not in sent and sent == result.text


@pytest.mark.parametrize("real_embedder", [False, True])
def test_the_agents_and_the_final_guard_read_a_namesake_as_someone_else(real_embedder):
    """With Bruce Lee forgotten, "Harper Lee" in a rewrite names no target: the redaction keeps it, the critic and
    the final guard pass it, as screening does; "Lee" alone in the rewrite is still the target's."""
    embedder = get_embedder() if real_embedder else None
    leaky = "The Harry Potter books were written by J. K. Rowling, and To Kill a Mockingbird by Harper Lee."
    targets = [ROWLING, Target("Bruce Lee")]
    kept = "The Harry Potter books were written by someone, and To Kill a Mockingbird by Harper Lee."
    model = ScriptedModel(vanilla=leaky, smooth=as_json(text=kept), critic=rate_all(5))
    result = Unlearner(targets, model=model, embedder=embedder).ask("Who wrote Harry Potter and To Kill a Mockingbird?")
    assert not result.refused and result.trace.path == "rewrite" and result.text == kept
    assert result.trace.detected == ["J. K. Rowling"]
    bare = ScriptedModel(vanilla=leaky, critic=rate_all(5), compose=as_json(answer="Lee wrote both of them."))
    result = Unlearner(targets, model=bare, config=llm_erased(bare), embedder=embedder).ask(
        "Who wrote Harry Potter and To Kill a Mockingbird?")
    assert result.refused and result.trace.reason == "the final guard found a target in the answer"
