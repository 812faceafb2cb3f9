"""The profile word index: which profiles a screen compares with its texts (rarest words first, a bounded number of
rows), kept in step with adds and removes, and the encoder skipped for texts unrelated to every target."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from conftest import WordEmbedder
from test_screening import VARCHI, VASQUEZ, CountingEmbedder, code

from alu.screening import TargetIndex
from alu.screening.profile_words import ROW_BUDGET, ProfileWords, content_words
from alu.targets import Target


def test_content_words_leave_out_function_words_numbers_and_masks():
    words = content_words("The novel's author, born in 1998, wrote about B**** M****** in Oslo.")
    assert words == {"novel", "born", "wrote", "oslo"}
    assert content_words("Ünïcode Café") == {"unicode", "cafe"}


def test_rows_come_rarest_word_first_within_the_budget():
    words = ProfileWords()
    for row in range(10):
        words.add(row, "painter" + (" sonnets" if row < 2 else ""))
    assert words.rows(["Sonnets by a painter"], budget=5) == {0, 1}  # "painter" (10 rows) would pass the budget
    assert words.rows(["Sonnets by a painter"], budget=10) == set(range(10))
    words.remove(1)
    assert words.rows(["sonnets"]) == {0}
    words.add(1, "sculptor")  # a reused row takes its new profile's words only
    assert words.rows(["sonnets"]) == {0} and words.rows(["sculptor"]) == {1}


def test_a_word_more_profiles_share_than_the_budget_is_skipped():
    people = [Target(f"Person{i} Surname{i}", description=f"novelist {code(i)}") for i in range(ROW_BUDGET + 500)]
    index = TargetIndex(people, embedder=WordEmbedder(), cache=None)
    assert index.related_rows(["a novelist"]) == set()
    assert index.related_rows([f"the novelist {code(1200)}"]) == {index._row[people[1200].id]}
    assert index.similar([f"novelist {code(1200)}"], 3)[0][0] == people[1200].id
    index.remove(people[1200].id)
    assert index.similar([f"novelist {code(1200)}"], 3) == []
    index.add(people[1200])
    assert index.similar([f"novelist {code(1200)}"], 3)[0][0] == people[1200].id


def test_a_text_unrelated_to_every_target_is_not_encoded():
    embedder = CountingEmbedder()
    index, detail = TargetIndex([VASQUEZ, VARCHI], embedder=embedder, cache=None), {}
    embedder.encoded.clear()
    answer = "The sky looks blue because air scatters short wavelengths of sunlight."
    assert index.screen(["Why is the sky blue?"], answer, 16, 0.3, detail=detail) == []
    assert embedder.encoded == [] and detail == {}
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
    assert index.related_rows([f"painter {code(i)}" for i in range(200)]) == {index._row[p.id] for p in people[:200]}
