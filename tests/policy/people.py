"""People and tickets in memory, for policy rules that need no database: `person(groups=["guardian:1"],
roles=["superuser:1"])` holds what a signed-in User would."""

from __future__ import annotations

from itertools import count
from types import SimpleNamespace

from support.accounts.models import GroupMembership, RoleAssignment, User

_ids = count(1000)


def person(*, groups=(), roles=(), active=True, inactive_roles=()) -> User:
    """`groups`/`roles` as "key" or "key:<school id>"; `inactive_roles` are held but switched off."""
    user = User(id=next(_ids), email="", name="", active=active)
    user.email = f"person{user.id}@example.com"
    for text in groups:
        group, _, school = text.partition(":")
        user.groups.append(GroupMembership(id=next(_ids), user_id=user.id, group=group,
                                           school_id=int(school) if school else None))
    for text, on in [*((text, True) for text in roles), *((text, False) for text in inactive_roles)]:
        role, _, school = text.partition(":")
        user.roles.append(RoleAssignment(id=next(_ids), user_id=user.id, role=role, active=on,
                                         school_id=int(school) if school else None))
    return user


def ticket(*, requester=None, tier=2, school_id=None, assignee=None, participants=()):
    return SimpleNamespace(id=next(_ids), requester_id=getattr(requester, "id", None), tier=tier,
                           school_id=school_id, assignee_id=getattr(assignee, "id", None), merged_into_id=None,
                           participant_links=[SimpleNamespace(user_id=p.id) for p in participants])


ANONYMOUS = None
