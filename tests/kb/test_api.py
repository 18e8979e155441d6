"""The knowledge base's JSON API: its query parameters are checked by the published schema."""

from __future__ import annotations

import pytest

from tests.kb.articles import make_article


@pytest.mark.parametrize("query", [
    {"q": "kalender", "limit": "abc"}, {"q": "kalender", "sida": "99999999999999999999999"},
    {"q": "kalender", "sida": "²"}, {"q": "kalender", "limit": "1e999"}, {"q": "kalender", "malgrupp": "okänd"},
    {"q": "kalender", "system": ["x"]}, {"q": "a\x00b"}, {"q": "a" * 5001},
])
def test_bad_search_parameters_are_field_errors(app, client, query):
    response = client.get("/api/v1/kb/search", query_string=query)
    data = response.get_json()
    assert response.status_code == 400 and data["error"] == "validation", data
    assert set(data["fields"]) <= set(query) and data["fields"]


def test_a_search_without_words_still_says_what_is_missing(app, client):
    for query in ({}, {"q": "   "}):
        response = client.get("/api/v1/kb/search", query_string=query)
        assert response.status_code == 400 and response.get_json()["error"] == "missing_query"


def test_the_search_api_takes_the_group_by_slug_or_by_key(app, client):
    make_article("kalender", title="Kalendern", audiences=("guardian",))
    for group in ("vardnadshavare", "guardian"):
        data = client.get("/api/v1/kb/search", query_string={"q": "kalendern", "malgrupp": group}).get_json()
        assert [hit["id"] for hit in data["hits"]] == ["kalender"]


@pytest.mark.parametrize("query", [{"q": "ka", "limit": "500"}, {"q": "x\x00"}, {"limit": "-1"}])
def test_bad_suggest_parameters_are_field_errors(app, client, query):
    response = client.get("/api/v1/kb/suggest", query_string=query)
    assert response.status_code == 400 and response.get_json()["error"] == "validation"
