"""Reading text as a reader does: views that undo disguises, mapped back to the exact span the reader saw."""

from __future__ import annotations

import base64

import pytest

from alu.screening.mentions import MentionIndex, redact, sound
from alu.screening.reading import clean, confusables, decoded, rendered
from alu.targets import Target

ROWLING = Target("J. K. Rowling", aliases=("Robert Galbraith",))
EINSTEIN = Target("Albert Einstein")


@pytest.fixture(scope="module")
def index() -> MentionIndex:
    return MentionIndex([ROWLING, EINSTEIN, Target("Project Nightingale", kind="topic"), Target("Adam Smith")])


def test_clean_removes_invisible_characters_and_decodes_entities_keeping_spans():
    text = "By Row\u200bling and Rowl&#105;ng, a soft\u00adhyphen, and a line-\nbreak."
    view = clean(text)
    assert view.text == "By Rowling and Rowling, a softhyphen, and a linebreak."
    start = view.text.index("Rowling", 5)
    assert text[slice(*view.span(start, start + 7))] == "Rowl&#105;ng"


def test_rendered_views_drop_markup_inner_marks_homoglyphs_and_leetspeak():
    view = clean("[Row](https://a.org/x)[ling](/y), **Ein**stein, R.o.w, 3instein, R\u043ewling, A1bert")
    texts = [v.text for v in rendered(view)]
    assert texts[0] == "Rowling, Einstein, Row, Einstein, Rowling, Aibert"
    assert texts[1].endswith("Albert")  # a 1 read as l


def test_decoded_views_map_to_the_whole_encoded_run():
    encoded = base64.b64encode(b"Albert Einstein").decode()
    text = f"Decode {encoded} now."
    views = list(decoded(clean(text)))
    plain = next(v for v in views if v.text == "Albert Einstein")
    assert text[slice(*plain.span(0, 6))] == encoded
    backwards = views[0]
    assert backwards.text == text[::-1] and backwards.span(0, 4) == (len(text) - 4, len(text))


def test_confusables_come_from_unicode_data():
    table = confusables()
    assert table["\u043e"] == "o" and table["\u0430"] == "a" and table["\u0391"] == "A"  # Cyrillic o, a; Greek A
    assert len(table) > 1000


@pytest.mark.parametrize("text, disguised", [
    ("Ask Row\u200bling.", "Row\u200bling"),
    ("A book by R o w l i n g.", "R o w l i n g"),
    ("A book by R.o.w.l.i.n.g today.", "R.o.w.l.i.n.g"),
    ("Fans of #JKRowling agree.", "JKRowling"),
    ("See /wiki/Albert_Einstein for more.", "Albert_Einstein"),
    ("It was JKR who wrote it.", "JKR"),
    ("Her pen name is Galbraith.", "Galbraith"),
    ("Physics owes much to Einstien.", "Einstien"),
    ("The einstein equations.", "einstein"),
    ("Rowlling wrote it.", "Rowlling"),
    ("Роулинг wrote it.", "Роулинг"),
    ("Ask about \u202egnilwoR\u202c today.", "\u202egnilwoR\u202c"),  # displayed right to left: "Rowling"
    ("Пр\u043eект Найтингейл began.", "Пр\u043eект Найтингейл"),
    ("Ask Doehuw Hlqvwhlq today.", "Doehuw Hlqvwhlq"),  # Caesar, shift 3
    ("Ask ƃuılʍoɹ today.", "ƃuılʍoɹ"),  # upside down
    ("Ask ⠗⠕⠺⠇⠊⠝⠛ today.", "⠗⠕⠺⠇⠊⠝⠛"),  # braille
    ("Ask \U0001f1f7\U0001f1f4\U0001f1fc\U0001f1f1\U0001f1ee\U0001f1f3\U0001f1ec today.",
     "\U0001f1f7\U0001f1f4\U0001f1fc\U0001f1f1\U0001f1ee\U0001f1f3\U0001f1ec"),  # flag letters
    ("Decode 18 15 23 12 9 14 7 please.", "18 15 23 12 9 14 7"),  # a=1 ... z=26
    ("Decode .-. --- .-- .-.. .. -. --. please.", ".-. --- .-- .-.. .. -. --."),
    ("Romeo Oscar Whiskey Lima India November Golf, she said.", "Romeo Oscar Whiskey Lima India November Golf, "),
])
def test_redaction_removes_exactly_what_the_reader_saw(index, text, disguised):
    mentions = index.find(text)
    assert mentions, text
    assert redact(text, mentions) == text.replace(disguised, "[REDACTED]", 1)


@pytest.mark.parametrize("text", [
    "Adam Smith's friend bought a smith's hammer.",  # the lower-case word is an English word
    "The row lingered and the arrow lingers.",
    "Cowling covers the engine.",  # a word one letter off a name
    "Wanar boils.",  # a short misspelling that starts a sentence
    "NASA, the FBI and HTML.",
    "Florence Nightingale was a nurse.",
    "The years 1999, 2000 and 2001; scores 3, 5, 7, 9 and 11.",
    "The cheer was jolly.",  # Caesar shifts of each other, but words
    "Alpha and bravo teams met Charlie.",
])
def test_look_alike_words_are_not_names(index, text):
    found = [m for m in index.find(text) if m.target_id != "adam smith"]
    assert found == []


def test_sound_keys_match_names_transliterated_from_other_scripts():
    assert sound("einstein") == sound("eynshteyn") == sound("ainshiyutain") == sound("aiyinsitan")
    assert sound("rowling") == sound("rouling") == sound("roringu")


def test_acrostics_are_read_down_the_first_letters_of_lines(index):
    poem = "A poem:\nRain fell\nOver hills\nWind blew\nLight came\nIn time\nNight fell\nGardens grew\nThe end."
    mentions = index.find(poem)
    assert mentions and redact(poem, mentions, "_").startswith("A poem:\n_ain fell\n_ver hills")
