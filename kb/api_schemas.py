"""The knowledge-base API's query and response schemas (pydantic), validated on every call and published as OpenAPI."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from kb.labels import AUDIENCE_SLUGS, LANGUAGE_LABELS, SCHOOL_FORM_LABELS, SYSTEM_LABELS
from support.jsonapi import Line, QueryModel

Audience = Literal[tuple(AUDIENCE_SLUGS) + tuple(dict.fromkeys(AUDIENCE_SLUGS.values()))]


class SearchQuery(QueryModel):
    """The web search's parameters (Swedish names, as in the page's address)."""

    q: Line(5000) = Field("", description="Search words (required; without them the answer is `missing_query`).")
    sida: int = Field(1, ge=1, le=1000, description="Page number.")
    limit: int = Field(10, ge=1, le=100, description="Hits per page.")
    malgrupp: Audience | None = Field(None, description="User group, e.g. `vardnadshavare` or `guardian`.")
    skolform: Literal[tuple(SCHOOL_FORM_LABELS)] | None = None
    system: Literal[tuple(SYSTEM_LABELS)] | None = None
    sprak: Literal[tuple(LANGUAGE_LABELS)] | None = None


class SuggestQuery(QueryModel):
    q: Line(100) = Field("", description="What has been typed so far (two characters or more give titles).")
    limit: int = Field(8, ge=1, le=20)
    malgrupp: Audience | None = Field(None, description="The user group the search box searches in, as the search "
                                                        "page's `malgrupp`.")
    skolform: Literal[tuple(SCHOOL_FORM_LABELS)] | None = None
    system: Literal[tuple(SYSTEM_LABELS)] | None = None
    sprak: Literal[tuple(LANGUAGE_LABELS)] | None = None


class SearchHit(BaseModel):
    id: str
    title: str
    summary: str
    score: float
    rank: int
    language: str
    system: str
    snippet_html: str = Field(description="The matching passage, HTML with `<mark>` around the words found.")
    url: str


class SearchOut(BaseModel):
    """Hits the caller may read, best first."""

    query: str
    total: int
    page: int
    per_page: int
    did_you_mean: str | None
    search_id: str | None = Field(description="The search's token in the search log; result links carry it as `s`.")
    hits: list[SearchHit]


class Suggestion(BaseModel):
    id: str
    title: str
    url: str


class SuggestOut(BaseModel):
    """Titles the caller may read."""

    suggestions: list[Suggestion]
