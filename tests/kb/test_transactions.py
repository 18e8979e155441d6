"""The knowledge-base service leaves the commit to its caller: a unit of work that rolls back leaves no trace (the
pages' own tests show that what they write is kept)."""

from __future__ import annotations

from sqlalchemy import func, select

from kb import service
from kb.models import ArticleFeedback, ArticleImage, SearchClick, SearchLog, SynonymList
from support.extensions import db
from tests.kb.articles import flush_reading, make_article

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ff"
                    "ff3f0005fe02fea7d6a4a40000000049454e44ae426082")


def rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_search_and_its_click_write_nothing_in_the_callers_unit_of_work_and_are_logged_once_by_the_worker(app):
    make_article("a", title="Kalender")
    outcome = service.search_articles("kalender", service.readership_of(None))
    assert outcome.search_id is not None  # the result links carry it before the worker writes the search
    assert service.record_click(outcome.search_id, "a", 1)
    assert not db.session.new and not db.session.dirty
    db.session.rollback()
    assert rows(SearchLog) == 0 and rows(SearchClick) == 0
    flush_reading()
    assert rows(SearchLog) == 1 and rows(SearchClick) == 1
    flush_reading()  # nothing left for a second pass
    assert rows(SearchLog) == 1 and rows(SearchClick) == 1


def test_a_rolled_back_feedback_vote_synonym_list_or_image_is_not_kept(app):
    article = make_article("a", title="Kalender")
    service.record_feedback(article, "anon:1", True, "Bra")
    service.save_synonyms("kalender, almanacka\n", None)
    service.store_image("bild.png", PNG, None)
    db.session.rollback()
    assert rows(ArticleFeedback) == 0 and rows(SynonymList) == 0 and rows(ArticleImage) == 0

