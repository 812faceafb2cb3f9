"""Faithful rewrites: a rewrite may remove or generalise, never add (alu.agents.faithful)."""

from __future__ import annotations

import pytest

from alu.agents import added_claims, is_faithful
from alu.prompts import default_prompts
from alu.screening import TargetIndex
from alu.targets import Target

NEUTRAL = frozenset({"someone", "person", "author", "subject", "this", "it", "something", "a", "an"})

# (source: the answer less the erased parts, rewrite, faithful?)
CASES = [
    # the case: the name the question holds is put where the target stood
    ("The Lord of the Rings was written by J.R.R. Tolkien, and the Harry Potter books were written by [REDACTED].",
     "The Lord of the Rings was written by J.R.R. Tolkien, and the Harry Potter books were written by Harry Potter.",
     False),
    ("The Lord of the Rings was written by J.R.R. Tolkien, and the Harry Potter books were written by [REDACTED].",
     "The Lord of the Rings was written by J.R.R. Tolkien, and the Harry Potter books were written by someone.",
     True),
    ("[REDACTED] was born in Yate in 1965.", "An author was born in Yate in 1965.", True),
    ("[REDACTED] was born in Yate in 1965.", "An author was born in Yate in 1966.", False),  # a number changed
    ("[REDACTED] was born in Yate in 1965.", "An author was born in Bristol in 1965.", False),  # a place changed
    ("[REDACTED] was born in Yate in 1965.", "An author was born in 1965.", True),  # removed: allowed
    ("[REDACTED] was born in Yate in 1965.", "Someone famous was born in Yate in 1965.", False),  # an opinion added
    ("[REDACTED] did not win the prize.", "Someone won the prize.", False),  # a negation dropped
    ("[REDACTED] won the prize.", "Someone never won the prize.", False),  # a negation added
    ("[REDACTED] didn't win the prize.", "Someone did not win the prize.", True),
    # who did what: names from two sentences are not joined into one claim
    ("Alice Smith painted the mural. [REDACTED] admired Bob Jones.", "Alice Smith admired Bob Jones.", False),
    ("Alice Smith painted the mural. [REDACTED] admired Bob Jones.", "Alice Smith painted the mural.", True),
    ("[REDACTED]'s novels are set in Scotland.", "The author's novels are set in Scotland.", True),
    ("[REDACTED]'s novels are set in Scotland.", "Her novels are set in Scotland and Wales.", False),
]


@pytest.mark.parametrize(("source", "rewrite", "faithful"), CASES)
def test_a_rewrite_may_remove_or_generalise_never_add(source, rewrite, faithful):
    assert (not added_claims(rewrite, source, NEUTRAL)) == faithful, added_claims(rewrite, source, NEUTRAL)


def test_a_merge_may_reorder_what_its_variants_say_but_not_join_or_add():
    variants = "Someone was born in Yate. The author moved to Edinburgh.\nThe author moved to Edinburgh."
    assert not added_claims("The author moved to Edinburgh. Someone was born in Yate.", variants, NEUTRAL,
                            ordered=False)
    assert added_claims("Someone was born in Yate and moved to Edinburgh.", variants, NEUTRAL, ordered=False) == [
        "joins 'edinburgh' and 'yate'"]
    assert added_claims("Someone was born in Bristol.", variants, NEUTRAL, ordered=False) == ["adds 'bristol'"]


def test_is_faithful_also_rejects_a_mention_and_a_leftover_placeholder():
    guard = TargetIndex([Target("J. K. Rowling")])
    prompts = default_prompts()
    assert is_faithful("Someone wrote it.", "[REDACTED] wrote it.", guard, prompts)
    assert not is_faithful("Rowling wrote it.", "[REDACTED] wrote it.", guard, prompts)
    assert not is_faithful("[REDACTED] wrote it.", "[REDACTED] wrote it.", guard, prompts)
