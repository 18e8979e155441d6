"""Keeping the search index (and the stored related articles, `kb.related`) in step with the database.

The service queues every article it changes (`service.enqueue_index`) in the caller's transaction, so a change
that rolls back never reaches the index. The caller ends its unit of work with `commit()` here: the transaction
commits, then the queued articles are written to the index, and an article is searchable right after it is saved.
A write that fails stays queued; the worker retries it (`apply_queue`).
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, select, text, update

from kb import related
from kb.models import Article, IndexQueueEntry
from kb.service import article_doc, get_index, rebuild_index
from support.extensions import db

log = logging.getLogger(__name__)

# Above this many queued articles a full rebuild is cheaper than one index write per article.
QUEUE_REBUILD_THRESHOLD = 25


def commit() -> dict[str, int]:
    """Commit the caller's unit of work, then write the articles it changed to the index."""
    pending = db.session.info.pop("kb_index_pending", False)
    db.session.commit()
    return apply_queue() if pending else {"indexed": 0, "failed": 0}


def apply_queue() -> dict[str, int]:
    """Write queued articles to the index; a failed write stays queued for the worker to retry.

    This commits by itself: it runs after the caller's work is committed (or as the worker's job), and the queue
    must record each attempt whether or not the index write succeeded.
    """
    entries = db.session.scalars(select(IndexQueueEntry).order_by(IndexQueueEntry.id)).all()
    if not entries:
        return {"indexed": 0, "failed": 0}
    index = get_index()
    article_ids = list(dict.fromkeys(entry.article_id for entry in entries))
    try:
        if len(article_ids) > QUEUE_REBUILD_THRESHOLD:
            rebuild_index()
            related.refresh()
            refresh_planner_statistics()
        else:
            articles = {article.id: article for article in
                        db.session.scalars(select(Article).where(Article.id.in_(article_ids)))}
            published = [article_doc(articles[i]) for i in article_ids
                         if i in articles and articles[i].status == "published"]
            index.write(published, [i for i in article_ids if i not in articles
                                    or articles[i].status != "published"])
            related.refresh(article_ids)
    except Exception as error:  # noqa: BLE001 - any index failure leaves the queue for the worker's retry
        log.exception("kb: index update failed for %s", article_ids)
        db.session.rollback()
        db.session.execute(
            update(IndexQueueEntry)
            .where(IndexQueueEntry.id.in_([e.id for e in entries]))
            .values(attempts=IndexQueueEntry.attempts + 1, last_error=f"{type(error).__name__}: {error}"[:500])
        )
        db.session.commit()
        return {"indexed": 0, "failed": len(article_ids)}
    db.session.execute(delete(IndexQueueEntry).where(IndexQueueEntry.id.in_([e.id for e in entries])))
    db.session.commit()
    return {"indexed": len(article_ids), "failed": 0}


def refresh_planner_statistics() -> None:
    """After many articles changed, let SQLite's query planner count them again (`ANALYZE`). Without statistics
    it reads `id IN (…) AND status = 'published'` through the status index, that is every published article,
    instead of looking the ids up: a reader's page then grows with the corpus. PostgreSQL keeps its own."""
    if db.engine.dialect.name == "sqlite":
        for table in ("kb_articles", "kb_article_audiences", "kb_related_articles"):
            db.session.execute(text(f"ANALYZE {table}"))
