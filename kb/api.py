"""JSON API of the knowledge base under /api/v1/kb: search and title suggestions, with the caller's visibility."""

from __future__ import annotations

from flask import Blueprint, jsonify, url_for
from flask_babel import gettext
from flask_login import current_user

from kb import service
from kb.api_schemas import SearchOut, SearchQuery, SuggestOut, SuggestQuery
from kb.labels import AUDIENCE_SLUGS
from support.extensions import csrf, limiter
from support.jsonapi import ApiError, parse_query
from support.openapi import Operation, documented
from support.policy.kb import readership_of

bp = Blueprint("kb_api", __name__, url_prefix="/api/v1/kb")
csrf.exempt(bp)


@bp.get("/search")
@documented(Operation(summary="Search the knowledge base", query=SearchQuery, success=SearchOut, anonymous=True,
                      rate_limited=True, tags=("kb",),
                      description="The web search's hits as JSON; anonymous callers see public articles."))
@limiter.limit("120 per minute")
def search():
    """The web search's hits as JSON (signed in by session or Bearer token; anonymous sees public articles)."""
    args = parse_query(SearchQuery)
    if not args.q.strip():
        raise ApiError(400, "missing_query", gettext("Ange en sökfråga i parametern q."))
    outcome = service.search_articles(
        args.q.strip(), readership_of(current_user), page=args.sida, per_page=args.limit, channel="api",
        audience=AUDIENCE_SLUGS.get(args.malgrupp, args.malgrupp), school_form=args.skolform, system=args.system,
        language=args.sprak)
    return jsonify(SearchOut.model_validate(dict(
        query=outcome.query, total=outcome.total, page=outcome.page, per_page=outcome.per_page,
        did_you_mean=outcome.did_you_mean, search_id=outcome.search_id,
        hits=[{"id": h.id, "title": h.title, "summary": h.summary, "score": h.score, "rank": h.rank,
               "language": h.language, "system": h.system, "snippet_html": h.snippet_html,
               "url": url_for("kb.article", article_id=h.id)} for h in outcome.hits],
    )).model_dump(mode="json"))


@bp.get("/suggest")
@documented(Operation(summary="Article titles for the search box while typing", query=SuggestQuery,
                      success=SuggestOut, anonymous=True, rate_limited=True, tags=("kb",)))
@limiter.limit("600 per minute")  # called while typing
def suggest():
    """Titles for the search box while typing."""
    args = parse_query(SuggestQuery)
    pairs = service.suggest_titles(readership_of(current_user), args.q, limit=args.limit,
                                   audience=AUDIENCE_SLUGS.get(args.malgrupp, args.malgrupp),
                                   school_form=args.skolform, system=args.system, language=args.sprak)
    return jsonify(suggestions=[{"id": i, "title": t, "url": url_for("kb.article", article_id=i)}
                                for i, t in pairs])
