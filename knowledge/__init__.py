"""The domain: the knowledge base, its schema and loader, normalisation and matching."""

from knowledge.loader import KnowledgeBase, KnowledgeError, Problem, load_knowledge
from knowledge.matcher import Matcher, MatchResult, Outcome, Suggestion, Thresholds

__all__ = [
    "KnowledgeBase",
    "KnowledgeError",
    "MatchResult",
    "Matcher",
    "Outcome",
    "Problem",
    "Suggestion",
    "Thresholds",
    "load_knowledge",
]
