"""The one place that decides access: `can(user, action, obj)` and the query filters built on it.

Actions are named `<area>.<verb>` (`ticket.view`, `article.edit`, `admin.users`). Each area's rules live in a
module of this package and are imported only when that area is asked about, so the knowledge base can use the
policy without importing the ticket code.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from support.policy.actors import is_authenticated, roles_of

_AREA_MODULES = {
    "admin": "support.policy.admin",
    "announcement": "support.policy.announcements",
    "profile": "support.policy.admin",
    "article": "support.policy.kb",
    "kb": "support.policy.kb",
    "network": "support.policy.network",
    "space": "support.policy.space",
    "ticket": "support.policy.tickets",
}


class UnknownAction(LookupError):
    pass


def rule_for(action: str) -> Callable[..., bool]:
    area, _, _verb = action.partition(".")
    module_name = _AREA_MODULES.get(area)
    if module_name is None:
        raise UnknownAction(action)
    module = importlib.import_module(module_name)
    rule = module.RULES.get(action)
    if rule is None:
        raise UnknownAction(action)
    return rule


def can(user, action: str, obj=None) -> bool:
    """May `user` (a User, or Flask-Login's anonymous user, or None) do `action` to `obj`?"""
    return bool(rule_for(action)(user, obj))


__all__ = ["UnknownAction", "can", "is_authenticated", "roles_of", "rule_for"]
