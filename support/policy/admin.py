"""Who may use the admin area and their own profile."""

from __future__ import annotations

from support.policy.actors import is_admin, is_authenticated


def _admin_only(user, _obj=None) -> bool:
    return is_admin(user)


def _own_profile(user, obj=None) -> bool:
    return is_authenticated(user) and (obj is None or obj.id == user.id or is_admin(user))


RULES = {
    "admin.access": _admin_only,
    "admin.users": _admin_only,
    "admin.outbox": _admin_only,
    "admin.inbound_mail": _admin_only,  # the inbound quarantine shows whole mails, so administrators only
    "admin.organisation": _admin_only,
    "profile.view": _own_profile,
    "profile.edit": _own_profile,
    # Personal tokens act as their owner, so only the owner issues and revokes them (not even an admin).
    "profile.api_tokens": lambda user, obj=None: is_authenticated(user) and (obj is None or obj.id == user.id),
}
