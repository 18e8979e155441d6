"""The superuser network: who is appointed where (with history), their training and their absences, and an
audit trail of every change to them.

A superuser's access still comes from their `RoleAssignment(role="superuser", school)`: an appointment is the
record of why and by whom that role exists, and removing the appointment ends the role.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from support.accounts.models import User
from support.database import utcnow
from support.extensions import db
from support.orgs.models import School

# The training programme (kb: superuser-training-programme). A refresher or the basic course keeps a superuser
# current; the network meeting and the per-system deep dive are recorded but do not.
TRAINING_MODULES = ("basic", "refresher", "network-meeting", "system-deep-dive")
CURRENT_KEEPING_MODULES = ("basic", "refresher")

STOCKHOLM = ZoneInfo("Europe/Stockholm")
EVENT_KINDS = ("appointed", "removed", "systems", "training", "away", "back", "handed_over", "given_back",
               "rollout")


class Appointment(db.Model):
    """One person appointed superuser at one school, from `appointed_at` until `removed_at` (null: still)."""

    __tablename__ = "superuser_appointments"
    __table_args__ = (Index("ix_superuser_appointments_school_current", "school_id", "removed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    systems: Mapped[list] = mapped_column(JSON, default=list)  # keys of support.tickets.models.SYSTEMS
    appointed_at: Mapped[datetime] = mapped_column(default=utcnow)
    appointed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    removed_at: Mapped[datetime | None]
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    school: Mapped[School] = relationship(lazy="joined")
    appointed_by: Mapped[User | None] = relationship(foreign_keys=[appointed_by_id])
    removed_by: Mapped[User | None] = relationship(foreign_keys=[removed_by_id])

    @property
    def is_current(self) -> bool:
        return self.removed_at is None


class TrainingRecord(db.Model):
    """A training module a person completed on a date (a deep dive names its system)."""

    __tablename__ = "superuser_training"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module: Mapped[str] = mapped_column(String(30))
    system: Mapped[str | None] = mapped_column(String(20))
    completed_on: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])


class Absence(db.Model):
    """A superuser away from `starts_on` to `ends_on` (both days included, Stockholm dates), optionally with a
    stand-in among the school's other superusers."""

    __tablename__ = "superuser_absences"
    __table_args__ = (Index("ix_superuser_absences_user_dates", "user_id", "ends_on", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    stand_in_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the worker handed the person's tickets over (the absence started) and gave the untouched ones back
    # (it ended); see support/network/handover.py.
    handed_over_at: Mapped[datetime | None]
    given_back_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    stand_in: Mapped[User | None] = relationship(foreign_keys=[stand_in_id], lazy="joined")

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


def today() -> date:
    """Absences and training are whole days in Stockholm."""
    return datetime.now(STOCKHOLM).date()


def away_user_ids(day: date | None = None):
    """A subquery of the people away on `day` (default today): tier-1 routing leaves them out."""
    day = day or today()
    return select(Absence.user_id).where(Absence.starts_on <= day, Absence.ends_on >= day)


class NetworkEvent(db.Model):
    """The audit log of the network: who changed which appointment, training record or absence, and when."""

    __tablename__ = "network_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="SET NULL"), index=True)
    detail: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    subject: Mapped[User | None] = relationship(foreign_keys=[subject_id])
    school: Mapped[School | None] = relationship()


class Rollout(db.Model):
    """One system of the platform at one school: live from `live_on` (a coming date is a planned go-live), in
    `wave` of the city's rollout, with the old system it replaces still running beside it until
    `legacy_until` (no date: no end decided yet)."""

    __tablename__ = "school_rollouts"
    __table_args__ = (UniqueConstraint("school_id", "system"), Index("ix_school_rollouts_live_on", "live_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    system: Mapped[str] = mapped_column(String(20))  # a key of support.tickets.models.SYSTEMS
    live_on: Mapped[date]
    wave: Mapped[str] = mapped_column(String(40), default="")
    legacy_system: Mapped[str] = mapped_column(String(80), default="")
    legacy_until: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    school: Mapped[School] = relationship()
