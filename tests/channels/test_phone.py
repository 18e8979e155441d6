"""The phone channel: staff find the caller (or enter a new contact) and log the call as a ticket."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from support.accounts.models import User
from support.extensions import db
from support.tickets.models import Ticket
from tests.tickets import conftest as ticket_fixtures

# The organisation and ticket factory of the ticket tests.
org = ticket_fixtures.org
new_ticket = ticket_fixtures.new_ticket


def _call(**values):
    data = {"system": "login", "priority": "normal", "subject": "Ringde om BankID",
            "summary": "Vårdnadshavaren kommer inte in med BankID sedan uppdateringen.", "idempotency_key": "samtal-1"}
    data.update(values)
    return data


def test_agent_finds_a_caller_by_name_email_or_id(org, login_as):
    client = login_as(org.agent)
    for query in ("Maria", "maria@example", str(org.guardian_a.id)):
        page = client.get(f"/arbetsyta/samtal?person={query}").get_data(as_text=True)
        assert "Maria Svensson" in page, query
        assert "Johanna Falk" not in page


def test_agent_finds_a_caller_by_phone_number_however_it_is_typed(org, login_as):
    org.guardian_a.phone = "070-123 45 67"
    org.guardian_b.phone = "08-555 66 77"
    db.session.commit()
    client = login_as(org.agent)
    for query in ("0701234567", "+46 70 123 45 67", "070 123 45 67", "123 45 67"):
        page = client.get("/arbetsyta/samtal", query_string={"person": query}).get_data(as_text=True)
        assert "Maria Svensson" in page, query
        assert "Johanna Falk" not in page, query


def test_superuser_does_not_find_a_caller_of_another_school_by_phone_number(org, login_as):
    org.guardian_b.phone = "070-999 88 77"  # Hässelbyskolan; the superuser works at Ekbackaskolan
    db.session.commit()
    page = login_as(org.superuser).get("/arbetsyta/samtal", query_string={"person": "0709998877"})
    assert "Johanna Falk" not in page.get_data(as_text=True)


def test_agent_logs_a_call_for_a_known_person(org, login_as):
    client = login_as(org.agent)
    page = client.get(f"/arbetsyta/samtal?person=Maria&vald={org.guardian_a.id}").get_data(as_text=True)
    assert "Ekbackaskolan – som vårdnadshavare" in page
    response = client.post(f"/arbetsyta/samtal?vald={org.guardian_a.id}",
                           data=_call(requester_id=str(org.guardian_a.id), school=f"{org.ekbacka.id}:guardian"))
    assert response.status_code == 302
    ticket = db.session.scalar(select(Ticket))
    assert (ticket.channel, ticket.requester_id, ticket.created_by_id) == ("phone", org.guardian_a.id, org.agent.id)
    assert ticket.messages[0].body.startswith("Vårdnadshavaren kommer inte in")
    assert ticket.messages[0].channel == "phone"
    assert response.headers["Location"].endswith(f"/arenden/{ticket.number}")
    # The requester sees the call in "Mina ärenden".
    assert "Ringde om BankID" in login_as(org.guardian_a).get("/arenden").get_data(as_text=True)


def test_agent_logs_a_call_from_a_new_contact(org, login_as):
    client = login_as(org.agent)
    page = client.get("/arbetsyta/samtal?person=ny.person@example.com").get_data(as_text=True)
    assert "Ingen person matchar" in page
    response = client.post("/arbetsyta/samtal", data=_call(contact_name="Ny Person",
                                                           contact_email="ny.person@example.com",
                                                           contact_phone="070-123 45 67"))
    assert response.status_code == 302
    contact = db.session.scalar(select(User).where(User.email == "ny.person@example.com"))
    assert contact is not None and contact.password_hash is None
    ticket = db.session.scalar(select(Ticket))
    assert (ticket.requester_id, ticket.channel, ticket.tier) == (contact.id, "phone", 2)
    assert "070-123 45 67" in ticket.messages[0].body


PHONE_FORMATS = ("070-123 45 67", "0701234567", "+46701234567")


def _log_call_from_a_new_parent(client):
    response = client.post("/arbetsyta/samtal", data=_call(contact_name="Okänd Förälder",
                                                           contact_email="okand.foralder@example.com",
                                                           contact_phone="070-123 45 67"))
    assert response.status_code == 302
    return db.session.scalar(select(Ticket))


def test_a_new_callers_number_finds_them_on_the_call_form_however_it_is_typed(org, login_as):
    client = login_as(org.agent)
    _log_call_from_a_new_parent(client)
    for query in PHONE_FORMATS:
        page = client.get("/arbetsyta/samtal", query_string={"person": query}).get_data(as_text=True)
        assert "Okänd Förälder" in page, query
        assert "Ingen person matchar" not in page, query


def test_a_new_callers_number_finds_their_ticket_in_the_workspace_however_it_is_typed(org, login_as):
    client = login_as(org.agent)
    ticket = _log_call_from_a_new_parent(client)
    for query in PHONE_FORMATS:
        page = client.get("/arbetsyta", query_string={"q": query}).get_data(as_text=True)
        assert ticket.display_number in page, query


def test_the_call_form_says_up_front_that_a_new_contact_needs_an_email_address(org, login_as):
    page = login_as(org.agent).get("/arbetsyta/samtal").get_data(as_text=True)
    assert "Krävs för en ny kontakt: svaren skickas dit." in page
    email_input = re.search(r'<input[^>]*name="contact_email"[^>]*>', page).group(0)
    assert " required" in email_input
    assert "Telefonnummer (valfritt)" in page


def test_call_without_a_person_or_email_shows_an_error_and_keeps_input(org, login_as):
    response = login_as(org.agent).post("/arbetsyta/samtal", data=_call(contact_name="Okänd"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Välj en person i sökresultatet eller ange en e-postadress." in page
    assert "sedan uppdateringen" in page
    assert db.session.scalar(select(func.count(Ticket.id))) == 0


def test_a_call_solved_on_the_phone_is_resolved_at_once(org, login_as):
    login_as(org.agent).post("/arbetsyta/samtal",
                             data=_call(requester_id=str(org.guardian_a.id), resolved_on_call="y"))
    assert db.session.scalar(select(Ticket.state)) == "resolved"


def test_double_submitted_call_creates_one_ticket(org, login_as):
    client = login_as(org.agent)
    client.post("/arbetsyta/samtal", data=_call(requester_id=str(org.guardian_a.id)))
    client.post("/arbetsyta/samtal", data=_call(requester_id=str(org.guardian_a.id)))
    assert db.session.scalar(select(func.count(Ticket.id))) == 1


def test_superuser_logs_a_call_and_is_told_where_it_went(org, login_as):
    client = login_as(org.superuser)
    response = client.post("/arbetsyta/samtal", data=_call(requester_id=str(org.teacher.id),
                                                           school=f"{org.ekbacka.id}:pedagogue"))
    assert response.status_code == 302
    ticket = db.session.scalar(select(Ticket))
    assert (ticket.channel, ticket.school_id, ticket.created_by_id) == ("phone", org.ekbacka.id, org.superuser.id)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Samtalet är sparat som ärende {ticket.display_number}" in page


def test_superuser_finds_only_people_at_their_own_schools(org, login_as):
    client = login_as(org.superuser)
    page = client.get("/arbetsyta/samtal?person=example.com").get_data(as_text=True)
    assert "Erik Nilsson" in page
    assert "Johanna Falk" not in page
    assert "Lars Persson" not in page
    page = client.get(f"/arbetsyta/samtal?person=x&vald={org.guardian_b.id}").get_data(as_text=True)
    assert "Johanna Falk" not in page


def test_superuser_cannot_log_a_call_for_someone_outside_their_schools(org, login_as):
    client = login_as(org.superuser)
    client.post("/arbetsyta/samtal", data=_call(requester_id=str(org.teacher_hasselby.id),
                                                contact_email="", school=""))
    ticket = db.session.scalar(select(Ticket))
    assert ticket is None or ticket.requester_id != org.teacher_hasselby.id


def test_a_teachers_call_logged_at_their_school_stays_with_the_schools_superusers(org, login_as):
    client = login_as(org.superuser)
    response = client.post("/arbetsyta/samtal", data=_call(requester_id=str(org.teacher.id),
                                                           school=f"{org.ekbacka.id}:pedagogue"))
    ticket = db.session.scalar(select(Ticket))
    assert ticket.tier == 1
    assert response.headers["Location"].endswith(f"/arenden/{ticket.number}")


def test_another_agents_form_key_does_not_find_or_resolve_their_call(org, login_as):
    login_as(org.agent).post("/arbetsyta/samtal", data=_call(requester_id=str(org.guardian_a.id)))
    first = db.session.scalar(select(Ticket))
    response = login_as(org.agent2).post("/arbetsyta/samtal",
                                         data=_call(requester_id=str(org.guardian_b.id), resolved_on_call="y"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, first.id).state == "new"
    second = db.session.scalar(select(Ticket).where(Ticket.id != first.id))
    assert (second.requester_id, second.state) == (org.guardian_b.id, "resolved")


def test_superuser_cannot_log_a_call_for_someone_of_another_school_by_address(org, login_as):
    response = login_as(org.superuser).post("/arbetsyta/samtal",
                                            data=_call(contact_email="johanna@example.com",
                                                       subject="Officiellt besked"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "dina egna skolor" in page
    assert "Officiellt besked" in page
    assert db.session.scalar(select(func.count(Ticket.id))) == 0


def test_superuser_logs_a_call_resolved_on_the_phone_even_when_it_goes_to_the_service_desk(org, login_as):
    response = login_as(org.superuser).post("/arbetsyta/samtal",
                                            data=_call(requester_id=str(org.guardian_a.id), resolved_on_call="y"))
    assert response.status_code == 302
    ticket = db.session.scalar(select(Ticket))
    assert (ticket.tier, ticket.state) == (2, "resolved")


def test_the_call_form_offers_to_add_the_call_to_the_callers_open_ticket(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a, subject="Appen visar fel barn")
    page = login_as(org.agent).get(f"/arbetsyta/samtal?vald={org.guardian_a.id}").get_data(as_text=True)
    assert "Appen visar fel barn" in page
    assert f'formaction="/arbetsyta/samtal/till/{ticket.number}"' in page
    assert "Lägg till samtalet i ärendet" in page


def test_agent_adds_a_call_to_an_existing_ticket_instead_of_a_new_one(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a, subject="Appen visar fel barn")
    response = login_as(org.agent).post(f"/arbetsyta/samtal/till/{ticket.number}",
                                        data=_call(requester_id=str(org.guardian_a.id), subject="",
                                                   summary="Ringde igen: felet kvarstår efter ominstallation."))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/arenden/{ticket.number}")
    assert db.session.scalar(select(func.count(Ticket.id))) == 1
    db.session.expire_all()
    last = db.session.get(Ticket, ticket.id).messages[-1]
    assert (last.channel, last.kind, last.body) == ("phone", "public", "Ringde igen: felet kvarstår efter ominstallation.")
    page = login_as(org.guardian_a).get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert "felet kvarstår efter ominstallation" in page


def test_adding_a_call_without_a_summary_keeps_what_was_typed_and_says_why(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    response = login_as(org.agent).post(f"/arbetsyta/samtal/till/{ticket.number}",
                                        data=_call(requester_id=str(org.guardian_a.id), summary="",
                                                   subject="Rubrik jag skrev"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Skriv en sammanfattning av samtalet." in page
    assert "Rubrik jag skrev" in page
    assert "Maria Svensson" in page
    assert len(db.session.get(Ticket, ticket.id).messages) == 1


def test_superuser_of_another_school_cannot_add_a_call_to_a_ticket_they_cannot_see(org, new_ticket, login_as):
    ticket = new_ticket(org.teacher)  # tier 1 at Ekbackaskolan
    response = login_as(org.superuser_hasselby).post(
        f"/arbetsyta/samtal/till/{ticket.number}", data=_call(requester_id=str(org.teacher.id)))
    assert response.status_code == 404
    db.session.expire_all()
    assert len(db.session.get(Ticket, ticket.id).messages) == 1


def test_a_requester_cannot_reach_the_call_form_or_add_a_call_to_their_own_ticket(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    client = login_as(org.guardian_a)
    assert client.get("/arbetsyta/samtal").status_code == 404
    assert client.post("/arbetsyta/samtal", data=_call(requester_id=str(org.guardian_a.id))).status_code == 404
    assert client.post(f"/arbetsyta/samtal/till/{ticket.number}", data=_call()).status_code == 404
    db.session.expire_all()
    assert len(db.session.get(Ticket, ticket.id).messages) == 1


def test_anonymous_visitors_are_sent_to_sign_in_from_the_call_form(org, new_ticket, client):
    ticket = new_ticket(org.guardian_a)
    assert client.post(f"/arbetsyta/samtal/till/{ticket.number}", data=_call()).status_code in (302, 401)
    assert len(db.session.get(Ticket, ticket.id).messages) == 1


def test_the_call_form_proposes_the_callers_only_school(org, login_as):
    page = login_as(org.agent).get(f"/arbetsyta/samtal?vald={org.teacher.id}").get_data(as_text=True)
    assert f'<option selected value="{org.ekbacka.id}:pedagogue">' in page


def test_the_call_form_proposes_the_school_where_the_caller_works_before_their_childs(org, factory, login_as):
    parent_and_teacher = factory.user("dubbel@example.com", "Dana Dubbel",
                                      groups=["guardian:ekbackaskolan", "pedagogue:hasselbyskolan"])
    db.session.commit()
    page = login_as(org.agent).get(f"/arbetsyta/samtal?vald={parent_and_teacher.id}").get_data(as_text=True)
    assert f'<option selected value="{org.hasselby.id}:pedagogue">' in page
    assert f'<option selected value="{org.ekbacka.id}:guardian">' not in page
