"""Who may do what with tickets (DESIGN.md "Who may see what"); binding for every page, API call, list and count.

- Requesters (any user group, and contacts without an account) see only their own tickets — the ones they asked,
  or follow after a merge — and never internal notes.
- A superuser sees every ticket of their schools while it is at tier 1, and the ones they escalated themselves
  (read and reply; acting on them again needs them back at tier 1), plus any ticket assigned to them.
- An agent sees every ticket at tier 2 and 3, and any ticket assigned to them.
- An administrator sees everything; `logs_access` tells callers to write each access to the audit log.

`visible_tickets(user)` is the same rule as a SQL clause for `select(Ticket).where(visible_tickets(user))`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, false, or_, select, true

from support.policy.actors import is_admin, is_authenticated, is_scheduled_job, roles_of, superuser_school_ids


def _tickets():
    from support.tickets import models

    return models


TICKET_STAFF_ROLES = frozenset({"superuser", "agent", "admin"})
SERVICE_DESK_ROLES = frozenset({"agent", "admin"})


def is_ticket_staff(user) -> bool:
    """Superusers, agents and administrators work tickets (the workspace, internal notes, the phone channel)."""
    return bool(roles_of(user) & TICKET_STAFF_ROLES)


def works_service_desk(user) -> bool:
    """Agents and administrators work the service desk's queues (tiers 2 and 3) and see most tickets."""
    return bool(roles_of(user) & SERVICE_DESK_ROLES)


def _is_requester(user, ticket) -> bool:
    if not is_authenticated(user) or ticket is None:
        return False
    return ticket.requester_id == user.id or any(link.user_id == user.id for link in ticket.participant_links)


def _escalated_by(user, ticket) -> bool:
    from support.extensions import db

    models = _tickets()
    return db.session.scalar(select(models.TicketEvent.id).where(
        models.TicketEvent.ticket_id == ticket.id, models.TicketEvent.actor_id == user.id,
        models.TicketEvent.kind == "escalated").limit(1)) is not None


def _staff_may_act(user, ticket) -> bool:
    """May work the ticket as staff: it is in one of their queues or assigned to them."""
    if not is_authenticated(user) or ticket is None:
        return False
    roles = roles_of(user)
    if "admin" in roles:
        return True
    if ticket.assignee_id == user.id and roles & {"agent", "superuser"}:
        return True
    if "agent" in roles and ticket.tier in (2, 3):
        return True
    return bool("superuser" in roles and ticket.tier == 1 and ticket.school_id in superuser_school_ids(user))


def _staff_may_view(user, ticket) -> bool:
    if _staff_may_act(user, ticket):
        return True
    return bool("superuser" in roles_of(user) and ticket.school_id in superuser_school_ids(user)
                and _escalated_by(user, ticket))


def _view(user, ticket) -> bool:
    return _is_requester(user, ticket) or _staff_may_view(user, ticket)


def _reply(user, ticket) -> bool:
    return ticket is not None and ticket.merged_into_id is None and _view(user, ticket)


def _note(user, ticket) -> bool:
    return ticket is not None and ticket.merged_into_id is None and _staff_may_view(user, ticket)


def _act(user, ticket) -> bool:
    return ticket is not None and ticket.merged_into_id is None and _staff_may_act(user, ticket)


def _escalate(user, ticket) -> bool:
    return _act(user, ticket) and ticket.tier < 3


def _deescalate(user, ticket) -> bool:
    roles = roles_of(user)
    return _act(user, ticket) and bool(roles & {"agent", "admin"}) and ticket.tier > 1


def _routed_by_job(rule):
    """`rule`, or the worker routing a live ticket on a rule of its own (an absent superuser's hand-over)."""
    def decide(user, ticket) -> bool:
        if is_scheduled_job(user):
            return ticket is not None and ticket.merged_into_id is None
        return rule(user, ticket)
    return decide


def _own(user, ticket) -> bool:
    return ticket is not None and ticket.merged_into_id is None and _is_requester(user, ticket)


def _reopen(user, ticket) -> bool:
    return ticket is not None and (_own(user, ticket) or _act(user, ticket)) and _tickets().can_reopen(ticket)


def _rate(user, ticket) -> bool:
    return _own(user, ticket) and ticket.state in ("resolved", "closed")


def _resolve_own(user, ticket) -> bool:
    return _own(user, ticket) and ticket.state in ("new", "open", "pending")


def _create(user, _obj=None) -> bool:
    return is_authenticated(user)


def _staff(user, _obj=None) -> bool:
    return is_ticket_staff(user)


def _choose_priority(user, priority) -> bool:
    """Staff rank tickets; a requester may only leave the default, so nobody jumps the queue by calling it urgent."""
    return is_ticket_staff(user) or priority in (None, "normal")


def _manage_canned(user, _obj=None) -> bool:
    return bool(roles_of(user) & {"agent", "admin"})


def _admin(user, _obj=None) -> bool:
    return is_admin(user)


def _assignable(user, ticket) -> bool:
    """May be pointed to the ticket: an agent or administrator, or a superuser of the ticket's school."""
    if ticket is None or not is_authenticated(user):
        return False
    roles = roles_of(user)
    return bool(roles & {"agent", "admin"}) or ticket.school_id in superuser_school_ids(user)


def _file_for(user, person) -> bool:
    """File a ticket in `person`'s name: oneself, or, for staff who log calls, the people they may find."""
    if not is_authenticated(user) or person is None:
        return False
    if person.id == user.id:
        return _create(user)
    return is_ticket_staff(user) and may_find_person(user, person)


def _file_at(user, school) -> bool:
    """Tie a ticket filed for someone else to `school`: agents and admins any school, a superuser their own."""
    if school is None or not is_ticket_staff(user):
        return False
    return bool(roles_of(user) & {"agent", "admin"}) or school.id in superuser_school_ids(user)


def _file_own_at(user, where) -> bool:
    """Tie one's own ticket to a school (`where` is (school, channel)): one of the schools one belongs to. By
    e-mail any school: each school's public address support+<school>@… may be written to by anyone (a parent
    whose child is new there, a supplier), and the address written to says which school the mail is about."""
    school, channel = where
    if school is None or channel == "email":
        return True
    return is_authenticated(user) and school.id in user.school_ids


def _attachment(user, attachment) -> bool:
    """Download an attachment: the ticket must be visible, and files of internal notes need internal access."""
    if attachment is None or attachment.is_dangerous:
        return False
    ticket = attachment.ticket
    if not _view(user, ticket):
        return False
    if attachment.message is not None and attachment.message.kind == "internal":
        return _staff_may_view(user, ticket)
    return True


RULES = {
    "ticket.view": _view,
    "ticket.reply": _reply,
    "ticket.note": _note,
    "ticket.view_internal": lambda user, ticket: ticket is not None and _staff_may_view(user, ticket),
    "ticket.assign": _routed_by_job(_act),
    "ticket.assignable": _assignable,  # `obj` is the ticket; asked about the person being assigned
    "ticket.change_state": _act,
    "ticket.set_priority": _act,
    "ticket.set_school": _act,
    "ticket.set_tags": _act,
    "ticket.escalate": _routed_by_job(_escalate),
    "ticket.deescalate": _routed_by_job(_deescalate),
    # Move to any tier or school of the requester's (each direction is still asked of escalate/deescalate).
    "ticket.move": _deescalate,
    "ticket.merge": _act,
    "ticket.rate": _rate,
    "ticket.reopen": _reopen,
    "ticket.resolve_own": _resolve_own,
    "ticket.attachment": _attachment,
    "ticket.create": _create,
    "ticket.choose_priority": _choose_priority,  # `obj` is the priority asked for on a new ticket
    "ticket.choose_tags": _staff,  # tags are the desk's own words; requesters neither set nor see them
    "ticket.log_call": _staff,
    "ticket.file_for": _file_for,  # `obj` is the person the ticket is filed for
    "ticket.file_at": _file_at,  # `obj` is the school of a ticket filed for someone else
    "ticket.file_own_at": _file_own_at,  # `obj` is (school, channel) of a ticket one files for oneself
    "ticket.add_contact": _staff,  # turn an unknown, validated address into a contact while filing
    "ticket.resolve_on_call": _staff,  # create a logged call already resolved
    "ticket.workspace": _staff,
    "ticket.canned": _staff,  # use canned responses
    "ticket.manage_canned": _manage_canned,
    "ticket.admin": _admin,  # routing rules, SLA targets, business hours
}


# What the creator of a new ticket may ask for beyond subject and text, and the action that must allow each.
CREATION_CHOICES = {"priority": "ticket.choose_priority", "tags": "ticket.choose_tags"}

# Fields of a ticket that only staff see: the desk's tags and flags and its SLA bookkeeping.
STAFF_TICKET_FIELDS = frozenset({"tags", "flags", "first_response_breached", "resolution_breached"})


def refused_creation_choices(user, choices: dict) -> list[str]:
    """The names in `choices` (field → value asked for; None means not asked) that `user` may not set."""
    return [name for name, value in choices.items()
            if value is not None and not RULES[CREATION_CHOICES[name]](user, value)]


def hidden_ticket_fields(user, ticket) -> frozenset[str]:
    """Fields of `ticket` that `user` must not be shown in any representation of it (pages, API)."""
    staff = ticket is not None and _staff_may_view(user, ticket)
    hidden = set() if staff else set(STAFF_TICKET_FIELDS)
    if not staff and not (is_authenticated(user) and ticket is not None and ticket.requester_id == user.id):
        hidden |= {"requester.email", "rating"}
    return frozenset(hidden)


def logs_access(user, _ticket=None) -> bool:
    """Administrators' every access to a ticket goes to the audit log (AccessLog)."""
    return is_admin(user)


def visible_tickets(user):
    """A SQL clause selecting exactly the tickets `user` may view (the same rule as "ticket.view")."""
    if not is_authenticated(user):
        return false()
    if is_admin(user):
        return true()
    models = _tickets()
    ticket = models.Ticket
    return or_(
        ticket.requester_id == user.id,
        ticket.id.in_(select(models.TicketParticipant.ticket_id).where(
            models.TicketParticipant.user_id == user.id)),
        internal_readable_tickets(user),
    )


def internal_readable_tickets(user):
    """A SQL clause selecting the tickets whose internal notes `user` may read (the rule "ticket.view_internal":
    staff who may view the ticket as staff, never someone who is only its requester). It is `true()` or `false()`
    itself when that holds for every ticket or for none, so callers can leave out what cannot match."""
    if not is_authenticated(user):
        return false()
    roles = roles_of(user)
    if "admin" in roles:
        return true()
    models = _tickets()
    ticket = models.Ticket
    conditions = []
    if "agent" in roles:
        conditions.append(ticket.tier.in_((2, 3)))
    if roles & {"agent", "superuser"}:
        conditions.append(ticket.assignee_id == user.id)
    school_ids = superuser_school_ids(user) if "superuser" in roles else set()
    if school_ids:
        conditions.append(ticket.school_id.in_(sorted(school_ids)) & (ticket.tier == 1))
        conditions.append(ticket.school_id.in_(sorted(school_ids)) & ticket.id.in_(
            select(models.TicketEvent.ticket_id).where(
                models.TicketEvent.actor_id == user.id, models.TicketEvent.kind == "escalated")))
    return or_(*conditions) if conditions else false()


def may_find_person(user, person) -> bool:
    """The rule of `findable_people` for one person (agents and admins: anyone; a superuser: people with a group
    or role at one of their schools)."""
    roles = roles_of(user)
    if roles & {"agent", "admin"}:
        return True
    school_ids = superuser_school_ids(user) if "superuser" in roles else set()
    return bool(school_ids & person.school_ids)


def findable_people(user):
    """A SQL clause over users: whom `user` may look up when logging a call. Agents and admins may find anyone;
    a superuser only people with a group or role at one of their schools, so the lookup is no city-wide directory."""
    from support.accounts.models import GroupMembership, RoleAssignment, User

    roles = roles_of(user)
    if roles & {"agent", "admin"}:
        return true()
    school_ids = sorted(superuser_school_ids(user)) if "superuser" in roles else []
    if not school_ids:
        return false()
    return or_(
        User.groups.any(GroupMembership.school_id.in_(school_ids)),
        User.roles.any(RoleAssignment.school_id.in_(school_ids)),
    )


# --- queues: which of the desk's queues a person works ---------------------------------------------------------

@dataclass(frozen=True)
class DeskScope:
    """The queues a person works: the service desk's (tiers 2 and 3), the tier-1 queues of their schools, or
    (administrators without schools of their own) every school's tier-1 queue."""

    staff: bool = False
    service_desk: bool = False
    school_ids: frozenset[int] = frozenset()
    every_school: bool = False

    @property
    def school_queues(self) -> bool:
        return bool(self.school_ids) or self.every_school


def desk_scope(user) -> DeskScope:
    roles = roles_of(user)
    if not roles & TICKET_STAFF_ROLES:
        return DeskScope()
    school_ids = frozenset(superuser_school_ids(user)) if "superuser" in roles else frozenset()
    return DeskScope(staff=True, service_desk=bool(roles & SERVICE_DESK_ROLES), school_ids=school_ids,
                     every_school="admin" in roles and not school_ids)


def broad_ticket_search(user) -> bool:
    """Most tickets are visible to this searcher (the service desk), so a search may walk the newest tickets
    first instead of starting from the few this person could see."""
    return works_service_desk(user)


# --- mail: who hears about a ticket ------------------------------------------------------------------------------

def queue_members_filter(tier: int, school_id: int | None):
    """A SQL clause over users: who works the queue of a ticket at `tier` (and `school_id`), and so gets the
    queue's mail: the school's active superusers at tier 1, the active agents at tiers 2 and 3 (administrators
    see every queue but are not its members)."""
    from support.accounts.models import RoleAssignment, User

    if tier == 1:
        if school_id is None:
            return false()
        holds = RoleAssignment.role == "superuser", RoleAssignment.school_id == school_id
    else:
        holds = (RoleAssignment.role == "agent",)
    return User.active.is_(True) & User.roles.any(and_(*holds, RoleAssignment.active.is_(True)))


def desk_of(person) -> str | None:
    """Which desk a staff member speaks for to requesters: "service_desk" (agents, administrators),
    "superuser" (a school's superuser), or None (not staff)."""
    roles = roles_of(person)
    if roles & SERVICE_DESK_ROLES:
        return "service_desk"
    return "superuser" if "superuser" in roles else None


def shows_staff_name(viewer, ticket, person, *, names_hidden: bool) -> bool:
    """Does `viewer` see `person`'s own name on `ticket` (else their desk's)? Always, unless the installation
    hides staff names (SUPPORT_HIDE_STAFF_NAMES) from requesters: staff see names, and requesters see their own
    and each other's."""
    if not names_hidden or _staff_may_view(viewer, ticket):
        return True
    return person is not None and (ticket.requester_id == person.id
                                   or any(link.user_id == person.id for link in ticket.participant_links))
