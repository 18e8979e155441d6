"""Builds knowledge-base articles for tests through the service (so revisions and the index follow)."""

from __future__ import annotations

from kb import indexing, reading_log, service


def make_article(article_id: str, *, title: str | None = None, audiences=("guardian",), visibility="public",
                 status="published", body: str = "Text om kalenderfunktionen.", system="schedule", tags=("kalender",),
                 summary: str = "En sammanfattning.", language="sv", translation_of=None, school_forms=(),
                 author=None, commit=True):
    """Save one article; with `commit=False` the caller saves more and ends with one `indexing.commit()` (one
    index write for all of them, as an editor's bulk change does)."""
    article, _changed = service.save_article(service.ArticleData(
        id=article_id, title=title or f"Kalender {article_id}", summary=summary, body=body, language=language,
        translation_of=translation_of, audiences=list(audiences), visibility=visibility,
        school_forms=list(school_forms), system=system, tags=list(tags), status=status,
    ), author)
    if commit:
        indexing.commit()
    return article


def flush_reading() -> dict[str, int]:
    """What the worker does on its next pass: write the views, searches and clicks readers left (kb.reading_log)."""
    return reading_log.flush()
