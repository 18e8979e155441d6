"""Ticket models: tickets, their messages, attachments, history, routing rules, SLA targets and friends.

Requesters are always `User` rows. Someone who writes without an account (an e-mail or phone contact) gets a
User without a password (`password_hash` is null); they cannot sign in until they claim the account through a
password reset, and the policy treats them like any requester.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from support.database import utcnow
from support.extensions import db

CHANNELS = ("web", "email", "phone", "api")
STATES = ("new", "open", "pending", "resolved", "closed")
ACTIVE_STATES = ("new", "open", "pending")  # still needs work (or an answer from the requester)
PRIORITIES = ("low", "normal", "high", "urgent")
PRIORITY_RANK = {"low": 1, "normal": 2, "high": 3, "urgent": 4}
PRIORITY_LABELS = {"low": "Låg", "normal": "Normal", "high": "Hög", "urgent": "Akut"}  # as mail names them
REOPEN_DAYS = 7  # a resolved (or auto-closed) ticket can be reopened this many days after its resolution
TIERS = (1, 2, 3)
# The longest subject and text a ticket or message takes, through every channel; forms read them for maxlength.
MAX_SUBJECT = 200
MAX_BODY = 20_000
MESSAGE_KINDS = ("public", "internal")
SYSTEMS = ("login", "schedule", "attendance", "documentation", "assessment", "teams", "startpage", "app",
           "messages", "general")

# The partial-index predicate for "still in some queue"; kept as SQL text so it is the same on both databases.
_ACTIVE_SQL = text("state IN ('new', 'open', 'pending')")
_OPEN_SQL = text("state IN ('new', 'open')")  # the SLA clock runs


class Ticket(db.Model):
    """One ticket (ärende). `number` is what people see (`#1234`); `id` never leaves the database."""

    __tablename__ = "tickets"
    __table_args__ = (
        # Keyset-paginated queue queries; each index matches one queue's WHERE + ORDER BY (see queues.py).
        Index("ix_tickets_tier_due", "tier", "sla_due_at", "id", postgresql_where=_ACTIVE_SQL,
              sqlite_where=_ACTIVE_SQL),
        Index("ix_tickets_assignee_due", "assignee_id", "sla_due_at", "id", postgresql_where=_ACTIVE_SQL,
              sqlite_where=_ACTIVE_SQL),
        Index("ix_tickets_school_tier_due", "school_id", "tier", "sla_due_at", "id",
              postgresql_where=_ACTIVE_SQL, sqlite_where=_ACTIVE_SQL),
        Index("ix_tickets_system_tier_due", "system", "tier", "sla_due_at", "id",
              postgresql_where=_ACTIVE_SQL, sqlite_where=_ACTIVE_SQL),
        Index("ix_tickets_state_due", "state", "sla_due_at", "id", postgresql_where=_ACTIVE_SQL,
              sqlite_where=_ACTIVE_SQL),
        Index("ix_tickets_open_due", "sla_due_at", "id", postgresql_where=_OPEN_SQL, sqlite_where=_OPEN_SQL),
        Index("ix_tickets_state_updated", "state", "updated_at", "id"),
        Index("ix_tickets_requester_created", "requester_id", "created_at", "id"),
        Index("ix_tickets_created", "created_at", "id"),
        # Every ticket of a school / of an assignee, whatever its state (search for superusers, reports).
        Index("ix_tickets_school", "school_id", "created_at"),
        Index("ix_tickets_assignee", "assignee_id", "created_at"),
        # A form token or Idempotency-Key is the creator's own: another person's equal key makes a new ticket.
        UniqueConstraint("created_by_id", "idempotency_key", name="uq_tickets_creator_idempotency_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(10), default="web")
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    user_group: Mapped[str | None] = mapped_column(String(20))  # the requester's group this ticket is about
    system: Mapped[str] = mapped_column(String(20), default="general")
    school_form: Mapped[str | None] = mapped_column(String(40))
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    priority_rank: Mapped[int] = mapped_column(default=2)  # PRIORITY_RANK[priority], for sorting
    state: Mapped[str] = mapped_column(String(10), default="new")
    tier: Mapped[int] = mapped_column(default=2)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # SLA: due = created_at + target (+ business time spent pending), in business hours; see sla.py.
    first_response_due: Mapped[datetime]
    resolution_due: Mapped[datetime]
    sla_due_at: Mapped[datetime]  # the next due time that matters (first response, then resolution)
    sla_paused_seconds: Mapped[int] = mapped_column(default=0)  # business seconds spent in `pending`
    pending_since: Mapped[datetime | None]
    first_response_breached: Mapped[bool] = mapped_column(default=False)
    resolution_breached: Mapped[bool] = mapped_column(default=False)
    rating_score: Mapped[int | None]
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime | None]
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)  # e.g. ["personnummer"]
    # Double-submit protection and e-mail de-duplication.
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    source_message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # Message-ID of the first notification; every later mail about this ticket threads on it.
    thread_message_id: Mapped[str] = mapped_column(String(255), unique=True)
    # Subject + every message body, kept by the service for full-text search (see search.py); the public text is
    # the subject and the public messages only, what a requester may read and so the most their search may match.
    search_text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    public_search_text: Mapped[str] = mapped_column(Text, default="", deferred=True)

    requester = relationship("User", foreign_keys=[requester_id], lazy="joined")
    assignee = relationship("User", foreign_keys=[assignee_id], lazy="joined")
    created_by = relationship("User", foreign_keys=[created_by_id])
    school = relationship("School", lazy="joined")
    merged_into: Mapped[Ticket | None] = relationship(remote_side=[id])
    messages: Mapped[list[Message]] = relationship(
        back_populates="ticket", order_by="Message.created_at, Message.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="ticket", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.created_at, TicketEvent.id", cascade="all, delete-orphan"
    )
    tag_links: Mapped[list[TicketTag]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", lazy="selectin", order_by="TicketTag.tag"
    )
    participant_links: Mapped[list[TicketParticipant]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def display_number(self) -> str:
        return f"#{self.number}"

    @property
    def tags(self) -> list[str]:
        return [link.tag for link in self.tag_links]

    @property
    def participants(self) -> list:
        """Everyone besides the requester who may follow the ticket (e.g. requesters of merged tickets)."""
        return [link.user for link in self.participant_links]

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def public_messages(self) -> list[Message]:
        return [m for m in self.messages if m.kind == "public"]

    def __repr__(self) -> str:
        return f"<Ticket #{self.number} {self.state} tier {self.tier}>"


def can_reopen(ticket: Ticket, now=None) -> bool:
    """Within REOPEN_DAYS of resolution a requester may reopen the ticket (the policy and the service both ask)."""
    if ticket.state not in ("resolved", "closed") or ticket.resolved_at is None or ticket.merged_into_id:
        return False
    return (now or utcnow()) - ticket.resolved_at <= timedelta(days=REOPEN_DAYS)


class TicketCounter(db.Model):
    """The last ticket number handed out; its row is locked while a number is taken (see service.next_number)."""

    __tablename__ = "ticket_counters"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class TicketTag(db.Model):
    __tablename__ = "ticket_tags"
    __table_args__ = (UniqueConstraint("ticket_id", "tag"), Index("ix_ticket_tags_tag", "tag", "ticket_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(40))

    ticket: Mapped[Ticket] = relationship(back_populates="tag_links")


class TicketParticipant(db.Model):
    """A further requester who follows a ticket (added when tickets are merged)."""

    __tablename__ = "ticket_participants"
    __table_args__ = (UniqueConstraint("ticket_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    ticket: Mapped[Ticket] = relationship(back_populates="participant_links")
    user = relationship("User", lazy="joined")


class Message(db.Model):
    """A public reply (seen by the requester) or an internal note (staff only)."""

    __tablename__ = "ticket_messages"
    __table_args__ = (Index("ix_ticket_messages_ticket", "ticket_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="public")
    channel: Mapped[str] = mapped_column(String(10), default="web")
    body: Mapped[str] = mapped_column(Text, default="")
    body_format: Mapped[str] = mapped_column(String(10), default="markdown")  # markdown (web) | text (e-mail)
    # An e-mail's HTML body, sanitised; shown on request in a sandboxed frame with remote images blocked.
    body_html: Mapped[str | None] = mapped_column(Text)
    email_message_id: Mapped[str | None] = mapped_column(String(255), index=True)  # inbound mail's Message-ID
    merged_from_number: Mapped[int | None]  # set on messages carried over by a merge
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    author = relationship("User", lazy="joined")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="message", order_by="Attachment.id")

    @property
    def is_internal(self) -> bool:
        return self.kind == "internal"


class Attachment(db.Model):
    """A file on a ticket. The bytes live under ATTACHMENT_DIR by SHA-256 (see attachments.py)."""

    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_messages.id", ondelete="SET NULL"),
                                                   index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120), default="application/octet-stream")
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # Set for files that arrived by e-mail and were kept in quarantine (never served): e.g. ["dangerous"].
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # An e-mail part's Content-ID: the message's HTML body shows this file where it says cid:<content_id>.
    content_id: Mapped[str] = mapped_column(String(255), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="attachments")
    message: Mapped[Message | None] = relationship(back_populates="attachments")

    @property
    def is_dangerous(self) -> bool:
        return "dangerous" in (self.flags or [])


class TicketEvent(db.Model):
    """One line of a ticket's history: who changed what from what to what, and when."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        Index("ix_ticket_events_ticket", "ticket_id", "created_at"),
        Index("ix_ticket_events_actor_kind", "actor_id", "kind", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # created, state, priority, assignee, tier, school, escalated, deescalated, merged, merged_into, reply, note,
    # tags, rated, reopened, sla_breach, auto_closed, attachment
    kind: Mapped[str] = mapped_column(String(30))
    old_value: Mapped[str] = mapped_column(String(255), default="")
    new_value: Mapped[str] = mapped_column(String(255), default="")
    detail: Mapped[str] = mapped_column(Text, default="")  # e.g. the escalation reason
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    actor = relationship("User", lazy="joined")


class TicketPresence(db.Model):
    """Heartbeats of people who have a ticket open, to warn "someone else is replying right now"."""

    __tablename__ = "ticket_presence"
    __table_args__ = (UniqueConstraint("ticket_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    replying: Mapped[bool] = mapped_column(default=False)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User", lazy="joined")


class RoutingRule(db.Model):
    """Admin-editable routing: the first active rule (lowest position) whose conditions all match decides.

    A null condition matches anything. `tier` 1 means the school's superusers (falls back to tier 2 when the
    ticket has no school or the school has no active superuser), 2 the central service desk, 3 the system's
    management queue.
    """

    __tablename__ = "ticket_routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=100)
    user_group: Mapped[str | None] = mapped_column(String(20))
    system: Mapped[str | None] = mapped_column(String(20))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    channel: Mapped[str | None] = mapped_column(String(10))
    tier: Mapped[int] = mapped_column(default=2)
    priority: Mapped[str | None] = mapped_column(String(10))  # optional priority to set on matching tickets
    description: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)

    school = relationship("School", lazy="joined")


class SlaTarget(db.Model):
    """First-response and resolution targets of one priority, in business minutes."""

    __tablename__ = "ticket_sla_targets"

    priority: Mapped[str] = mapped_column(String(10), primary_key=True)
    first_response_minutes: Mapped[int]
    resolution_minutes: Mapped[int]


class TicketSetting(db.Model):
    """Small admin-editable settings of the ticket area (e.g. business hours), one JSON value per key."""

    __tablename__ = "ticket_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON, default=dict)


class CannedResponse(db.Model):
    """A reusable reply with placeholders such as {{ requester.first_name }} and {{ ticket.number }}."""

    __tablename__ = "ticket_canned_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    system: Mapped[str | None] = mapped_column(String(20))  # suggested first for tickets about this system
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationPreference(db.Model):
    """A user's opt-out of one non-essential notification category (see notifications.OPTIONAL_CATEGORIES)."""

    __tablename__ = "ticket_notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(default=True)


class AccessLog(db.Model):
    """Audit log: every time an administrator opens a ticket (DESIGN.md, "Who may see what")."""

    __tablename__ = "ticket_access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    via: Mapped[str] = mapped_column(String(20), default="web")  # web | api | cli
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")
