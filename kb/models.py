"""Knowledge-base models: articles and their revisions, feedback, the search log, synonyms, the index queue, images."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.orm import Mapped, mapped_column, relationship

from support.database import utcnow
from support.extensions import db

LANGUAGES = ("sv", "en")
AUDIENCES = ("guardian", "student", "pedagogue", "administrator", "superuser", "support")
USER_GROUP_AUDIENCES = ("guardian", "student", "pedagogue", "administrator")
VISIBILITIES = ("public", "internal")
STATUSES = ("draft", "published", "archived")
SYSTEMS = ("login", "schedule", "attendance", "documentation", "assessment", "teams", "startpage", "app",
           "messages", "general")


class Article(db.Model):
    __tablename__ = "kb_articles"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)  # the slug in /kb/artikel/<id>
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(600), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # The body rendered and sanitised when it was saved, every link to an article still in it: a reader's view
    # only hides the links that reader may not follow (`kb.service.reader_html`). None: not rendered yet.
    body_html: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="sv")
    translation_of: Mapped[str | None] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="SET NULL"), index=True
    )
    visibility: Mapped[str] = mapped_column(String(10), default="public")
    school_forms: Mapped[list[str]] = mapped_column(JSON, default=list)  # [] means every school form
    system: Mapped[str] = mapped_column(String(20), default="general", index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_by: Mapped[date | None]
    needs_review: Mapped[bool] = mapped_column(default=False)  # an editor marked it for review
    view_count: Mapped[int] = mapped_column(default=0)  # written in batches by the worker (kb.reading_log)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    audience_links: Mapped[list[ArticleAudience]] = relationship(
        back_populates="article", cascade="all, delete-orphan", lazy="selectin",
        order_by="ArticleAudience.audience",
    )
    audiences: AssociationProxy[list[str]] = association_proxy(
        "audience_links", "audience", creator=lambda audience: ArticleAudience(audience=audience)
    )
    owner = relationship("User", lazy="joined")
    original: Mapped[Article | None] = relationship(remote_side=[id], back_populates="translations")
    translations: Mapped[list[Article]] = relationship(back_populates="original")
    revisions: Mapped[list[ArticleRevision]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="ArticleRevision.number.desc()",
        passive_deletes=True,
    )

    def set_audiences(self, audiences) -> None:
        wanted = sorted(set(audiences) & set(AUDIENCES))
        if list(self.audiences) != wanted:
            self.audience_links = [ArticleAudience(audience=a) for a in wanted]

    def __repr__(self) -> str:
        return f"<Article {self.id}>"


class ArticleAudience(db.Model):
    """One audience of an article, a row of its own so visibility can be filtered in SQL on every database."""

    __tablename__ = "kb_article_audiences"

    article_id: Mapped[str] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True)
    audience: Mapped[str] = mapped_column(String(20), primary_key=True)

    article: Mapped[Article] = relationship(back_populates="audience_links")


class ArticleRevision(db.Model):
    """A snapshot of an article as it was saved; the newest one equals the article."""

    __tablename__ = "kb_article_revisions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(600), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    metadata_json: Mapped[dict] = mapped_column("metadata", JSON, default=dict)
    note: Mapped[str] = mapped_column(String(300), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[Article] = relationship(back_populates="revisions")
    author = relationship("User", lazy="joined")


class ArticleFeedback(db.Model):
    """"Var detta till hjälp?": one vote per visitor and article (a signed-in user or an anonymous cookie)."""

    __tablename__ = "kb_article_feedback"
    __table_args__ = (UniqueConstraint("article_id", "visitor_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    visitor_key: Mapped[str] = mapped_column(String(80))
    helpful: Mapped[bool]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchLog(db.Model):
    """One search as typed (normalised), its filters and hit count; nothing about who searched."""

    __tablename__ = "kb_search_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Chosen when the search ran, before the row is written by the worker: the result links carry it to the clicks.
    token: Mapped[str | None] = mapped_column(String(32), unique=True)
    query: Mapped[str] = mapped_column(String(300), index=True)
    audience: Mapped[str] = mapped_column(String(20), default="")
    school_form: Mapped[str] = mapped_column(String(30), default="")
    system: Mapped[str] = mapped_column(String(20), default="")
    language: Mapped[str] = mapped_column(String(8), default="")
    channel: Mapped[str] = mapped_column(String(10), default="web")  # web / api / cli
    hit_count: Mapped[int] = mapped_column(default=0)
    page: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class SearchTicket(db.Model):
    """A search that ended in a ticket: the search's token (the log row may not be written yet) and the ticket it
    preceded, plus the knowledge-base article a staff reply on the ticket then pointed to. Nothing about who
    searched; the row goes with the ticket."""

    __tablename__ = "kb_search_tickets"
    __table_args__ = (UniqueConstraint("token", "ticket_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))  # first column of the unique constraint: looked up by token
    # A foreign key only: the knowledge base never reads the ticket (the ticket service writes this row).
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    answer_article_id: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RelatedArticle(db.Model):
    """One of an article's related articles, best first, kept up to date when articles change (`kb.related`);
    readers see the ones they may read."""

    __tablename__ = "kb_related_articles"

    article_id: Mapped[str] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    related_id: Mapped[str] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)


class CorpusState(db.Model):
    """One row of stamps that tell readers' caches when they are out of date: `generation` moves with every
    change to an article, `views_generation` when the worker has counted new views."""

    __tablename__ = "kb_corpus_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(default=0)
    views_generation: Mapped[int] = mapped_column(default=0)
    views_counted_at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchClick(db.Model):
    __tablename__ = "kb_search_clicks"

    id: Mapped[int] = mapped_column(primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("kb_search_log.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[str] = mapped_column(String(80), index=True)
    rank: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SynonymList(db.Model):
    """The editors' synonym list (one row); without a row the list shipped with the code applies."""

    __tablename__ = "kb_synonym_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class IndexQueueEntry(db.Model):
    """An article whose index entry must follow the database; written in the same transaction as the change."""

    __tablename__ = "kb_index_queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(String(80), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ArticleImage(db.Model):
    """An image uploaded by an editor, stored under instance/kb-images and served by /kb/bild/<name>."""

    __tablename__ = "kb_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
