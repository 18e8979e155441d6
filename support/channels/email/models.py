"""Inbound mail as received: the raw bytes are committed before the SMTP server answers 250."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from support.database import utcnow
from support.extensions import db

# pending: stored, not yet turned into anything; processed: a ticket or a reply; ignored: auto-mail, logged only;
# quarantined: could not be turned into a ticket, an administrator decides.
INBOUND_STATES = ("pending", "processed", "ignored", "quarantined")


class InboundMail(db.Model):
    __tablename__ = "inbound_mail"
    __table_args__ = (Index("ix_inbound_mail_state", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The Message-ID header, or "sha256:<hex of the bytes>" when there is none: a resend is the same row.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(default=0)
    envelope_from: Mapped[str] = mapped_column(String(320), default="")
    envelope_to: Mapped[list[str]] = mapped_column(JSON, default=list)
    client_address: Mapped[str] = mapped_column(String(64), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(12), default="pending")
    reason: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(String(200), default="")  # decoded, for the quarantine list
    from_address: Mapped[str] = mapped_column(String(320), default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    processed_at: Mapped[datetime | None]
    raw_purged_at: Mapped[datetime | None]  # the bytes were emptied by the retention rule (the row stays)
