"""Last names that are places, held out: with a person forgotten whose last name is also a place (George Washington,
Jack London), a question about the place should be answered, and a question about the person by that name still
named (TargetIndex._a_place).

The questions below were written after the place rule was settled and were first run on that code; the rule is not
changed after reading them. Some place questions fall outside what the rule reads ("in Jordan", "the altitude of
Denver", "Grant Park"): they are counted as they come. Names only, no embedder.

    python benchmarks/places.py
"""

from __future__ import annotations

from alu import Target
from alu.config import PipelineConfig
from alu.pipeline import floors
from alu.screening import TargetIndex

# (forgotten person, a question about a place by the person's last name)
PLACES = [
    ("George Washington", "What is the largest city in Washington state?"),
    ("Michael Jordan", "What currency is used in Jordan?"),
    ("Whitney Houston", "What is the population of Houston, Texas?"),
    ("Abraham Lincoln", "Is Lincoln, Nebraska the state capital?"),
    ("Andrew Jackson", "What is the weather like in Jackson, Mississippi?"),
    ("Christopher Columbus", "Is Columbus, Ohio larger than Cleveland?"),
    ("Cecil Rhodes", "Which sea surrounds Rhodes island?"),
    ("Jack London", "What is the population of London?"),
    ("Benjamin Franklin", "What is the county seat of Franklin County?"),
    ("Lewis Hamilton", "How far is Hamilton, Ontario from Toronto?"),
    ("Denzel Washington", "Who is the mayor of Washington, D.C.?"),
    ("Emma Stone", "How tall is Stone Mountain?"),
    ("Will Smith", "Where is Smith Island?"),
    ("Bill Clinton", "Which state is Clinton County in?"),
    ("Harry Truman", "How deep is Truman Lake?"),
    ("John Denver", "What is the altitude of Denver?"),
    ("Paul Revere", "Is Revere, Massachusetts near Boston?"),
    ("Ulysses Grant", "Where is Grant Park?"),
    ("Henry Hudson", "How long is the Hudson River?"),
    ("Kit Carson", "What is the capital of Nevada, Carson City?"),
    ("James Madison", "What is the population of Madison, Wisconsin?"),
    ("Thomas Jefferson", "Is Jefferson City the capital of Missouri?"),
    ("Sam Houston", "What is the climate of Houston?"),
    ("Elvis Presley", "Where is Presley Street?"),
]
# (forgotten person, a question about the person by the last name alone)
PERSONS = [
    ("George Washington", "What did Washington do at Valley Forge?"), ("Michael Jordan", "Did Jordan play baseball?"),
    ("Abraham Lincoln", "How did Lincoln die?"), ("Whitney Houston", "What songs did Houston record?"),
    ("Jack London", "Where did London write The Call of the Wild?"), ("Henry Hudson", "What did Hudson discover?"),
    ("James Madison", "Was Madison the fourth president?"), ("Christopher Columbus", "What did Columbus find in 1492?"),
    ("Benjamin Franklin", "When did Franklin fly his kite?"), ("John Denver", "Did Denver sing Annie's Song?"),
]


def named_by(question: str, name: str) -> bool:
    """Whether the question, screened against the forgotten person alone, names them (a refusal up front)."""
    index = TargetIndex([Target(name)], embedder=None)
    config = PipelineConfig()
    return any(c.named for c in index.screen([question], "", config.max_candidates, floors(config)))


def main() -> None:
    place_hits = [(q, named_by(q, name)) for name, q in PLACES]
    person_hits = [(q, named_by(q, name)) for name, q in PERSONS]
    refused = [q for q, hit in place_hits if hit]
    missed = [q for q, hit in person_hits if not hit]
    print(f"place questions refused up front: {len(refused)}/{len(PLACES)}")
    print(f"person questions by last name named: {len(PERSONS) - len(missed)}/{len(PERSONS)}")
    print("\nplace questions still refused:")
    for question in refused:
        print(f"  {question}")
    if missed:
        print("\nperson questions not named:")
        for question in missed:
            print(f"  {question}")


if __name__ == "__main__":
    main()
