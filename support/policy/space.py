"""Who may use the network space: questions and answers between superusers and the desk (issue 13, item 5).

- Superusers, agents, knowledge-base editors and admins read, ask and reply; the space is city-wide, so a
  superuser sees every school's questions. Editors are in because they turn good answers into articles.
- Coordinators (unless they are superusers too), pedagogues, guardians and students do not: threads talk about
  tickets and internal workarounds, and DESIGN.md gives coordinators no ticket content.
- The asker, agents and admins mark the answer; editors, agents and admins make a draft article from a thread.
- "Min dag" is a superuser's page: their schools' queue and their own numbers.
"""

from __future__ import annotations

from support.policy.actors import is_authenticated, roles_of

MEMBER_ROLES = frozenset({"superuser", "agent", "kb_editor", "admin"})
DESK_ROLES = frozenset({"agent", "admin"})
DRAFTING_ROLES = frozenset({"kb_editor", "agent", "admin"})


def _member(user, _obj=None) -> bool:
    return bool(roles_of(user) & MEMBER_ROLES)


def _mark_solved(user, thread) -> bool:
    if thread is None or not _member(user):
        return False
    return bool(roles_of(user) & DESK_ROLES) or thread.author_id == user.id


def _make_draft(user, thread) -> bool:
    return thread is not None and bool(roles_of(user) & DRAFTING_ROLES)


def _my_day(user, _obj=None) -> bool:
    return is_authenticated(user) and "superuser" in roles_of(user)


RULES = {
    "space.read": _member,  # the list, search and threads
    "space.ask": _member,
    "space.reply": _member,  # `obj` is the thread
    "space.mark_solved": _mark_solved,  # `obj` is the thread
    "space.make_draft": _make_draft,  # `obj` is the thread
    "space.my_day": _my_day,
}
