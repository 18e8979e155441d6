"""Accounts: creating people, giving them groups and roles, signing in safely and resetting passwords."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from support.accounts.models import (
    SCHOOL_ROLES,
    STAFF_ROLES,
    USER_GROUPS,
    ApiToken,
    GroupMembership,
    RoleAssignment,
    User,
)
from support.database import utcnow
from support.extensions import db
from support.orgs.models import School

MIN_PASSWORD_LENGTH = 4  # the demo password is short; production accounts come from single sign-on


@functools.cache
def _unknown_user_hash(method: str) -> str:
    """A real hash of a random string, checked for unknown e-mails so their timing matches known ones."""
    return generate_password_hash(secrets.token_hex(8), method=method)


class AccountError(ValueError):
    """Input an administrator or user can fix; the message is shown to them."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def resolve_school(slug: str | None) -> School | None:
    if not slug:
        return None
    school = db.session.scalar(select(School).where(School.slug == slug))
    if school is None:
        raise AccountError(f"Okänd skola: {slug}")
    return school


def parse_membership(spec: str) -> tuple[str, str | None]:
    """`pedagogue:ekbackaskolan` → ("pedagogue", "ekbackaskolan"); `agent` → ("agent", None)."""
    name, _, slug = spec.partition(":")
    return name.strip(), (slug.strip() or None)


def create_user(
    email: str,
    name: str,
    password: str | None = None,
    *,
    groups: list[tuple[str, str | None]] = (),
    roles: list[tuple[str, str | None]] = (),
    locale: str = "sv",
) -> User:
    """Create a person with their groups and roles (each optionally at a school, given by slug)."""
    email = normalize_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError("Ange en giltig e-postadress.")
    if not name.strip():
        raise AccountError("Ange ett namn.")
    if find_user_by_email(email) is not None:
        raise AccountError(f"Det finns redan en användare med e-postadressen {email}.")
    user = User(email=email, name=name.strip()[:200], locale=locale, active=True)
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    for group, slug in groups:
        add_group(user, group, slug)
    for role, slug in roles:
        add_role(user, role, slug)
    return user


def add_group(user: User, group: str, school_slug: str | None = None) -> GroupMembership:
    if group not in USER_GROUPS:
        raise AccountError(f"Okänd användargrupp: {group} (giltiga: {', '.join(USER_GROUPS)})")
    school = resolve_school(school_slug)
    school_id = school.id if school else None
    for existing in user.groups:
        if existing.group == group and existing.school_id == school_id:
            return existing
    membership = GroupMembership(group=group, school=school)
    user.groups.append(membership)
    return membership


def add_role(user: User, role: str, school_slug: str | None = None) -> RoleAssignment:
    if role not in STAFF_ROLES:
        raise AccountError(f"Okänd roll: {role} (giltiga: {', '.join(STAFF_ROLES)})")
    school = resolve_school(school_slug)
    if role in SCHOOL_ROLES and school is None:
        raise AccountError(f"Rollen {role} måste knytas till en skola (t.ex. {role}:ekbackaskolan).")
    school_id = school.id if school else None
    for existing in user.roles:
        if existing.role == role and existing.school_id == school_id:
            existing.active = True
            return existing
    assignment = RoleAssignment(role=role, school=school, active=True)
    user.roles.append(assignment)
    return assignment


def remove_membership(user: User, kind: str, membership_id: int) -> None:
    collection = user.groups if kind == "group" else user.roles
    for item in list(collection):
        if item.id == membership_id:
            collection.remove(item)
            return
    raise AccountError("Medlemskapet finns inte.")


def set_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Lösenordet måste ha minst {MIN_PASSWORD_LENGTH} tecken.")
    user.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@dataclass
class LoginResult:
    user: User | None = None
    error: str | None = None  # invalid | locked
    locked_until: datetime | None = None


def authenticate(email: str, password: str) -> LoginResult:
    """Check a password; count failures and lock the account for a while after too many."""
    config = current_app.config
    user = find_user_by_email(email)
    now = utcnow()
    if user is None or not user.password_hash or not user.active:
        check_password_hash(_unknown_user_hash(config["PASSWORD_HASH_METHOD"]), password)
        return LoginResult(error="invalid")
    if user.locked_until and user.locked_until > now:
        return LoginResult(error="locked", locked_until=user.locked_until)
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"])
            user.failed_logins = 0
            db.session.commit()
            return LoginResult(error="locked", locked_until=user.locked_until)
        db.session.commit()
        return LoginResult(error="invalid")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.commit()
    return LoginResult(user=user)


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _password_fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def make_reset_token(user: User) -> str:
    """A signed, expiring link token that stops working once the password changes (single use)."""
    return _reset_serializer().dumps({"uid": user.id, "fp": _password_fingerprint(user)})


class ResetTokenError(AccountError):
    pass


def user_for_reset_token(token: str) -> User:
    try:
        data = _reset_serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired as error:
        raise ResetTokenError(_l("Länken har gått ut. Begär en ny länk för att återställa lösenordet.")) from error
    except BadSignature as error:
        raise ResetTokenError(_l("Länken är ogiltig. Begär en ny länk för att återställa lösenordet.")) from error
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.active or data.get("fp") != _password_fingerprint(user):
        raise ResetTokenError(_l("Länken har redan använts eller är ogiltig. Begär en ny länk."))
    return user


def issue_api_token(user: User, name: str) -> str:
    """Create a personal API token; the returned secret is shown once and only its hash is kept."""
    token = "sk_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, name=name[:100] or "API", token_hash=ApiToken.hash(token)))
    return token


def user_for_api_token(token: str) -> User | None:
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token), ApiToken.revoked.is_(False))
    )
    if row is None or not row.user.active:
        return None
    row.last_used_at = utcnow()
    return row.user
