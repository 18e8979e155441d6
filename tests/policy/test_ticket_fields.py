"""What a person may ask for when filing a ticket, and which of its fields they are shown (support/policy/tickets)."""

from __future__ import annotations

import pytest

from support.policy.tickets import STAFF_TICKET_FIELDS, hidden_ticket_fields, refused_creation_choices
from tests.conftest import module_data
from tests.tickets.conftest import build_org, ticket_maker

WHO = ["guardian_a", "student", "teacher", "superuser", "agent", "admin"]
STAFF = {"superuser", "agent", "admin"}


org = module_data(build_org, name="org")


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("priority", ["low", "normal", "high", "urgent"])
def test_only_staff_choose_a_priority_other_than_the_default(org, who, priority):
    refused = refused_creation_choices(getattr(org, who), {"priority": priority, "tags": None})
    assert refused == ([] if who in STAFF or priority == "normal" else ["priority"])


@pytest.mark.parametrize("who", WHO)
def test_only_staff_tag_a_new_ticket(org, who):
    refused = refused_creation_choices(getattr(org, who), {"priority": None, "tags": ["x"]})
    assert refused == ([] if who in STAFF else ["tags"])


@pytest.mark.parametrize(("who", "hidden"), [
    ("guardian_a", STAFF_TICKET_FIELDS),  # the requester: their own address and rating, never the desk's fields
    ("guardian_b", STAFF_TICKET_FIELDS | {"requester.email", "rating"}),  # no access at all
    ("agent", frozenset()),
    ("admin", frozenset()),
])
def test_requesters_are_never_shown_the_desks_fields(org, who, hidden):
    ticket = ticket_maker(org)(org.guardian_a)  # tier 2
    assert hidden_ticket_fields(getattr(org, who), ticket) == hidden
