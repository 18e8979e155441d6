"""Who may publish announcements (driftinformation) and who may read staff-only ones (issue 13, Safety).

- Agents and admins publish, change and end announcements, link tickets to an incident and answer the linked
  tickets at once; everyone else only reads.
- A public announcement may be read by anyone, signed in or not (the status page and its feed are public).
- A staff-only (internal) announcement is read only by staff: superusers, coordinators, agents, knowledge-base
  editors and admins. Guardians, students, pedagogues and administrators never see one, nor do anonymous visitors.
"""

from __future__ import annotations

from support.policy.actors import roles_of

PUBLISHERS = {"agent", "admin"}
INTERNAL_READERS = {"superuser", "coordinator", "agent", "kb_editor", "admin"}


def may_publish(user, _obj=None) -> bool:
    return bool(roles_of(user) & PUBLISHERS)


def reads_internal(user) -> bool:
    return bool(roles_of(user) & INTERNAL_READERS)


def _view(user, announcement) -> bool:
    if announcement is None:
        return False
    return not announcement.internal or reads_internal(user)


def _link_ticket(user, ticket) -> bool:
    """Link `ticket` to an incident: a publisher who may read the ticket's internal side."""
    from support.policy import can

    return ticket is not None and may_publish(user) and can(user, "ticket.view_internal", ticket)


RULES = {
    "announcement.publish": may_publish,  # create, change, end; `obj` is the announcement or None
    "announcement.view": _view,  # `obj` is the announcement (or a cached snapshot of one)
    "announcement.view_internal": lambda user, _obj=None: reads_internal(user),
    "announcement.link_ticket": _link_ticket,  # `obj` is the ticket
}
