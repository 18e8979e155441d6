"""The desk's rules that moved into support/policy/tickets.py: which queues a person works, how widely their
ticket search starts, who hears about a queue's tickets and how staff are named to requesters."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from support.accounts.models import User
from support.extensions import db
from support.policy.tickets import (
    DeskScope,
    broad_ticket_search,
    desk_of,
    desk_scope,
    queue_members_filter,
    shows_staff_name,
)
from support.tickets.queues import available_queues
from tests.policy.people import person, ticket

SCHOOL_QUEUES = ["mine", "unassigned", "my_schools", "breaching", "waiting"]
DESK_QUEUES = ["mine", "unassigned", "tier2", "system", "breaching", "waiting"]
ALL_QUEUES = ["mine", "unassigned", "my_schools", "tier2", "system", "breaching", "waiting"]

# who → (their scope, the queues they are offered, their search starts from everything?, the desk they speak for)
ACTORS = {
    "anonymous": (lambda: None, DeskScope(), [], False, None),
    "guardian": (lambda: person(groups=["guardian:1"]), DeskScope(), [], False, None),
    "pedagogue": (lambda: person(groups=["pedagogue:1"]), DeskScope(), [], False, None),
    "coordinator": (lambda: person(roles=["coordinator"]), DeskScope(), [], False, None),
    "kb_editor": (lambda: person(roles=["kb_editor"]), DeskScope(), [], False, None),
    "superuser": (lambda: person(groups=["pedagogue:1"], roles=["superuser:1", "superuser:2"]),
                  DeskScope(staff=True, school_ids=frozenset({1, 2})), SCHOOL_QUEUES, False, "superuser"),
    "agent": (lambda: person(roles=["agent"]), DeskScope(staff=True, service_desk=True), DESK_QUEUES, True,
              "service_desk"),
    "admin": (lambda: person(roles=["admin"]), DeskScope(staff=True, service_desk=True, every_school=True),
              ALL_QUEUES, True, "service_desk"),
    "admin and superuser": (lambda: person(roles=["admin", "superuser:1"]),
                            DeskScope(staff=True, service_desk=True, school_ids=frozenset({1})), ALL_QUEUES, True,
                            "service_desk"),
    "agent and superuser": (lambda: person(roles=["agent", "superuser:1"]),
                            DeskScope(staff=True, service_desk=True, school_ids=frozenset({1})), ALL_QUEUES, True,
                            "service_desk"),
    "agent role switched off": (lambda: person(inactive_roles=["agent"]), DeskScope(), [], False, None),
    "deactivated superuser": (lambda: person(roles=["superuser:1"], active=False), DeskScope(), [], False, None),
}


@pytest.mark.parametrize("who", ACTORS)
def test_each_person_works_the_queues_of_their_role(who):
    make, scope, queues, _broad, _desk = ACTORS[who]
    someone = make()
    assert desk_scope(someone) == scope
    assert available_queues(someone) == queues


@pytest.mark.parametrize("who", ACTORS)
def test_only_the_service_desk_searches_from_every_ticket(who):
    make, _scope, _queues, broad, _desk = ACTORS[who]
    assert broad_ticket_search(make()) is broad


@pytest.mark.parametrize("who", ACTORS)
def test_staff_speak_for_one_desk_to_requesters(who):
    make, _scope, _queues, _broad, desk = ACTORS[who]
    assert desk_of(make()) == desk


@pytest.mark.parametrize(("viewer", "shown", "hidden"), [
    # viewer → whose names they see when staff names are hidden: (agent, the requester, a follower)
    ("requester", {"requester", "follower"}, {"agent"}),
    ("follower", {"requester", "follower"}, {"agent"}),
    ("agent", {"agent", "requester", "follower"}, set()),
    ("other guardian", {"requester", "follower"}, {"agent"}),
])
def test_requesters_see_the_desk_instead_of_staff_names_when_names_are_hidden(viewer, shown, hidden):
    people = {"requester": person(groups=["guardian:1"]), "follower": person(groups=["guardian:1"]),
              "agent": person(roles=["agent"]), "other guardian": person(groups=["guardian:1"])}
    case = ticket(requester=people["requester"], participants=[people["follower"]], tier=2)
    for name in shown | hidden:
        assert shows_staff_name(people[viewer], case, people[name], names_hidden=True) == (name in shown), name
        assert shows_staff_name(people[viewer], case, people[name], names_hidden=False), name


@pytest.mark.parametrize(("tier", "school", "members"), [
    (1, "ekbacka", {"superuser"}),
    (1, "hasselby", {"other superuser"}),
    (1, None, set()),
    (2, None, {"agent"}),
    (3, "ekbacka", {"agent"}),
])
def test_a_queues_mail_goes_to_the_people_who_work_it(factory, tier, school, members):
    schools = {"ekbacka": factory.school(slug="ekbacka"), "hasselby": factory.school(slug="hasselby")}
    people = {
        "superuser": factory.user(roles=["superuser:ekbacka"]),
        "other superuser": factory.user(roles=["superuser:hasselby"]),
        "agent": factory.user(roles=["agent"]),
        "admin": factory.user(roles=["admin"]),
        "guardian": factory.user(groups=["guardian:ekbacka"]),
        "deactivated agent": factory.user(roles=["agent"]),
        "superuser role switched off": factory.user(roles=["superuser:ekbacka"]),
    }
    people["deactivated agent"].active = False
    people["superuser role switched off"].roles[0].active = False
    db.session.flush()
    school_id = schools[school].id if school else None
    found = set(db.session.scalars(select(User.id).where(queue_members_filter(tier, school_id))))
    assert {name for name, someone in people.items() if someone.id in found} == members
