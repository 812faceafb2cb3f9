"""Screening evaluation data: TOFU and WPU persons as targets, generated distractors, and mention texts.

TOFU author names are extracted from the QA pairs (200 authors x 20 consecutive pairs in full.jsonl); WPU names come
from forget_100_names.jsonl and whpplus_persons.jsonl. Everything generated here is deterministic (fixed seeds).
"""

from __future__ import annotations

import json
import os
import random
import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np

from alu.embedding import MODEL_NAME, TextEncoder
from alu.eval.attacks import mask_name
from alu.screening import Floors
from alu.screening.mentions import split_sentences
from alu.targets import Target

MENTION_KINDS = ("direct", "alias", "last_name", "last_name_bare", "masked", "initials", "misspelled", "descriptive",
                 "paraphrased")
ANSWER_KINDS = ("paraphrased",)  # screened as an answer (a fact restated), the others as a question
PARAPHRASED_PER_PERSON = 5
OPEN_FLOORS = Floors(related=0.0, unrelated=0.0, described=2.0, topic=2.0)  # every match comes back; none is named
QA_PER_AUTHOR = 20
_WORD = r"[A-Z][\w'\-]*"
_NAME = re.compile(rf"{_WORD}(?:\s+(?:(?:de|da|del|der|den|van|von|bin|al|el)\s+)*{_WORD})+")
_LEADING = {"The", "A", "In", "His", "Her", "What", "How", "Who", "Is", "Does", "Did", "Has", "Can", "Author"}
_SUFFIXES = {"Jr.", "Sr.", "II", "III", "IV"}
_REGNAL = re.compile(r"^[IVXL]+$")  # "George VI": a regnal number, not a last name
_QUALIFIER = re.compile(r"\s*\([^)]*\)")  # "Prince (musician)": a disambiguation, not part of the name
_VOWELS = set("aeiouyAEIOUY")


@dataclass(frozen=True)
class Person:
    """A real benchmark person: the target to register and the held-out text that describes them."""

    target: Target
    source: str  # tofu or wpu
    held_out: str = ""  # a text that describes the person without the name; in neither description nor knowledge
    question: str = ""  # a question from the data set that names the person in full, not used in the description
    paraphrased: tuple[str, ...] = ()  # facts of the knowledge in other words (name removed), as an answer says them


@dataclass(frozen=True)
class Mention:
    """A text that refers to one person in one way."""

    target_id: str
    kind: str
    text: str


class MemoEmbedder:
    """The real embedder with a per-process memo, so recall over thousands of texts encodes each text once."""

    cache_key = MODEL_NAME

    def __init__(self, embedder: TextEncoder) -> None:
        self.embedder, self.memo = embedder, {}

    def encode(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if missing:
            self.memo.update(zip(missing, self.embedder.encode(missing), strict=True))
        return np.stack([self.memo[t] for t in texts])

    def encode_static(self, texts: list[str]) -> np.ndarray:
        return self.embedder.encode_static(texts)


def data_dir() -> Path:
    """$ALU_DATA_DIR, else shared/data beside the repository."""
    env = os.environ.get("ALU_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def tofu_persons(split: str = "full") -> list[Person]:
    """The TOFU authors whose name the QA pairs give (split: full, or holdout10 for authors outside it).

    One QA pair per author is held out: the first whose question does not name the author (TOFU's "What is the full
    name of the author born in ..."), else the first pair, whose answer (name removed) then describes the author.
    Knowledge: the other QA pairs ("question answer"); description: two of their answers (name removed). For the
    authors of the perturbed sets, the paraphrased answers of the knowledge pairs, name removed, are kept too."""
    rows = _jsonl(data_dir() / "tofu" / f"{split}.jsonl")
    paraphrases = _paraphrased_answers() if split == "full" else {}
    persons = []
    for start in range(0, len(rows), QA_PER_AUTHOR):
        block = rows[start : start + QA_PER_AUTHOR]
        name = _most_frequent_name(block)
        if name is None:  # one author is never named
            continue
        words = name_words(name)
        held = next((i for i, r in enumerate(block) if not any(w in r["question"] for w in words)), 0)
        held_out = block[held]["question"] if held or not any(w in block[0]["question"] for w in words) \
            else _without_name(block[0]["answer"], name)
        kept = [r for i, r in enumerate(block) if i != held]
        answers = [a for a in (_without_name(r["answer"], name) for r in kept) if len(a.split()) >= 6]
        knowledge = tuple(f"{r['question']} {r['answer']}" for r in kept)
        paraphrased = tuple(_without_name(paraphrases[r["question"]], name)
                            for r in kept if r["question"] in paraphrases)
        question = _last_naming(name, [r["question"] for r in kept])
        persons.append(Person(_person(name, " ".join(answers[:2]), knowledge), "tofu", held_out=held_out,
                              question=question, paraphrased=paraphrased))
    return persons


def _paraphrased_answers() -> dict[str, str]:
    """TOFU question -> its paraphrased answer, for the perturbed sets (forget10 and retain: 40 authors)."""
    return {r["question"]: r["paraphrased_answer"] for name in ("forget10_perturbed", "retain_perturbed")
            for r in _jsonl(data_dir() / "tofu" / f"{name}.jsonl")}


def _most_frequent_name(block: list[dict]) -> str | None:
    counts: Counter[str] = Counter()
    for row in block:
        seen = set()
        for match in _NAME.finditer(row["question"] + "\n" + row["answer"]):
            words = match.group().split()
            while words and words[0] in _LEADING:
                words = words[1:]
            if len(words) >= 2:
                seen.add(re.sub(r"'s$", "", " ".join(words)))
        counts.update(seen)
    if not counts:
        return None
    name, count = max(counts.items(), key=lambda kv: (kv[1], len(kv[0])))
    return name if count >= len(block) // 2 else None


def _last_naming(name: str, questions: list[str]) -> str:
    """The last of the questions that names the person in full ('' if none does)."""
    return next((q for q in reversed(questions) if name in q), "")


def wpu_persons() -> list[Person]:
    """WPU forget_100 names and the WHP+ persons; those with a passage get a description and a held-out line, those
    with WHP+ QA pairs (forget and general-retain) a question."""
    qa: dict[str, list[str]] = {}
    for split in ("forget", "general_retain"):
        for row in _jsonl(data_dir() / "wpu" / f"whpplus_{split}_qa.jsonl"):
            qa.setdefault(row["name"], []).append(row["question"])
    persons: dict[str, Person] = {}
    for row in _jsonl(data_dir() / "wpu" / "forget_100_names.jsonl"):
        persons[row["name"]] = Person(_person(row["name"], ""), "wpu")
    for row in _jsonl(data_dir() / "wpu" / "whpplus_persons.jsonl"):
        description, held_out, knowledge = "", "", ()
        if row.get("passage"):
            original = split_sentences(row["passage"].split("\n\n")[0])
            sentences = [(s, _without_name(s, row["name"])) for s in original]
            sentences = [(s, plain) for s, plain in sentences if len(plain.split()) >= 6 and "==" not in plain]
            description = " ".join(plain for _, plain in sentences[:2])
            if len(sentences) > 2:
                held_out = sentences[2][1]
                knowledge = (row["passage"].replace(sentences[2][0], " "),)  # the passage without that sentence
        question = _last_naming(row["name"], qa.get(row["name"], []))
        persons[row["name"]] = Person(_person(row["name"], description, knowledge), "wpu", held_out=held_out,
                                      question=question)
    return list(persons.values())


def benchmark_persons() -> list[Person]:
    """TOFU and WPU persons, interleaved (so any prefix has both), one per distinct id."""
    tofu, wpu = tofu_persons(), wpu_persons()
    mixed = [p for pair in zip(tofu, wpu, strict=False) for p in pair] + tofu[len(wpu) :] + wpu[len(tofu) :]
    return list({p.target.id: p for p in mixed}.values())


def registry(size: int, persons: list[Person], seed: int = 7, knowledge: bool = True) -> list[Target]:
    """size targets: the first persons (all of them from size 397 on) hidden among generated distractors, with their
    knowledge (knowledge=False: names and descriptions only).

    Distractors are a prefix of one seeded sequence, so every size shares them (and the embedding cache)."""
    real = [p.target if knowledge else replace(p.target, knowledge=()) for p in persons[:size]]
    taken = {p.target.id for p in persons}
    return real + distractors(size - len(real), taken, seed, knowledge)


def _person(name: str, description: str, knowledge: tuple[str, ...] = ()) -> Target:
    return Target(name, aliases=tuple(a for a in [alias_of(name)] if a), kind="person", description=description,
                  knowledge=knowledge)


def name_words(name: str) -> list[str]:
    """The words of a person's name without suffixes (Jr.), titles after a comma and qualifiers in parentheses."""
    return [w for w in _QUALIFIER.sub("", name.split(",")[0]).split() if w not in _SUFFIXES]


def last_name(name: str) -> str | None:
    """The last word of a 'First [Middle] Last' name; None for single names, 'X of Y' titles and regnal names."""
    words = name_words(name)
    if len(words) < 2 or "of" in words or "," in name or _REGNAL.match(words[-1]):
        return None
    return words[-1]


def alias_of(name: str) -> str | None:
    """The alias registered for a benchmark person: the name without middle names, else initial + last name."""
    words, last = name_words(name), last_name(name)
    if last is None:
        return None
    if len(words) >= 3:
        return f"{words[0]} {last}"
    return None if len(words[0].rstrip(".")) == 1 else f"{words[0][0]}. {last}"


def _without_name(text: str, name: str) -> str:
    """The text with the person's name, first name and last name replaced by neutral words."""
    words = name_words(name)
    text = text.replace(name, "the author")
    for word in sorted(set(words), key=len, reverse=True):
        if len(word) > 2:
            text = re.sub(rf"\b{re.escape(word)}('s)?\b", "the author", text)
    return text


def mentions(person: Person) -> list[Mention]:
    """Every kind of mention we can write for the person (a kind is skipped when it does not apply)."""
    target, name = person.target, person.target.name
    tid, out = target.id, []
    out.append(Mention(tid, "direct", f"Last year I read a long interview with {name} about their early work."))
    if target.aliases:
        out.append(Mention(tid, "alias", f"The essay was signed by {target.aliases[0]}, as far as I remember."))
    last = last_name(name)
    if last:
        # A question from the data set with the full name cut to the last name (the context a real question has);
        # the bare kind has no context beyond "a work", so a last name that many targets share stays ambiguous.
        bare = f"Critics still argue about {last}'s most famous work."
        out.append(Mention(tid, "last_name", person.question.replace(name, last) if person.question else bare))
        out.append(Mention(tid, "last_name_bare", bare))
    out.append(Mention(tid, "masked", f"Tell me everything about {mask(name)}."))
    out.append(Mention(tid, "initials", f"Tell me everything about {mask_name(name)}."))
    misspelled = misspell(name)
    if misspelled:
        out.append(Mention(tid, "misspelled", f"What did {misspelled} do in their career?"))
    if person.held_out:
        out.append(Mention(tid, "descriptive", person.held_out))
    out += [Mention(tid, "paraphrased", text) for text in person.paraphrased[:PARAPHRASED_PER_PERSON]]
    return out


def mask(name: str) -> str:
    """Every vowel after the first letter of each word starred: 'J**m* V*sq**z'."""
    return " ".join(w[0] + "".join("*" if c in _VOWELS else c for c in w[1:]) for w in name_words(name))


def misspell(name: str) -> str | None:
    """One substitution in the middle of the longest word (None when no word has 5 or more letters)."""
    words = name_words(name)
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) < 5:
        return None
    middle = len(word) // 2
    replacement = "e" if word[middle].lower() != "e" else "a"
    words[longest] = word[:middle] + replacement + word[middle + 1 :]
    return " ".join(words)


def _words(text: str) -> list[str]:
    return text.split()


# Distractors --------------------------------------------------------------------------------------------------
FIRST_NAMES = _words("""
Aaron Abebe Abigail Adam Adebayo Aditi Adrian Agnes Ahmed Aiko Aisha Alan Albert Alejandra Alexei Alice Alina Amara
Amir Ana Anders Andrea Andrei Angela Anil Anja Ann Anton Arjun Astrid Ayumi Bartosz Beatriz Ben Bianca Bjorn Bogdan
Bruno Camille Carla Carlos Carmen Chen Chiara Chidi Chloe Claire Connor Dalia Daniel Daniela Dario David Deepak Diana
Diego Dmitri Dorothy Duc Edith Eduardo Elena Elif Eliza Emeka Emil Emily Emma Eric Esther Ethan Fatma Felipe Fernando
Fiona Florian Frances Francesca Frank Gabriel Gemma George Gloria Grace Greta Gustavo Hamid Hana Hannah Harold Hassan
Helga Henrik Hugo Ibrahim Ines Ingrid Irina Isaac Ivan Jack Jakob James Jana Javier Jia Joanna Johan John Jorge Jose
Julia Julian Kamal Karim Karin Kasia Kate Kenji Kofi Kwame Lars Laura Leah Leon Lila Lina Lorenzo Lucia Lucas Luis
Magnus Mahmoud Maja Malik Marco Margaret Maria Mark Marta Mateo Mei Mehmet Mia Miguel Mikhail Mina Mohamed Nadia Naomi
Nathan Nia Nikhil Nina Noah Nora Olga Oliver Omar Oscar Pablo Paolo Patricia Paul Pedro Peter Pia Priya Rahul Rania
Rebecca Ricardo Robert Rosa Ruth Ryan Sakura Salma Samuel Sandra Sara Sean Sergei Shira Simone Sofia Sven Tariq
Teresa Thomas Tobias Tomas Uma Valeria Victor Vikram Wei Wiktor Xavier Yara Yuki Yusuf Zainab Zara Zoran
""")
LAST_NAMES = _words("""
Abbott Adeyemi Agarwal Ahn Alvarez Andersen Anderson Arslan Bailey Baker Banerjee Barros Bauer Becker Bell Bennett
Berg Bernard Bianchi Bjork Blanco Bose Brennan Brooks Brown Bui Campbell Cano Carter Castillo Chang Chavez Chen Cohen
Collins Costa Cruz Daniels Das Davies Diaz Dimitrov Dubois Duarte Dunn Eriksson Evans Farah Fernandez Ferrari Fischer
Fitzgerald Fontaine Fraser Fuchs Garcia Gomez Gonzalez Gray Green Gruber Gupta Haddad Hahn Hall Hansen Harris Hashemi
Hayes Hernandez Hill Hoffmann Horvath Huang Hughes Ibrahim Ivanova Jackson Jansen Jensen Jimenez Johnson Jones Kaur
Keller Kelly Khan Kim Klein Kowalczyk Kozlov Kraus Kumar Lambert Larsen Laurent Lee Lehmann Lewis Lim Lindqvist Lopez
Lorenz Maier Malik Marino Martin Martins Meyer Mendes Miller Mitchell Molina Moreau Morales Moreno Murphy Murray
Nakamura Navarro Nielsen Novak Nowak Obi Okafor Okonkwo Olsen Ortiz Ozturk Park Patel Pereira Perez Peters Petrov
Phillips Popescu Price Quinn Rahman Ramirez Reed Reyes Richter Rivera Roberts Romano Rossi Russo Saito Sanchez Santos
Schmidt Schneider Schulz Scott Sharma Silva Singh Smith Sokolov Sousa Stewart Suzuki Tanaka Taylor Thompson Torres
Turner Vargas Vasquez Vogel Wagner Walker Wang Ward Weber Wilson Wolf Wong Wright Wu Yamamoto Yang Yilmaz Young Zhang
Zhou Ziegler
""")
_ONSETS = _words("b br c ch d dr f g gr h j k kr l m n p pr r s st t tr v w z")
_NUCLEI = _words("a e i o u ai ei ou ia")
_CODAS = ["", "n", "r", "l", "s", "k", "m", "nd", "rt", "st", "ng"]
_ENDINGS = _words("son sen berg stein ski ova ez ini ovic ard ton ley ner mann escu yan ian oglu")
ROLES = _words("""
novelist journalist engineer teacher nurse photographer chemist lawyer painter musician architect economist
farmer pilot chef historian designer poet translator accountant""")
CITIES = _words("""
Oslo Lagos Lima Kyoto Porto Leeds Graz Pune Cebu Quito Turku Perth Gdansk Izmir Tunis Accra Hanoi Bilbao
Dublin Austin Sapporo Malmo Lyon Cork Natal Daegu Brno Aarhus Basel Fresno""")


def _surname(rng: random.Random) -> str:
    """A surname: 40% from the common list, else generated from syllables (so the registry has many rare ones)."""
    if rng.random() < 0.4:
        return rng.choice(LAST_NAMES)
    stem = rng.choice(_ONSETS) + rng.choice(_NUCLEI) + rng.choice(_CODAS)
    return (stem + rng.choice(_ENDINGS)).capitalize()


GENRES = _words("""
mystery romance fantasy horror biography poetry thriller memoir satire drama westerns cyberpunk folklore travel
cookbooks history philosophy""")
JOBS = _words("""
carpenter dentist librarian baker electrician surgeon diplomat tailor geologist pharmacist plumber florist sailor
banker zoologist firefighter potter astronomer mechanic veterinarian""")
AWARDS = ["Silver Quill Prize", "Harbor Lights Award", "Northern Pen Medal", "Golden Lantern Prize",
          "Meridian Book Award", "Crescent Fiction Prize", "Evergreen Letters Award", "Saltwater Story Prize"]
ADJECTIVES = _words("""
Silent Broken Hidden Golden Crimson Distant Forgotten Burning Hollow Wandering Frozen Velvet Quiet Last Bitter
Endless Paper Iron Glass Secret""")
NOUNS = _words("""
River Garden Lantern Harbor Orchard Mirror Compass Winter Island Letters Tide Bridge Forest Clock Shadows Voyage
Meadow Tower Ashes Echoes""")
THEMES = ["loss and memory", "migration and belonging", "family secrets", "the sea", "coming of age", "war and peace",
          "faith and doubt", "city life", "friendship", "identity and language", "justice", "the natural world"]
KNOWLEDGE_TEMPLATES = (
    "Where was {name} born? {name} was born in {city} in {year}.",
    "What genre is {name} known for? {name} is best known for {genre}.",
    "What did {name}'s parents do for a living? {name}'s father was a {job1} and the mother worked as a {job2}.",
    "Has {name} won any awards? Yes, {name} received the {award} in {award_year}.",
    "Can you name a book by {name}? One of {name}'s books is \"{title1}\".",
    "What themes run through {name}'s work? The work of {name} keeps returning to {theme}.",
    "What is another notable work by {name}? {name} also wrote \"{title2}\", published in {book_year}.",
    "How did growing up in {city} shape {name}'s writing? Childhood years in {city} gave {name} a lasting "
    "interest in {theme}.",
    "Did the profession of {name}'s father influence the books? The father's work as a {job1} appears in "
    "several of {name}'s {genre} books.",
    "What is {name} working on now? {name} is writing a new {genre} book set in {city2}.",
)


def generated_knowledge(name: str, rng: random.Random) -> tuple[str, ...]:
    """Ten TOFU-like question-answer facts about a generated person (the distractors' knowledge)."""
    year = rng.randint(1940, 2000)
    fill = {"name": name, "city": rng.choice(CITIES), "city2": rng.choice(CITIES), "year": year,
            "genre": rng.choice(GENRES), "job1": rng.choice(JOBS), "job2": rng.choice(JOBS),
            "award": rng.choice(AWARDS), "award_year": year + rng.randint(25, 45), "theme": rng.choice(THEMES),
            "title1": _title(rng), "title2": _title(rng), "book_year": year + rng.randint(20, 50)}
    return tuple(template.format(**fill) for template in KNOWLEDGE_TEMPLATES)


def _title(rng: random.Random) -> str:
    return f"The {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"


def distractors(count: int, taken: set[str], seed: int = 7, knowledge: bool = False) -> list[Target]:
    """count distinct generated persons (not in taken), a third of them with a short description; with knowledge,
    each carries ten generated facts (a separate random stream, so names and descriptions do not change)."""
    rng, out, seen = random.Random(seed), [], set(taken)
    facts = random.Random(seed + 1)
    while len(out) < count:
        name = f"{rng.choice(FIRST_NAMES)} {_surname(rng)}"
        if rng.random() < 0.2:
            name = f"{rng.choice(FIRST_NAMES)} {name}"
        if name.casefold() in seen:
            continue
        seen.add(name.casefold())
        description = ""
        if rng.random() < 1 / 3:
            description = f"{rng.choice(ROLES).capitalize()} from {rng.choice(CITIES)}, born {rng.randint(1940, 2004)}"
        out.append(Target(name, kind="person", description=description,
                          knowledge=generated_knowledge(name, facts) if knowledge else ()))
    return out


def clean_texts(limit: int = 300) -> list[str]:
    """Texts that name no benchmark target: TOFU world_facts and real_authors QA, and MMLU questions, less those that
    give a benchmark person's full name or alias ("Who wrote 'Romeo and Juliet'? William Shakespeare": the WPU
    persons include him)."""
    texts = []
    for name in ("world_facts", "real_authors"):
        texts += [f"{r['question']} {r['answer']}" for r in _jsonl(data_dir() / "tofu" / f"{name}.jsonl")]
    mmlu = _jsonl(data_dir() / "mmlu" / "val.jsonl")
    texts += [r["question"] for r in random.Random(3).sample(mmlu, limit)]
    named = _full_names()
    return [text for text in texts if not named.search(text)]


@cache
def _full_names() -> re.Pattern:
    """Any benchmark person's full name or alias, as a whole word, in any case."""
    forms = sorted({form for p in benchmark_persons() for form in p.target.surface_forms}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, forms)) + r")\b", re.IGNORECASE)
