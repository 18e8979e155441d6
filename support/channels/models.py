"""Channel-side records that are not tickets: knowledge-base suggestions a requester opened instead of sending."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from support.database import utcnow
from support.extensions import db


class Deflection(db.Model):
    """A suggested article opened from the new-ticket form.

    It counts as a deflection while `ticket_number` is empty: the person read the article and left. When the same
    form (same `form_key`) is sent after all, the service fills in the ticket number and it no longer counts.
    """

    __tablename__ = "channel_deflections"
    __table_args__ = (Index("ix_channel_deflections_opened", "opened_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    article_id: Mapped[str] = mapped_column(String(80), index=True)
    query: Mapped[str] = mapped_column(String(200), default="")
    form_key: Mapped[str] = mapped_column(String(100), index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    ticket_number: Mapped[int | None]

    @property
    def deflected(self) -> bool:
        return self.ticket_number is None
