"""The target word index: which targets a screen compares chunk by chunk for sharing a word with its texts (rarest
words first, a bounded number of targets), kept in step with adds and removes."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from conftest import WordEmbedder
from test_screening import VARCHI, VASQUEZ, CountingEmbedder, code, similar

from alu.screening import Floors, TargetIndex
from alu.screening.index import LEXICAL_TOP
from alu.screening.profile_words import ROW_BUDGET, ProfileWords, content_words
from alu.targets import Target


def test_content_words_leave_out_function_words_numbers_and_masks():
    words = content_words("The novel's author, born in 1998, wrote about B**** M****** in Oslo.")
    assert words == {"novel", "born", "wrote", "oslo"}
    assert content_words("Ünïcode Café") == {"unicode", "cafe"}


def test_a_word_for_a_countrys_people_stands_as_the_country():
    assert content_words("A Brazilian novelist, American by marriage") == {"brazil", "novelist", "usa", "marriage"}
    words = ProfileWords()
    words.add("carrasco", ["Her Brazilian heritage shapes her mystery novels."])
    assert words.rows(["Which author was born in São Paulo, Brazil?"]) == {"carrasco"}


def test_a_persons_own_name_words_are_no_shared_words():
    """A person's names are read by the mention index with its rules (a given name alone, or a last name beside
    another person's given name, names no target): sharing one is no lexical evidence."""
    index = TargetIndex([Target("Jack Fessen", knowledge=("Jack Fessen wrote the novel 'The Iron Tide'.",)),
                         Target("tides", kind="topic", description="ocean tides")], embedder=WordEmbedder(), cache=None)
    assert index.words.rows(["What did Jack London see in the Yukon?"]) == set()
    assert index.words.rows(["Who wrote 'The Iron Tide'?"]) == {"jack fessen"}
    assert index.words.rows(["What causes ocean tides?"]) == {"tides"}  # a topic's name is what it is about


def test_every_target_tied_at_the_lexical_cut_gets_the_lexical_floor():
    """The LEXICAL_TOP targets sharing the rarest words get the lexical floor, and so does every target sharing
    them with the same weight: a tie at the cut is no reason to prefer one target (by its id) to another."""
    people = [Target(f"Person{i} Surname{i}", knowledge=("Quokkaville harbour boats",)) for i in range(LEXICAL_TOP + 2)]
    index = TargetIndex(people, embedder=WordEmbedder(), cache=None)
    floors = Floors(related=0.45, lexical=0.375, unrelated=0.6)  # the texts' cosine: 1 / sqrt(2 * 3) = 0.41
    assert {c.target.id for c in index.screen(["Quokkaville weather?"], "", 16, floors)} == {p.id for p in people}


def test_rows_come_rarest_word_first_within_the_budget():
    words = ProfileWords(budget=10)
    for row in range(10):
        words.add(str(row), ["painter" + (" sonnets" if row < 2 else "")])
    assert words.rows(["Sonnets by a painter"]) == {str(row) for row in range(10)}
    words.add("10", ["painter"])  # "painter" is now shared by more targets than the budget: skipped from now on
    assert words.rows(["Sonnets by a painter"]) == {"0", "1"}
    words.remove("1")
    assert words.rows(["sonnets"]) == {"0"}
    words.add("1", ["sculptor"])  # a target added again takes its new words only
    assert words.rows(["sonnets"]) == {"0"} and words.rows(["sculptor"]) == {"1"}
    words.add("2", ["a painter", "knowledge about sonnets"])  # knowledge words count too
    assert words.rows(["sonnets"]) == {"0", "2"}


def test_a_word_more_targets_share_than_the_budget_is_skipped():
    people = [Target(f"Person{i} Surname{i}", description=f"novelist {code(i)}") for i in range(ROW_BUDGET + 500)]
    index = TargetIndex(people, embedder=WordEmbedder(), cache=None)
    assert index.words.rows(["a novelist"]) == set()
    assert index.words.rows([f"the novelist {code(1200)}"]) == {people[1200].id}
    assert similar(index, f"novelist {code(1200)}", 3)[0] == people[1200].id
    index.remove(people[1200].id)
    assert people[1200].id not in similar(index, f"novelist {code(1200)}", 3)
    index.add(people[1200])
    assert similar(index, f"novelist {code(1200)}", 3)[0] == people[1200].id


def test_a_text_unrelated_to_every_target_is_read_and_finds_none():
    embedder = CountingEmbedder()
    index, detail = TargetIndex([VASQUEZ, VARCHI], embedder=embedder, cache=None), {}
    embedder.encoded.clear()
    answer = "The sky looks blue because air scatters short wavelengths of sunlight."
    assert index.screen(["Why is the sky blue?"], answer, 16, 0.3, detail=detail) == []
    assert detail["encoded"] == 2  # no shared word is needed to be compared: the answer and the question are read
    candidates = index.screen(["Who was a poet of the Renaissance?"], "A humanist.", 16, 0.3, detail=detail)
    assert [c.target.id for c in candidates] == [VARCHI.id] and detail["encoded"] == 2


def test_concurrent_screening_and_changes():
    people = [Target(f"Person{i} Surname{i}", description=f"painter {code(i)}") for i in range(1600)]
    extra = [Target(f"Extra{i} Person", description=f"sculptor {code(i)}") for i in range(200)]
    index = TargetIndex(people, embedder=WordEmbedder(), cache=None)

    def churn(i: int) -> None:
        index.add(extra[i])
        index.remove(extra[i].id)

    def search(i: int) -> list[str]:
        return [c.target.id for c in index.screen([f"Which painter is {code(i)}?"], "", 16, 0.3)]

    with ThreadPoolExecutor(4) as pool:
        changes = pool.map(churn, range(200))
        found = list(pool.map(search, range(200)))
        list(changes)
    assert len(index) == 1600 and all(f[0] == people[i].id for i, f in enumerate(found))
    assert index.words.rows([f"painter {code(i)}" for i in range(200)]) == {p.id for p in people[:200]}


def test_the_budget_cut_is_the_same_in_every_process():
    """Which targets fit in the budget, and in which order, must not depend on the process's hash seed (the order
    a set of words iterates in): the same request screens alike after a restart."""
    script = (
        "from alu.screening.profile_words import ProfileWords\n"
        "words = ProfileWords(budget=4)\n"
        "for i in range(12):\n"
        "    words.add(f't{i:02}', [f'shared{i % 6} other{i % 4} lone{i}'])\n"
        "asked = {f'shared{i}' for i in range(6)} | {f'other{i}' for i in range(4)}\n"
        "print(sorted(words.rows_sharing(asked).items()))\n"
    )
    outputs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in range(1, 6)}
    assert len(outputs) == 1 and outputs.pop().count("'t") == 4
