"""JSON API of the knowledge base under /api/v1/kb: search and title suggestions, with the caller's visibility."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for
from flask_login import current_user

from kb import service
from kb.views import search_params
from support.extensions import csrf, limiter
from support.policy.kb import readership_of

bp = Blueprint("kb_api", __name__, url_prefix="/api/v1/kb")
csrf.exempt(bp)


def _int_arg(name: str, default: int, upper: int) -> int:
    try:
        return min(max(1, int(request.args.get(name, default))), upper)
    except ValueError:
        return default


@bp.get("/search")
@limiter.limit("120 per minute")
def search():
    """The web search's hits as JSON (signed in by session or Bearer token; anonymous sees public articles)."""
    query = request.args.get("q", "").strip()
    if not query:
        return jsonify(error="missing_query", message="Ange en sökfråga i parametern q."), 400
    params = search_params()
    outcome = service.search_articles(query, readership_of(current_user), page=_int_arg("sida", 1, 1000),
                                      per_page=_int_arg("limit", 10, 100), channel="api", **params)
    return jsonify(
        query=outcome.query, total=outcome.total, page=outcome.page, per_page=outcome.per_page,
        did_you_mean=outcome.did_you_mean, search_id=outcome.search_id,
        hits=[{"id": h.id, "title": h.title, "summary": h.summary, "score": h.score, "rank": h.rank,
               "language": h.language, "system": h.system, "snippet_html": h.snippet_html,
               "url": url_for("kb.article", article_id=h.id)} for h in outcome.hits],
    )


@bp.get("/suggest")
@limiter.limit("600 per minute")  # called while typing
def suggest():
    """Titles for the search box while typing."""
    pairs = service.suggest_titles(readership_of(current_user), request.args.get("q", "")[:100],
                                   limit=_int_arg("limit", 8, 20))
    return jsonify(suggestions=[{"id": i, "title": t, "url": url_for("kb.article", article_id=i)}
                                for i, t in pairs])
