"""The network space: questions superusers and the desk ask each other, their replies, and the one marked as
the answer. Bodies are Markdown kept as written, with sanitised HTML rendered once when saved."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from support.accounts.models import User
from support.database import utcnow
from support.extensions import db


class NetworkThread(db.Model):
    """A question to the network, tagged with the system it is about."""

    __tablename__ = "network_threads"
    __table_args__ = (
        Index("ix_network_threads_last_post", "last_post_at", "id"),
        Index("ix_network_threads_system_open", "system", "solved_at", "reply_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    system: Mapped[str] = mapped_column(String(20))  # a key of support.tickets.models.SYSTEMS
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(default=utcnow)
    reply_count: Mapped[int] = mapped_column(default=0)
    solved_at: Mapped[datetime | None]
    solved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Lower-cased title, question and replies: what the space's search matches (LIKE per word).
    search_text: Mapped[str] = mapped_column(Text, default="")
    kb_article_id: Mapped[str | None] = mapped_column(String(80))  # the draft article made from the thread

    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="joined")
    solved_by: Mapped[User | None] = relationship(foreign_keys=[solved_by_id])
    posts: Mapped[list[NetworkPost]] = relationship(back_populates="thread", order_by="NetworkPost.id",
                                                    cascade="all, delete-orphan", passive_deletes=True)

    @property
    def is_solved(self) -> bool:
        return self.solved_at is not None


class NetworkPost(db.Model):
    """A reply in a thread; at most one per thread is the answer."""

    __tablename__ = "network_posts"
    __table_args__ = (Index("ix_network_posts_thread", "thread_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("network_threads.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    is_answer: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    thread: Mapped[NetworkThread] = relationship(back_populates="posts")
    author: Mapped[User | None] = relationship(lazy="joined")
