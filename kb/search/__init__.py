"""Swedish full-text search for the knowledge base (Whoosh). Framework-free: no Flask, no SQLAlchemy."""

from .analysis import Analyzer, Lexicon, fold
from .corpus import load_corpus, parse_article
from .index import ArticleDoc, Hit, IndexOutdated, SearchIndex, SearchResult, VisibilityFilter
from .query import QueryPlan, QueryPlanner, sanitize
from .synonyms import Synonyms

__all__ = [
    "Analyzer",
    "ArticleDoc",
    "Hit",
    "IndexOutdated",
    "Lexicon",
    "QueryPlan",
    "QueryPlanner",
    "SearchIndex",
    "SearchResult",
    "Synonyms",
    "VisibilityFilter",
    "fold",
    "load_corpus",
    "parse_article",
    "sanitize",
]
