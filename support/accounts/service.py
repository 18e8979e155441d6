"""Accounts: creating people, giving them groups and roles, signing in safely and resetting passwords."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import and_, func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from support.accounts import throttle
from support.accounts.models import (
    ADMINISTRATION_ROLES,
    SCHOOL_ROLES,
    STAFF_ROLES,
    USER_GROUPS,
    ApiToken,
    GroupMembership,
    RoleAssignment,
    User,
)
from support.accounts.notifications import build_password_reset, send_password_reset
from support.accounts.phone_numbers import searched_phone_digits
from support.database import utcnow
from support.extensions import db
from support.orgs.models import Administration, School

MIN_PASSWORD_LENGTH = 12  # OWASP ASVS 4.0 level 2 (2.1.1); only the demo's documented password is shorter


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


MAX_SEARCH_WORDS = 5


def people_matching(text: str):
    """A SQL clause over users for a person search: the digits of a phone number however it is typed, or else
    every word (two characters or more) in the name or the e-mail address; None when there is nothing to look for.
    Who may be found is the policy's business (`findable_people`), not this clause's."""
    text = (text or "").strip()[:200]
    digits = searched_phone_digits(text)
    if digits is not None:
        return User.phone_digits.contains(digits, autoescape=True)
    words = [word for word in text.lower().split() if len(word) >= 2][:MAX_SEARCH_WORDS]
    if not words:
        return None
    return and_(*(or_(func.lower(User.name).contains(word, autoescape=True),
                      func.lower(User.email).contains(word, autoescape=True)) for word in words))


def mark_email_failing(address: str, detail: str) -> User | None:
    """A delivery report says mail to `address` failed: staff see it on the person and on their tickets.
    Returns the user, or None when nobody has that address."""
    user = find_user_by_email(address)
    if user is None:
        return None
    if user.email_failing_since is None:
        user.email_failing_since = utcnow()
    user.email_failure = " ".join(detail.split())[:300]
    return user


def resolve_school(slug: str | None) -> School | None:
    if not slug:
        return None
    school = db.session.scalar(select(School).where(School.slug == slug))
    if school is None:
        raise AccountError(f"Okänd skola: {slug}")
    return school


def resolve_administration(key: str | None) -> Administration | None:
    """An administration by slug (`bromma`) or by id (`3`)."""
    if not key:
        return None
    condition = Administration.slug == key
    if key.isascii() and key.isdigit() and len(key) < 10:
        condition = condition | (Administration.id == int(key))
    administration = db.session.scalar(select(Administration).where(condition))
    if administration is None:
        raise AccountError(f"Okänd förvaltning: {key}")
    return administration


def scope_of(membership: str) -> str | None:
    """What a group or role is tied to: "school" (required), "administration" (required) or None (a school is
    optional)."""
    if membership in SCHOOL_ROLES:
        return "school"
    if membership in ADMINISTRATION_ROLES:
        return "administration"
    return None


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
        raise AccountError(_l("Det finns redan en användare med e-postadressen %(email)s.", email=email))
    user = User(email=email, name=name.strip()[:200], locale=locale, active=True)
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    for group, slug in groups:
        add_group(user, group, slug)
    for role, slug in roles:
        add_role(user, role, slug)
    return user


def add_membership(user: User, name: str, scope: str | None = None) -> GroupMembership | RoleAssignment:
    """A user group or a staff role by its key (the keys never overlap), tied to the school or administration
    `scope` names (a slug)."""
    if name in USER_GROUPS:
        return add_group(user, name, scope)
    return add_role(user, name, scope)


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


def add_role(user: User, role: str, scope: str | None = None) -> RoleAssignment:
    """Give a staff role; `scope` is the school's slug for school roles, the administration's slug or id for
    administration roles (a coordinator), and ignored for city-wide roles only when empty."""
    if role not in STAFF_ROLES:
        raise AccountError(f"Okänd roll: {role} (giltiga: {', '.join(STAFF_ROLES)})")
    school = administration = None
    if role in ADMINISTRATION_ROLES:
        administration = resolve_administration(scope)
        if administration is None:
            raise AccountError(f"Rollen {role} måste knytas till en förvaltning (t.ex. {role}:bromma).")
    else:
        school = resolve_school(scope)
    if role in SCHOOL_ROLES and school is None:
        raise AccountError(f"Rollen {role} måste knytas till en skola (t.ex. {role}:ekbackaskolan).")
    school_id = school.id if school else None
    administration_id = administration.id if administration else None
    for existing in user.roles:
        if (existing.role == role and existing.school_id == school_id
                and existing.administration_id == administration_id):
            existing.active = True
            return existing
    assignment = RoleAssignment(role=role, school=school, administration=administration, active=True)
    user.roles.append(assignment)
    return assignment


def remove_membership(user: User, kind: str, membership_id: int) -> None:
    collection = user.groups if kind == "group" else user.roles
    for item in list(collection):
        if item.id == membership_id:
            collection.remove(item)
            return
    raise AccountError("Medlemskapet finns inte.")


def set_password(user: User, password: str, *, minimum_length: int = MIN_PASSWORD_LENGTH) -> None:
    """Set a new password; every session and remember cookie of the person ends with the old one."""
    if len(password) < minimum_length:
        raise AccountError(f"Lösenordet måste ha minst {minimum_length} tecken.")
    user.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Sign the person out everywhere: sessions and remember cookies carry the generation this replaces."""
    user.session_generation = (user.session_generation or 0) + 1


def set_active(user: User, active: bool) -> None:
    if user.active and not active:
        end_sessions(user)
    user.active = active


def user_for_session(session_id: str) -> User | None:
    """The person a session or remember cookie names (`<id>:<generation>`), while that generation is current."""
    user_id, _, generation = str(session_id).partition(":")
    if not (user_id.isascii() and user_id.isdigit() and generation.isascii() and generation.isdigit()):
        return None
    if len(user_id) > 10 or len(generation) > 10:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or (user.session_generation or 0) != int(generation):
        return None
    return user


@dataclass
class LoginResult:
    user: User | None = None
    error: str | None = None  # invalid | throttled


def authenticate(email: str, password: str) -> LoginResult:
    """Check a password. Too many wrong ones slow that address down (see throttle); no account is locked.

    Unknown addresses get the same answers and a real hash check, so neither the answer nor its timing tells
    whether an account exists.
    """
    if not throttle.may_try(email):
        return LoginResult(error="throttled")
    user = find_user_by_email(email)
    if user is None or not user.password_hash or not user.active:
        check_password_hash(_unknown_user_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        throttle.record_failure(email)
        return LoginResult(error="invalid")
    if not check_password_hash(user.password_hash, password):
        throttle.record_failure(email)
        return LoginResult(error="invalid")
    throttle.record_success(email)
    user.last_login_at = utcnow()
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


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address has an active account, at most a few an hour per address.

    An unknown address costs the same work (a token and a rendered mail that is then dropped), so neither the
    answer nor its timing tells whether an account exists.
    """
    if not throttle.may_send_reset(email):
        return
    user = find_user_by_email(email)
    if user is not None and user.active:
        send_password_reset(user, make_reset_token(user))
    else:
        stand_in = User(id=0, email=normalize_email(email)[:254], name="", session_generation=0)
        build_password_reset(stand_in, make_reset_token(stand_in))


MAX_ACTIVE_API_TOKENS = 10
# "Last used" is shown to the minute's use a person needs; writing it on every call would put a write on every read.
API_TOKEN_USE_RESOLUTION = timedelta(minutes=5)


def issue_api_token(user: User, name: str) -> str:
    """Create a personal API token; the returned secret is shown once and only its hash is kept."""
    active = db.session.scalar(select(func.count()).select_from(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked.is_(False)))
    if user.id is not None and active >= MAX_ACTIVE_API_TOKENS:
        raise AccountError(_l("Du har redan %(count)d aktiva API-nycklar. Återkalla en som du inte använder.",
                              count=MAX_ACTIVE_API_TOKENS))
    token = "sk_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, name=name.strip()[:100] or "API", token_hash=ApiToken.hash(token)))
    return token


def api_tokens_of(user: User) -> list[ApiToken]:
    """The person's tokens, newest first, revoked ones included so the list tells the whole story."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def revoke_api_token(user: User, token_id: int) -> ApiToken:
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise AccountError(_l("API-nyckeln finns inte."))
    row.revoked = True
    return row


def user_for_api_token(token: str) -> User | None:
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token), ApiToken.revoked.is_(False))
    )
    if row is None or not row.user.active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= API_TOKEN_USE_RESOLUTION:
        row.last_used_at = now
    return row.user
