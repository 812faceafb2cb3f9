"""Namesakes, held out: a forgotten person's last name in another person's full name (a forgotten Spike Lee, a
question about Stan Lee), read by screening and by the final guard's name check (TargetIndex.mentions_in).

The DEV pairs below were written for this check after the other-person rule (TargetIndex._own_reading) was settled, and
none of them was used to write or adjust it (those were "Harper Lee", "C. S. Lewis", "James Joyce", "Gabriel Garcia
Marquez" and "Martin Charles Gutzwiller", from the registry benchmark's clean texts and the mixed WPU items). The
numbers are reported as they come: the rule is not changed after reading them. Names only, no embedder: what is
measured is the name reading, not similarity (a namesake's facts are no forgotten person's).

Per pair, with every forgotten person registered at once:
- the namesake in full, in a question ("What is Stan Lee best known for?"): does the question name (refuse up
  front) or mention the forgotten person?
- the namesake in full in an answer, mid-sentence and starting it: does the guard read the forgotten person there?
- the forgotten person in full in a question, and by the bare last name in an answer ("Lee directed it."): found?

    python benchmarks/namesakes.py [--set dev|test]
"""

from __future__ import annotations

import argparse

from alu import Target
from alu.config import PipelineConfig
from alu.pipeline import floors
from alu.screening import TargetIndex

# (forgotten person, another person with the same last name). DEV: read once at 48330f8 (see the results file); the
# failure it showed (given names that are English words: Robin, Will, Bill) is what the given-name rule after it
# addresses, so DEV is development data from then on. TEST: written before that rule, and first run after it.
DEV = [
    ("Spike Lee", "Stan Lee"), ("Serena Williams", "Robin Williams"), ("Taylor Swift", "Jonathan Swift"),
    ("Emma Stone", "Oliver Stone"), ("Michael Jackson", "Peter Jackson"), ("Charles Darwin", "Erasmus Darwin"),
    ("Isaac Newton", "Helmut Newton"), ("Emily Bronte", "Charlotte Bronte"), ("Kim Kardashian", "Khloe Kardashian"),
    ("Bill Gates", "Melinda Gates"), ("Elon Musk", "Kimbal Musk"), ("Paul McCartney", "Stella McCartney"),
    ("John Lennon", "Julian Lennon"), ("Ernest Hemingway", "Mariel Hemingway"), ("Stephen King", "Carole King"),
    ("Tiger Woods", "James Woods"), ("Chris Evans", "Lee Evans"), ("Dwayne Johnson", "Boris Johnson"),
    ("Adam Smith", "Will Smith"), ("Neil Armstrong", "Louis Armstrong"), ("Frank Sinatra", "Nancy Sinatra"),
    ("Whitney Houston", "Sam Houston"), ("Bob Marley", "Ziggy Marley"), ("Hillary Clinton", "Chelsea Clinton"),
    ("George Washington", "Denzel Washington"), ("Nelson Mandela", "Winnie Mandela"), ("Robert Frost", "David Frost"),
    ("Agatha Christie", "Julie Christie"), ("Katy Perry", "Matthew Perry"), ("Harrison Ford", "Henry Ford"),
    ("Andy Murray", "Bill Murray"), ("Jennifer Lopez", "George Lopez"), ("Marie Curie", "Pierre Curie"),
    ("Lance Armstrong", "Karen Armstrong"), ("Tom Hanks", "Colin Hanks"), ("Mick Jagger", "Jade Jagger"),
    ("Jimi Hendrix", "Nora Hendrix"), ("Amy Winehouse", "Mitch Winehouse"), ("Johnny Cash", "Rosanne Cash"),
    ("Judy Garland", "Hank Garland"),
]
TEST = [
    ("Jesse Owens", "Terrell Owens"), ("Tom Brady", "Wayne Brady"), ("Steve Martin", "Chris Martin"),
    ("Dick Cheney", "Liz Cheney"), ("Donald Trump", "Ivanka Trump"), ("Barack Obama", "Michelle Obama"),
    ("Ted Kennedy", "Robert Kennedy"), ("Jimmy Carter", "Rosalynn Carter"), ("Ronald Reagan", "Nancy Reagan"),
    ("Kevin Bacon", "Francis Bacon"), ("Jack Nicholson", "Ben Nicholson"), ("Michael Jordan", "Eddie Jordan"),
    ("Tina Turner", "Ike Turner"), ("Mary Shelley", "Percy Shelley"), ("Charles Dickens", "Monica Dickens"),
    ("Virginia Woolf", "Leonard Woolf"), ("Anne Frank", "Otto Frank"), ("Sigmund Freud", "Anna Freud"),
    ("Johann Sebastian Bach", "Carl Philipp Emanuel Bach"), ("Wolfgang Amadeus Mozart", "Leopold Mozart"),
    ("Keith Richards", "Denise Richards"), ("Ringo Starr", "Kenneth Starr"), ("Elvis Presley", "Lisa Marie Presley"),
    ("David Bowie", "Jim Bowie"), ("Diana Ross", "Bob Ross"), ("Janis Joplin", "Scott Joplin"),
    ("Ella Fitzgerald", "F. Scott Fitzgerald"), ("Arthur Miller", "Glenn Miller"), ("Henry James", "Etta James"),
    ("John Adams", "Amy Adams"), ("Jack Black", "Cilla Black"), ("Frank Lloyd Wright", "Orville Wright"),
    ("Grace Kelly", "Gene Kelly"), ("Jennifer Hudson", "Rock Hudson"), ("Kate Moss", "Randy Moss"),
    ("Emma Watson", "James Watson"), ("Stephen Hawking", "Jane Hawking"), ("Alan Turing", "Dermot Turing"),
    ("Benjamin Franklin", "Aretha Franklin"), ("Oscar Wilde", "Olivia Wilde"),
]
SETS = {"dev": DEV, "test": TEST}
QUESTION = "What is {} best known for?"
ANSWER_MID = "Many people still admire {} for that work."
ANSWER_START = "{} is best known for that work."
BARE = "{} is best known for that work."


LABELS = ("namesake question: named (refused)", "namesake question: a name mention",
          "namesake answer, mid-sentence: read as the target", "namesake answer, starting it: read as the target",
          "forgotten, full name in a question: named", "forgotten, bare last name in an answer: read as the target")


def last(name: str) -> str:
    return name.split()[-1]


def asked(index: TargetIndex, question: str, target_id: str) -> tuple[bool, bool]:
    """Whether a question names the target (a refusal up front), and whether it mentions it by name at all."""
    config = PipelineConfig()
    candidate = next((c for c in index.screen([question], "", config.max_candidates, floors(config))
                      if c.target.id == target_id), None)
    return candidate is not None and candidate.named, candidate is not None and bool(candidate.query_mentions)


def read_as(index: TargetIndex, text: str, target_id: str) -> bool:
    """Whether the guard reads the target in a text (TargetIndex.mentions_in)."""
    return any(target_id in mention.target_ids for mention in index.mentions_in(text))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="dev")
    pairs = SETS[parser.parse_args(argv).set]
    forgotten = [Target(f) for f, _ in pairs]
    index = TargetIndex(forgotten, embedder=None)
    ids = {t.name: t.id for t in forgotten}
    rows: dict[str, list[bool]] = {label: [] for label in LABELS}
    misread = []
    for f, o in pairs:
        target = ids[f]
        answers = (ANSWER_MID.format(o), ANSWER_START.format(o))
        hits = (*asked(index, QUESTION.format(o), target), *(read_as(index, text, target) for text in answers),
                asked(index, QUESTION.format(f), target)[0], read_as(index, BARE.format(last(f)), target))
        for label, hit in zip(LABELS, hits, strict=True):
            rows[label].append(hit)
        misread += [text for text, hit in zip(answers, hits[2:4], strict=True) if hit]
    print(f"{len(forgotten)} forgotten persons registered, each with a namesake\n")
    print(f"{'':58} {'count':>9}")
    for label, hits in rows.items():
        print(f"{label:58} {sum(hits):>3}/{len(hits):<3} {sum(hits) / len(hits):.3f}")
    print("\nnamesakes read as the forgotten person (the sentences):")
    for text in misread:
        print(f"  {text}")


if __name__ == "__main__":
    main()
