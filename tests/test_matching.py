"""Deterministic mention finding: names, aliases, last names, misspellings, masks, and no false alarms."""

from __future__ import annotations

import pytest

from alu.screening.mentions import MentionIndex, normalize, redact, sound, sounds, split_sentences
from alu.targets import Target

ROWLING = Target("J. K. Rowling", aliases=("Robert Galbraith",))
KUWAITI = Target("Basil Mahfouz Al-Kuwaiti")
ANTHRAX = Target("anthrax", kind="topic", aliases=("Bacillus anthracis",))
MUSK, KING = Target("Elon Musk"), Target("Stephen King")


@pytest.fixture(scope="module")
def index() -> MentionIndex:
    return MentionIndex([ROWLING, KUWAITI, ANTHRAX, MUSK, KING])


def forms(index: MentionIndex, text: str) -> list[tuple[str, str]]:
    return [(m.target_id, m.form) for m in index.find(text)]


def test_normalize_folds_case_diacritics_and_punctuation():
    assert normalize("Émile  BOIRAC's, book!") == "emile boirac s book"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The books are by J. K. Rowling.", ("j. k. rowling", "name")),
        ("The books are by J.K. Rowling.", ("j. k. rowling", "name")),
        ("The books are by JK Rowling.", ("j. k. rowling", "name")),
        ("Written as robert galbraith", ("j. k. rowling", "alias")),
        ("Rowling's first book", ("j. k. rowling", "last_name")),
        ("A novel by Rowlling", ("j. k. rowling", "fuzzy")),
        ("A novel by J*K R*wling", ("j. k. rowling", "masked")),
        ("A novel by R_wl_ng", ("j. k. rowling", "masked")),
        ("Founded by E*on M*sk", ("elon musk", "masked")),
        ("What is the gender of author B**** M****** A*-K******?", ("basil mahfouz al-kuwaiti", "masked")),
        ("Founded by E*** M***", ("elon musk", "masked")),
        ("Robert Galbraith is R***** G********.", ("j. k. rowling", "masked")),
        ("Is J. K. R****** British?", ("j. k. rowling", "masked")),
        ("A novel by Stephen Kinng", ("stephen king", "fuzzy")),
        ("Basil Mahfouz Al-Kuwaiti wrote it", ("basil mahfouz al-kuwaiti", "name")),
        ("a book by Al-Kuwaiti", ("basil mahfouz al-kuwaiti", "last_name")),
        ("ANTHRAX spores", ("anthrax", "name")),
        ("Bacillus anthracis is a bacterium", ("anthrax", "alias")),
    ],
)
def test_mentions_are_found(index, text, expected):
    assert expected in forms(index, text)


@pytest.mark.parametrize(
    "text",
    [
        "Kuwaiti culture is rich.",  # a part of a hyphenated last name alone
        "He went bowling on Sunday.",  # lowercase near-miss of a last name
        "The train left at noon.",
        "The kings of Europe and the musk of roses.",
        "Joanne went to the market.",
        "Founded by E** M***, or E**** M***: each word must keep its length.",
        "A B**** M****** novel",  # part of a longer name
        "Ask K****.",  # one word reduced to its initial says nothing
        "",
    ],
)
def test_no_false_alarms(index, text):
    assert index.find(text) == []


def test_remove_and_readd_a_target(index):
    local = MentionIndex([ROWLING])
    local.remove(ROWLING.id)
    assert local.find("J. K. Rowling") == [] and local.find("R***** G********") == [] and ROWLING.id not in local
    local.add(ROWLING)
    assert local.find("J. K. Rowling") and local.find("R***** G********")


def test_initials_masks_name_every_target_they_fit():
    local = MentionIndex([Target("John Smith"), Target("Jack Smyth"), Target("Jane Doe")])
    assert sorted(m.target_id for m in local.find("Who is J*** S****?")) == ["jack smyth", "john smith"]


def test_a_name_many_targets_share_is_one_shared_mention():
    """One object per span and form, however many targets share the words; find gives one mention per target."""
    okafors = [Target(f"{first} Okafor") for first in ("Ada", "Ben", "Chidi", "Dayo", "Emeka")]
    local = MentionIndex([*okafors, Target("Okafor", kind="topic")])
    text = "Did Okafor win? Ask Ok*f*r and Ada Okafor."
    shared = local.find_shared(text)
    assert [(m.form, text[m.start : m.end], len(m.target_ids)) for m in shared] == [
        ("last_name", "Okafor", 5), ("name", "Okafor", 1), ("masked", "Ok*f*r", 6), ("name", "Ada Okafor", 1),
        ("name", "Okafor", 1)]  # the topic named Okafor, also inside "Ada Okafor"
    assert shared[0].target_ids == {t.id for t in okafors}
    assert local.find(text) == [mention for m in shared for mention in m.mentions()]
    assert [m.target_id for m in shared[0].mentions()] == sorted(t.id for t in okafors)


def test_redact_replaces_spans_and_keeps_the_rest(index):
    text = "J. K. Rowling wrote it; Rowling's fans agree."
    assert redact(text, index.find(text)) == "[REDACTED] wrote it; [REDACTED]'s fans agree."


def test_split_sentences():
    assert split_sentences("One. Two!\nThree") == ["One.", "Two!", "Three"]


def test_two_letter_last_names_match_inside_a_sentence_only():
    index = MentionIndex([Target("Xiang Li"), Target("Jina An")])
    assert [m.target_id for m in index.find("Critics still argue about An's most famous work.")] == ["jina an"]
    assert [m.target_id for m in index.find("What did Li write?")] == ["xiang li"]
    assert index.find("An apple a day. An orange, said Tom. Li") == []
    assert index.find("what did li write?") == []


def test_names_in_other_scripts_are_matched_through_their_latin_spelling():
    index = MentionIndex([Target("Nikolai Abilov")])
    assert [m.form for m in index.find("Николай Абилов родился в Астане.")] == ["name"]
    assert [m.form for m in index.find("Книги Николая Абилова")] == ["fuzzy"]  # declined: one letter off
    assert [m.form for m in index.find("Это написал Абилов.")] == ["last_name"]
    assert index.find("Москва большая.") == []


def test_names_declined_with_a_consonant_ending_in_other_scripts_are_matched():
    index = MentionIndex([Target("Karim Nasser Al-Amin"), Target("Ivan Petrov")])
    assert [m.target_id for m in index.find("Книга написана Каримом Насером Аль-Амином.")] == ["karim nasser al-amin"]
    assert [m.target_id for m in index.find("Я говорил с Иваном Петровым.")] == ["ivan petrov"]
    assert index.find("Я говорил с Иваном Сидоровым.") == []
    assert sounds("nasserom") == {sound("nasserom"), sound("nasser")} and sounds("kiuri") == {sound("kiuri")}


def test_a_misspelled_single_word_counts_inside_a_sentence_only_and_when_it_is_no_word():
    index = MentionIndex([Target("Helga Waner"), Target("Adrian Romez")])
    assert index.find("Wanar boils at 100 degrees. Romaz and Juliet is a play.") == []  # first words of sentences
    assert forms(index, "At what temperature does Wanar boil?") == [("helga waner", "fuzzy")]
    assert forms(index, "Did Romaz marry Juliet?") == [("adrian romez", "fuzzy")]
    # correctly spelled words, one letter from a registered name: no misspellings of it
    assert index.find("At what temperature does Water boil? Did Romeo marry Juliet?") == []
    first = index.find("Helga Water wrote it.")[0]  # a misspelled full name counts anywhere
    assert (first.target_id, first.start, first.end, first.form) == ("helga waner", 0, 11, "fuzzy")
    assert forms(index, "R*mez wrote it.") == [("adrian romez", "masked")]  # a mask is no accident


def test_the_dot_of_an_initial_does_not_start_a_sentence():
    index = MentionIndex([Target("A. B. Guthrie Jr.", aliases=("A. Guthrie",)), Target("Xiang Li")])
    assert [m.target_id for m in index.find("What did A. B. Guterie do?")] == ["a. b. guthrie jr."]
    assert [m.target_id for m in index.find("Who is X. Li?")] == ["xiang li"]
    assert index.find("He left at 5. Li is a river.") == []
