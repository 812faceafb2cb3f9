"""Orchestration of the four agents with a scripted model: every path, every fault."""

from __future__ import annotations

from conftest import ScriptedModel, WordEmbedder, as_json

from alu import PipelineConfig, Target, Unlearner
from alu.config import preset
from alu.prompts import default_prompts

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
    model = ScriptedModel(vanilla=LEAKY, smooth=CLEAN_REWRITE, critic=as_json(ratings=[5, 5, 5]),
                          compose=as_json(answer="The Harry Potter books were written by a British author."))
    result = unlearner(model).ask("Who wrote the Harry Potter books?")
    assert result.trace.path == "rewrite"
    assert "Rowling" not in result.text and "Harry Potter" in result.text
    assert result.trace.detected == ["J. K. Rowling"]
    assert len(result.trace.variants) == 3 and result.trace.ratings == [5.0, 5.0, 5.0]
    assert model.calls == ["vanilla", "smooth", "smooth", "smooth", "critic"]  # identical variants: no merge call


def test_smoothing_that_adds_a_name_falls_back_to_the_placeholder_text():
    model = ScriptedModel(vanilla=LEAKY, smooth=as_json(text="The Harry Potter books were written by Dumbledore."),
                          critic=as_json(ratings=[5, 5, 5]))
    result = unlearner(model).ask("Who wrote the Harry Potter books?")
    assert "Dumbledore" not in result.text and "Rowling" not in result.text
    assert result.text == "The Harry Potter books were written by someone, a British author."


def test_refusal_when_ratings_are_below_tau():
    model = ScriptedModel(vanilla=LEAKY, smooth=CLEAN_REWRITE, critic=as_json(ratings=[2, 1, 2]))
    config = preset("default").with_overrides(critic="llm")
    result = unlearner(model, config).ask("Who wrote the Harry Potter books?")
    assert result.refused and result.text == REFUSAL
    assert result.trace.reason == "no variant reached the rating threshold"


def test_malformed_json_twice_ends_in_refusal():
    model = ScriptedModel(vanilla=LEAKY, smooth=CLEAN_REWRITE, critic="ratings: five, five {oops")
    result = unlearner(model).ask("Who wrote the Harry Potter books?")
    assert result.refused and result.trace.reason == "fault" and "schema" in result.trace.error
    assert model.calls.count("critic") == 2  # one retry


def test_json_wrapped_in_prose_is_still_read():
    model = ScriptedModel(vanilla=LEAKY, smooth="Sure! " + CLEAN_REWRITE + " Hope this helps.",
                          critic="```json\n" + as_json(ratings=[5, 4, 5]) + "\n```")
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


def test_final_guard_catches_a_leaked_alias():
    # An LLM-only critic trusts the composer; the deterministic guard still stops the alias.
    model = ScriptedModel(vanilla=LEAKY, smooth=CLEAN_REWRITE, critic=as_json(ratings=[5, 5, 5]),
                          compose=as_json(answer="They were written by Robert Galbraith."))
    config = preset("default").with_overrides(critic="llm")
    model.replies["smooth"] = lambda prompt: as_json(text=f"A British author wrote them ({len(model.calls)}).")
    result = unlearner(model, config).ask("Who wrote the Harry Potter books?")
    assert result.refused and result.trace.reason == "the final guard found a target in the answer"
    assert "Galbraith" not in result.text


def test_question_naming_a_target_is_refused_without_agent_calls():
    model = ScriptedModel(vanilla="Joanne Rowling was born in Yate in 1965.")
    result = unlearner(model).ask("Where was joanne rowling born?")
    assert result.refused and model.calls == ["vanilla"]
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
    model = ScriptedModel(vanilla="Smith's rule is a heuristic for step sizes.", critic=as_json(ratings=[5, 5, 5]),
                          smooth=as_json(text="The rule is a heuristic for step sizes."))
    result = Unlearner(smiths, model=model, embedder=None).ask("What is Smith's rule?")
    assert model.calls[:2] == ["vanilla", "smooth"]  # no pre-emptive refusal: the audit found the name in the answer
    assert result.trace.path == "rewrite" and result.text == "The rule is a heuristic for step sizes."
    assert len(result.trace.detected) == 16  # the candidate cap: 15 Smiths, and one candidate for the 25 left out
    assert result.trace.detected[-1] == "Smith"
    named = Unlearner(smiths, model=ScriptedModel(vanilla="x")).ask("Tell me about Personab Smith.")
    assert named.refused and named.trace.reason == "the conversation names a forget target"


def test_earlier_turns_count_as_the_question():
    model = ScriptedModel(vanilla="She was born in Yate in 1965.")
    history = [{"role": "user", "content": "Tell me about J.K. Rowling"}, {"role": "assistant", "content": "..."}]
    result = unlearner(model).ask("Where was she born?", history=history)
    assert result.refused and result.trace.reason == "the conversation names a forget target"


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
    model = ScriptedModel(vanilla=LEAKY, smooth=CLEAN_REWRITE, critic=as_json(ratings=[5, 5, 5]))
    trace = unlearner(model).ask("Who wrote the Harry Potter books?").trace
    assert [s.agent for s in trace.steps] == ["vanilla", "screen", "audit", "erase", "critic", "composer"]
    assert sum(s.llm_calls for s in trace.steps) == 5
    assert "path: rewrite" in trace.summary() and trace.to_dict()["steps"][0]["prompt_tokens"] == 10


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
    model = ScriptedModel(vanilla=LEAKY, critic=as_json(ratings=[5, 5, 5]),
                          compose=as_json(answer="They were written by Stephen King."))
    model.replies["smooth"] = lambda prompt: as_json(text=f"A British author wrote them ({len(model.calls)}).")
    config = preset("default").with_overrides(critic="llm")
    result = Unlearner([ROWLING, king], model=model, config=config, embedder=None).ask(
        "Who wrote the Harry Potter books?")
    assert result.trace.candidates == ["J. K. Rowling"]
    assert result.refused and result.trace.reason == "the final guard found a target in the answer"
    assert "King" not in result.text


def test_prompts_can_be_replaced_by_the_caller(tmp_path):
    from alu import Prompts

    class Recording(ScriptedModel):
        def chat(self, messages, params):
            seen.append(messages[0]["content"])
            return super().chat(messages, params)

    seen = []
    model = Recording(vanilla=LEAKY, smooth=CLEAN_REWRITE, critic=as_json(ratings=[1, 1, 1]))
    prompts = Prompts(templates={"vanilla_system": "Answer in one line."}, phrases={"refusal": "Not available."})
    config = preset("default").with_overrides(critic="llm")
    result = Unlearner([ROWLING], model=model, config=config, embedder=None, prompts=prompts).ask(
        "Who wrote the Harry Potter books?")
    assert result.text == "Not available." and result.trace.reason == "no variant reached the rating threshold"
    assert seen[0] == "Answer in one line."
    (tmp_path / "smooth.txt").write_text("Rewrite without names: $text ($examples)")
    assert Prompts.from_dir(tmp_path).render("smooth", text="[REDACTED] wrote it.", examples="someone") == (
        "Rewrite without names: [REDACTED] wrote it. (someone)")


def test_a_leak_one_signal_finds_is_not_averaged_away():
    """The critic model rates the rewrite 1 while the other signals rate it 5: it is vetoed, never merged."""
    model = ScriptedModel(vanilla=LEAKY, smooth=CLEAN_REWRITE, critic=as_json(ratings=[1, 1, 1]))
    result = unlearner(model).ask("Who wrote the Harry Potter books?")
    assert result.refused and result.trace.reason == "no variant reached the rating threshold"
    critic = next(step for step in result.trace.steps if step.agent == "critic")
    assert critic.detail["vetoes"] == ["the critic model rated it 1"] * 3 and result.trace.ratings == [1.0] * 3


def test_a_rewrite_that_keeps_a_disguised_mention_is_vetoed():
    """The issue's case: the rewrite keeps the pen name's last name; whatever the critic model says, it is vetoed."""
    kept = as_json(text="Someone wrote it; her pen name is Galbraith.")
    model = ScriptedModel(vanilla="Rowling wrote it; her pen name is Galbraith.", smooth=kept,
                          critic=as_json(ratings=[5, 5, 5]))
    result = unlearner(model).ask("Who wrote it?")
    assert "Galbraith" not in result.text and "Rowling" not in result.text
