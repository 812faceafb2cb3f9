"""Screening: which of the forget targets a request could concern (mentions, profile words, embeddings)."""

from .index import Candidate, Floors, TargetIndex
from .mentions import Mention, MentionIndex, SharedMention, redact, split_sentences, tokenize
from .persons import names_someone_else
from .words import common_words

__all__ = ["Candidate", "Floors", "Mention", "MentionIndex", "SharedMention", "TargetIndex", "common_words",
           "names_someone_else", "redact", "split_sentences", "tokenize"]
