"""People and what they are: user-group memberships and staff roles, each tied to a school where that matters."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from support.accounts.phone_numbers import phone_digits
from support.database import utcnow
from support.extensions import db
from support.orgs.models import Administration, School

USER_GROUPS = ("pedagogue", "guardian", "student", "administrator")
STAFF_ROLES = ("superuser", "coordinator", "agent", "kb_editor", "admin")
# Roles that only make sense at a school, and roles scoped to one administration; the others are city-wide.
SCHOOL_ROLES = ("superuser",)
ADMINISTRATION_ROLES = ("coordinator",)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Null for people who only sign in through the city's identity provider or only write e-mail.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(String(5), default="sv")
    phone: Mapped[str] = mapped_column(String(40), default="")
    # `phone` as digits in one form (support/accounts/phone_numbers.py), kept by `_keep_phone_digits`, so
    # "070-123 45 67" and "+46 70 123 45 67" are one number to search for.
    phone_digits: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # Part of every session and remember cookie; raising it ends all of this person's sessions at once
    # (sign-out, new password, deactivation).
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    last_login_at: Mapped[datetime | None]
    # Set when a delivery report says mail to `email` failed; staff see it on the person and their tickets.
    email_failing_since: Mapped[datetime | None]
    email_failure: Mapped[str] = mapped_column(String(300), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # In the order given, on every database (listings and `users list --json` show them so).
    groups: Mapped[list[GroupMembership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", order_by="GroupMembership.id"
    )
    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", order_by="RoleAssignment.id"
    )

    @validates("phone")
    def _keep_phone_digits(self, _key, value):
        self.phone_digits = phone_digits(value)[:40]
        return value

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember cookie: the id and the session generation."""
        return f"{self.id}:{self.session_generation or 0}"

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else ""

    @property
    def group_names(self) -> set[str]:
        return {membership.group for membership in self.groups}

    @property
    def role_names(self) -> set[str]:
        return {assignment.role for assignment in self.roles}

    def has_group(self, group: str, school_id: int | None = None) -> bool:
        return any(
            m.group == group and (school_id is None or m.school_id == school_id) for m in self.groups
        )

    def has_role(self, role: str, school_id: int | None = None) -> bool:
        return any(
            r.role == role and (school_id is None or r.school_id == school_id) for r in self.roles
        )

    def school_ids_for_role(self, role: str) -> set[int]:
        return {r.school_id for r in self.roles if r.role == role and r.school_id is not None}

    @property
    def school_ids(self) -> set[int]:
        """Every school this person belongs to through a group or a role."""
        ids = {m.school_id for m in self.groups} | {r.school_id for r in self.roles}
        ids.discard(None)
        return ids

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class GroupMembership(db.Model):
    __tablename__ = "group_memberships"
    __table_args__ = (UniqueConstraint("user_id", "group", "school_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    group: Mapped[str] = mapped_column(String(20))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)

    user: Mapped[User] = relationship(back_populates="groups")
    school: Mapped[School | None] = relationship(lazy="joined")


class RoleAssignment(db.Model):
    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("user_id", "role", "school_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    # Set for roles scoped to one administration (a coordinator); school roles use school_id instead.
    administration_id: Mapped[int | None] = mapped_column(ForeignKey("administrations.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship(back_populates="roles")
    school: Mapped[School | None] = relationship(lazy="joined")
    administration: Mapped[Administration | None] = relationship(lazy="joined")

    @property
    def scope_slug(self) -> str | None:
        """The school's or administration's slug the role is tied to, as `support users` writes it."""
        place = self.school or self.administration
        return place.slug if place else None


class ApiToken(db.Model):
    """A personal API token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class ExternalIdentity(db.Model):
    """A link from an identity provider's subject (OpenID Connect `sub`) to a user, for single sign-on."""

    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(255))

    user: Mapped[User] = relationship()
