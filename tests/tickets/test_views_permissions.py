"""Every ticket page, attachment and action answers 404 to everyone who may not see (or act on) the ticket."""

from __future__ import annotations

import pytest

from support.extensions import db
from support.tickets import canned, service
from support.tickets.attachments import IncomingFile

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# (method, path template, form data) — {n} is the ticket number, {a} an attachment id, {c} a canned response id.
STAFF_ACTIONS = [
    ("post", "/arenden/{n}/svar", {"kind": "internal", "body": "Intern"}),
    ("post", "/arenden/{n}/uppgifter", {"state": "pending", "priority": "urgent", "assignee": "", "tags": "x"}),
    ("post", "/arenden/{n}/eskalera", {"reason": "För att"}),
    ("post", "/arenden/{n}/till-skolan", {"school": "1", "reason": "För att"}),
    ("post", "/arenden/{n}/flytta", {"move-destination": "3", "move-reason": "För att"}),
    ("post", "/arenden/{n}/ta", {}),
    ("post", "/arenden/{n}/sla-ihop", {"into_number": "1"}),
    ("get", "/arenden/{n}/standardsvar/{c}", None),
    ("post", "/arenden/{n}/narvaro", {"replying": "1"}),
]
REQUESTER_ACTIONS = [
    ("get", "/arenden/{n}", None),
    ("get", "/arenden/{n}/bilagor/{a}", None),
    ("get", "/arenden/nytt/skickat/{n}", None),
    ("post", "/arenden/{n}/svar", {"kind": "public", "body": "Hej"}),  # one reply route for requesters and staff
    ("post", "/arenden/{n}/lost", {}),
    ("post", "/arenden/{n}/ateroppna", {}),
    ("post", "/arenden/{n}/betyg", {"score": "5"}),
]


@pytest.fixture
def guardian_ticket(org, new_ticket):
    """A guardian's ticket at tier 2 with an attachment, and a canned response."""
    ticket = new_ticket(org.guardian_a, attachments=[IncomingFile("bild.png", PNG)])
    response = canned.create(title="Hälsning", body="Hej {{ requester.first_name }}")
    db.session.commit()
    return ticket, ticket.attachments[0].id, response.id


def _call(client, method, template, data, ticket, attachment_id, canned_id):
    path = template.format(n=ticket.number, a=attachment_id, c=canned_id)
    return client.get(path) if method == "get" else client.post(path, data=data)


@pytest.mark.parametrize("who", ["guardian_b", "teacher", "superuser", "editor", "student"])
def test_people_without_access_get_404_everywhere(org, login_as, guardian_ticket, who):
    ticket, attachment_id, canned_id = guardian_ticket
    client = login_as(getattr(org, who))
    answers = {f"{method.upper()} {template} {data}": _call(client, method, template, data, ticket, attachment_id,
                                                             canned_id).status_code
               for method, template, data in REQUESTER_ACTIONS + STAFF_ACTIONS}
    assert {call: status for call, status in answers.items() if status != 404} == {}
    db.session.expire_all()
    unchanged = service.ticket_by_number(ticket.number)
    assert (unchanged.state, unchanged.priority, unchanged.tier, len(unchanged.messages)) == ("new", "normal", 2, 1)


def test_requester_gets_404_on_staff_actions(org, login_as, guardian_ticket):
    ticket, attachment_id, canned_id = guardian_ticket
    client = login_as(org.guardian_a)
    answers = {f"{method.upper()} {template} {data}": _call(client, method, template, data, ticket, attachment_id,
                                                             canned_id).status_code
               for method, template, data in STAFF_ACTIONS}
    assert {call: status for call, status in answers.items() if status != 404} == {}


@pytest.mark.parametrize("who", ["agent", "superuser_hasselby", "guardian_a"])
def test_a_tier_one_ticket_is_hidden_from_agents_and_other_schools(org, login_as, new_ticket, who):
    ticket = new_ticket(org.teacher)
    assert ticket.tier == 1
    assert login_as(getattr(org, who)).get(f"/arenden/{ticket.number}").status_code == 404


def test_an_attachment_of_an_internal_note_is_hidden_from_the_requester(org, login_as, new_ticket):
    ticket = new_ticket(org.guardian_a)
    note = service.reply(ticket, author=org.agent, body="Logg", internal=True,
                         attachments=[IncomingFile("logg.png", PNG)])
    db.session.commit()
    attachment_id = note.attachments[0].id
    assert login_as(org.guardian_a).get(f"/arenden/{ticket.number}/bilagor/{attachment_id}").status_code == 404
    assert login_as(org.agent).get(f"/arenden/{ticket.number}/bilagor/{attachment_id}").status_code == 200


def test_an_attachment_id_of_another_ticket_is_404(org, login_as, new_ticket):
    mine = new_ticket(org.guardian_a)
    other = new_ticket(org.guardian_b, attachments=[IncomingFile("annan.png", PNG)])
    path = f"/arenden/{mine.number}/bilagor/{other.attachments[0].id}"
    assert login_as(org.guardian_a).get(path).status_code == 404


def test_unknown_ticket_number_is_404(org, login_as):
    assert login_as(org.agent).get("/arenden/987654").status_code == 404


def test_signed_out_visitor_is_sent_to_the_login(client, org, new_ticket):
    ticket = new_ticket(org.guardian_a)
    response = client.get(f"/arenden/{ticket.number}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("who", ["guardian_a", "teacher", "editor"])
def test_workspace_and_phone_log_are_404_for_non_staff(org, login_as, who):
    client = login_as(getattr(org, who))
    assert client.get("/arbetsyta").status_code == 404
    assert client.get("/arbetsyta/samtal").status_code == 404
    assert client.post("/arbetsyta/samtal", data={"subject": "x"}).status_code == 404

