"""Facts about the actor that every rule needs; the rules, not callers, interpret them."""

from __future__ import annotations


def is_authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def roles_of(user) -> set[str]:
    if not is_authenticated(user):
        return set()
    return {r.role for r in user.roles if r.active}


def groups_of(user) -> set[str]:
    if not is_authenticated(user):
        return set()
    return {m.group for m in user.groups}


def has_role(user, role: str) -> bool:
    return role in roles_of(user)


def is_admin(user) -> bool:
    return has_role(user, "admin")


def superuser_school_ids(user) -> set[int]:
    if not is_authenticated(user):
        return set()
    return {r.school_id for r in user.roles if r.active and r.role == "superuser" and r.school_id}


def coordinated_administration_ids(user) -> set[int]:
    """The administrations this person coordinates the superusers of."""
    if not is_authenticated(user):
        return set()
    return {r.administration_id for r in user.roles
            if r.active and r.role == "coordinator" and r.administration_id}


class _ScheduledJob:
    """The worker acting on a rule it was given (an absence that starts or ends), not on anyone's behalf.

    It is not signed in, so every rule that asks for a person refuses it; only the ticket rules that route work
    (assign, escalate, deescalate) let it act, and nothing a request carries can become this object."""

    id = None
    name = "Skolsupport"
    is_authenticated = False
    is_active = False
    roles = ()
    groups = ()


SCHEDULED_JOB = _ScheduledJob()


def is_scheduled_job(user) -> bool:
    return user is SCHEDULED_JOB
