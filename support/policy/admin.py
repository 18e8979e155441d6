"""Who may use the admin area and their own profile."""

from __future__ import annotations

from support.policy.actors import is_admin, is_authenticated


def _admin_only(user, _obj=None) -> bool:
    return is_admin(user)


def _own_profile(user, obj=None) -> bool:
    return is_authenticated(user) and (obj is None or obj.id == user.id or is_admin(user))


def _remove_membership(user, membership) -> bool:
    """An administrator removes groups and roles, but not their own admin role: the last administrator could
    otherwise lock everyone out of the admin area with one click."""
    if not is_admin(user) or membership is None:
        return False
    return not (getattr(membership, "role", None) == "admin" and membership.user_id == user.id)


def _deactivate(user, person) -> bool:
    """An administrator switches accounts off, but never their own (the same lock-out)."""
    return is_admin(user) and person is not None and person.id != user.id


RULES = {
    "admin.access": _admin_only,
    "admin.users": _admin_only,
    "admin.outbox": _admin_only,
    "admin.inbound_mail": _admin_only,  # the inbound quarantine shows whole mails, so administrators only
    "admin.organisation": _admin_only,
    "admin.remove_membership": _remove_membership,  # `obj` is the GroupMembership or RoleAssignment
    "admin.deactivate": _deactivate,  # `obj` is the person switched off
    "profile.view": _own_profile,
    "profile.edit": _own_profile,
    # Personal tokens act as their owner, so only the owner issues and revokes them (not even an admin).
    "profile.api_tokens": lambda user, obj=None: is_authenticated(user) and (obj is None or obj.id == user.id),
}
