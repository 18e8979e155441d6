"""Announcements (driftinformation): incident and change notices the service desk publishes, who they concern,
the tickets linked to an incident, and the history of every change.

Targets are lists of keys or ids (an empty list means "everyone" in that respect): active announcements are few,
so matching a person against them happens in Python on a cached list (support/network/announcements.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from support.accounts.models import User
from support.database import utcnow
from support.extensions import db

KINDS = ("incident", "change")
SEVERITIES = ("info", "minor", "major", "critical")
# Who an announcement can be aimed at: the user groups, and the superusers as a group of their own.
AUDIENCES = ("pedagogue", "guardian", "student", "administrator", "superuser")
EVENT_KINDS = ("published", "edited", "ended", "ticket_linked", "tickets_answered")


class Announcement(db.Model):
    """One incident (driftstörning) or planned change (planerad ändring), from `starts_at` until `ends_at` (null:
    ongoing) or until it is ended (`resolved_at`, with a note)."""

    __tablename__ = "announcements"
    __table_args__ = (Index("ix_announcements_resolved_ends", "resolved_at", "ends_at"),
                      Index("ix_announcements_updated", "updated_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")  # rendered and sanitised when the body changes
    severity: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    internal: Mapped[bool] = mapped_column(default=False)  # staff only: never public, never in the feed
    audiences: Mapped[list] = mapped_column(JSON, default=list)
    school_forms: Mapped[list] = mapped_column(JSON, default=list)
    administration_ids: Mapped[list] = mapped_column(JSON, default=list)
    school_ids: Mapped[list] = mapped_column(JSON, default=list)
    systems: Mapped[list] = mapped_column(JSON, default=list)
    # Rollout waves by name (support.network.models.Rollout.wave): the schools with a go-live in one of them.
    waves: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution_note: Mapped[str] = mapped_column(Text, default="")

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])


class AnnouncementTicket(db.Model):
    """A ticket an agent linked to an incident, so all of them can be answered at once when it ends."""

    __tablename__ = "announcement_tickets"
    __table_args__ = (UniqueConstraint("announcement_id", "ticket_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)


class AnnouncementEvent(db.Model):
    """The audit log of announcements: who published, changed or ended one, linked a ticket, and when."""

    __tablename__ = "announcement_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()
