"""The staff side of the ticket page: replies and notes, canned responses, state, priority, assignee, tiers,
merging, tags, presence and the history."""

from __future__ import annotations

from support.extensions import db
from support.tickets import canned, service


def _reload(ticket):
    db.session.expire_all()
    return service.ticket_by_number(ticket.number)


def test_agent_sees_internal_notes_history_and_sla(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    service.reply(ticket, author=org.agent2, body="Intern: kolla BankID-loggen", internal=True)
    db.session.commit()
    page = login_as(org.agent).get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert "Intern: kolla BankID-loggen" in page
    assert "Intern anteckning" in page
    assert "Historik" in page
    assert "skapade ärendet" in page
    assert "Första svar senast" in page
    assert 'aria-keyshortcuts="r"' in page


def test_agent_replies_and_sets_pending_in_one_step(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    client = login_as(org.agent)
    response = client.post(f"/arenden/{ticket.number}/svar",
                           data={"kind": "public", "body": "Hej Maria! Vilken telefon har du?",
                                 "state_after": "pending"})
    assert response.status_code == 302
    ticket = _reload(ticket)
    assert ticket.state == "pending"
    assert ticket.first_response_at is not None
    assert ticket.messages[-1].kind == "public"


def test_agent_writes_an_internal_note_the_requester_never_sees(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    login_as(org.agent).post(f"/arenden/{ticket.number}/svar", data={"kind": "internal", "body": "Känd bugg"})
    assert _reload(ticket).messages[-1].kind == "internal"
    page = login_as(org.guardian_a).get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert "Känd bugg" not in page


def test_empty_staff_reply_keeps_the_chosen_kind_and_shows_an_error(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    response = login_as(org.agent).post(f"/arenden/{ticket.number}/svar", data={"kind": "internal", "body": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Skriv ett meddelande." in page
    assert 'value="internal" checked' in page or 'checked value="internal"' in page or \
        ('value="internal"' in page and "checked" in page)


def test_canned_response_is_inserted_with_placeholders_filled(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    response_row = canned.create(title="Hälsning", body="Hej {{ requester.first_name }}! Ärende {{ ticket.number }}.")
    db.session.commit()
    client = login_as(org.agent)
    data = client.get(f"/arenden/{ticket.number}/standardsvar/{response_row.id}").get_json()
    assert data["text"] == f"Hej Maria! Ärende {ticket.number}."
    # Without JavaScript the same text lands in the reply box, after what was already typed.
    page = client.post(f"/arenden/{ticket.number}/svar",
                       data={"kind": "public", "body": "Redan skrivet", "canned_id": str(response_row.id),
                             "insert_canned": "1"}).get_data(as_text=True)
    assert f"Redan skrivet\n\nHej Maria! Ärende {ticket.number}." in page
    assert len(_reload(ticket).messages) == 1


def test_canned_response_says_the_school_when_the_ticket_has_none_and_tells_the_agent(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a, school=None)
    response_row = canned.create(title="Frånvaro", body="Kontakta mentorn på {{ school.name }}, så rättar de det.")
    db.session.commit()
    client = login_as(org.agent)
    data = client.get(f"/arenden/{ticket.number}/standardsvar/{response_row.id}").get_json()
    assert data["text"] == "Kontakta mentorn på skolan, så rättar de det."
    assert data["notes"] == ["Ärendet saknar skola: texten säger ”skolan”."]
    # Without JavaScript the note is shown next to the reply box.
    page = client.post(f"/arenden/{ticket.number}/svar",
                       data={"kind": "public", "body": "", "canned_id": str(response_row.id),
                             "insert_canned": "1"}).get_data(as_text=True)
    assert "Kontakta mentorn på skolan, så rättar de det." in page
    assert "Ärendet saknar skola: texten säger ”skolan”." in page


def test_canned_response_fallback_is_in_the_requesters_language(org, new_ticket, login_as):
    org.guardian_b.locale = "en"
    ticket = new_ticket(org.guardian_b, school=None)
    response_row = canned.create(title="Skola", body="Contact {{ school.name }}.")
    db.session.commit()
    try:
        data = login_as(org.agent).get(f"/arenden/{ticket.number}/standardsvar/{response_row.id}").get_json()
    finally:
        org.guardian_b.locale = "sv"
        db.session.commit()
    assert data["text"] == "Contact the school."
    assert data["notes"] == ["Ärendet saknar skola: texten säger ”the school”."]


def test_canned_response_with_every_value_present_has_no_notes(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    response_row = canned.create(title="Skola2", body="Kontakta {{ school.name }}.")
    db.session.commit()
    data = login_as(org.agent).get(f"/arenden/{ticket.number}/standardsvar/{response_row.id}").get_json()
    assert data == {"text": "Kontakta Ekbackaskolan.", "notes": []}


def _details(ticket, **changes):
    """The sidebar form as the page shows it for `ticket`, with `changes` made by the person."""
    shown = {"state": ticket.state, "priority": ticket.priority, "assignee": str(ticket.assignee_id or ""),
             "tags": ", ".join(ticket.tags)}
    return {**shown, **{f"{name}_was": value for name, value in shown.items()}, **changes}


def test_agent_saves_state_priority_assignee_and_tags_with_one_button(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    client = login_as(org.agent)
    due_before = ticket.first_response_due
    response = client.post(f"/arenden/{ticket.number}/uppgifter",
                           data=_details(ticket, priority="urgent", assignee=str(org.agent2.id),
                                         tags="BankID, app", state="pending"))
    assert response.status_code == 302
    ticket = _reload(ticket)
    assert ticket.priority == "urgent"
    assert ticket.first_response_due < due_before
    assert ticket.assignee_id == org.agent2.id
    assert ticket.tags == ["app", "bankid"]
    assert ticket.state == "pending"
    page = client.get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert ("Sparat: handläggare Mikael Öberg, prioritet akut, taggar (app, bankid), "
            "status väntar på frågeställaren.") in page
    assert "ändrade prioritet" in page
    assert page.count(f'action="/arenden/{ticket.number}/uppgifter"') == 1


def test_saving_the_sidebar_changes_only_what_this_person_changed(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    shown = _details(ticket)  # the agent opens the page
    service.set_priority(ticket, "high", by=org.agent2)  # meanwhile a colleague raises the priority
    db.session.commit()
    client = login_as(org.agent)
    client.post(f"/arenden/{ticket.number}/uppgifter", data={**shown, "tags": "bankid"})
    ticket = _reload(ticket)
    assert (ticket.priority, ticket.tags) == ("high", ["bankid"])
    assert "Sparat: taggar (bankid)." in client.get(f"/arenden/{ticket.number}").get_data(as_text=True)


def test_an_error_in_the_sidebar_saves_nothing_and_keeps_the_chosen_values(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    client = login_as(org.agent)
    client.post(f"/arenden/{ticket.number}/uppgifter", data=_details(ticket, state="closed"))
    ticket = _reload(ticket)
    response = client.post(f"/arenden/{ticket.number}/uppgifter",
                           data=_details(ticket, state="pending", priority="urgent", tags="bankid"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "kan inte gå från" in page
    assert '<option selected value="urgent">' in page
    assert 'value="bankid"' in page
    ticket = _reload(ticket)
    assert (ticket.state, ticket.priority, ticket.tags) == ("closed", "normal", [])


def test_superuser_who_may_only_reply_cannot_resolve_through_the_reply_form(org, new_ticket, login_as):
    ticket = new_ticket(org.teacher)
    service.escalate(ticket, by=org.superuser, reason="Behöver Servicedesk")
    db.session.commit()
    client = login_as(org.superuser)
    page = client.get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert 'name="state_after"' not in page
    for state in ("resolved", "pending"):
        response = client.post(f"/arenden/{ticket.number}/svar",
                               data={"kind": "public", "body": f"Jag stänger ({state})", "state_after": state})
        assert response.status_code == 400
        assert "Du kan inte ändra status" in response.get_data(as_text=True)
        assert _reload(ticket).state == "new"
    assert [m.body for m in _reload(ticket).messages if m.body.startswith("Jag stänger")] == []


def test_superuser_who_may_only_reply_still_replies(org, new_ticket, login_as):
    ticket = new_ticket(org.teacher)
    service.escalate(ticket, by=org.superuser, reason="Behöver Servicedesk")
    db.session.commit()
    response = login_as(org.superuser).post(f"/arenden/{ticket.number}/svar",
                                            data={"kind": "public", "body": "Servicedesk tittar på det"})
    assert response.status_code == 302
    assert _reload(ticket).messages[-1].body == "Servicedesk tittar på det"


def test_escalation_needs_a_reason(org, new_ticket, login_as):
    ticket = new_ticket(org.teacher)
    client = login_as(org.superuser)
    response = client.post(f"/arenden/{ticket.number}/eskalera", data={"reason": ""})
    assert response.status_code == 400
    assert "Ange varför ärendet eskaleras." in response.get_data(as_text=True)
    assert _reload(ticket).tier == 1


def test_superuser_escalates_to_the_service_desk_and_still_sees_it(org, new_ticket, login_as):
    ticket = new_ticket(org.teacher)
    client = login_as(org.superuser)
    response = client.post(f"/arenden/{ticket.number}/eskalera", data={"reason": "Gäller hela skolan"})
    assert response.status_code == 302
    assert _reload(ticket).tier == 2
    assert client.get(f"/arenden/{ticket.number}").status_code == 200
    assert "Gäller hela skolan" in login_as(org.agent).get(f"/arenden/{ticket.number}").get_data(as_text=True)


def test_agent_deescalates_to_a_school_with_a_superuser(org, new_ticket, login_as):
    ticket = new_ticket(org.teacher)
    service.escalate(ticket, by=org.superuser, reason="Osäker")
    db.session.commit()
    client = login_as(org.agent)
    response = client.post(f"/arenden/{ticket.number}/till-skolan",
                           data={"school": str(org.ekbacka.id), "reason": "Skolan kan lösa detta"})
    assert response.status_code == 302
    ticket = _reload(ticket)
    assert (ticket.tier, ticket.school_id) == (1, org.ekbacka.id)


def test_history_names_the_tiers_a_ticket_moved_between(org, new_ticket, login_as):
    ticket = new_ticket(org.teacher)
    service.escalate(ticket, by=org.superuser, reason="Osäker")
    db.session.commit()
    login_as(org.agent).post(f"/arenden/{ticket.number}/till-skolan",
                             data={"school": str(org.ekbacka.id), "reason": "Skolan kan lösa detta"})
    client = login_as(org.superuser)  # back at the school: the service desk no longer sees it
    page = client.get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert "eskalerade: Nivå 1 – skolans superanvändare → Nivå 2 – Servicedesk" in page
    assert "skickade tillbaka till skolan: Nivå 2 – Servicedesk → Nivå 1 – skolans superanvändare" in page
    with client.session_transaction() as session:
        session["locale"] = "en"
    page = client.get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert "Tier 2 – Servicedesk → Tier 1 – the school’s superusers" in page


def test_merge_moves_messages_and_points_to_the_survivor(org, new_ticket, login_as):
    survivor = new_ticket(org.guardian_a, subject="Kan inte logga in")
    duplicate = new_ticket(org.guardian_a, subject="Inloggningen krånglar", body="Samma fel här")
    client = login_as(org.agent)
    response = client.post(f"/arenden/{duplicate.number}/sla-ihop", data={"into_number": f"#{survivor.number}"})
    assert response.status_code == 302
    duplicate, survivor = _reload(duplicate), _reload(survivor)
    assert duplicate.merged_into_id == survivor.id
    assert "Samma fel här" in client.get(f"/arenden/{survivor.number}").get_data(as_text=True)
    page = login_as(org.guardian_a).get(f"/arenden/{duplicate.number}").get_data(as_text=True)
    assert "har slagits ihop med" in page
    assert survivor.display_number in page


def test_merging_tickets_of_different_requesters_is_refused_with_the_reason(org, new_ticket, login_as):
    survivor = new_ticket(org.guardian_a, subject="Kan inte logga in")
    other = new_ticket(org.guardian_b, subject="Inloggningen krånglar", body="Min sons frånvaro är fel")
    response = login_as(org.agent).post(f"/arenden/{other.number}/sla-ihop",
                                        data={"into_number": f"#{survivor.number}"})
    assert response.status_code == 400
    assert "olika frågeställare" in response.get_data(as_text=True)
    assert _reload(other).merged_into_id is None
    page = login_as(org.guardian_a).get(f"/arenden/{survivor.number}").get_data(as_text=True)
    assert "Min sons frånvaro" not in page
    assert login_as(org.guardian_b).get(f"/arenden/{survivor.number}").status_code == 404


def test_merge_with_an_unknown_number_shows_an_error(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    response = login_as(org.agent).post(f"/arenden/{ticket.number}/sla-ihop", data={"into_number": "999999"})
    assert response.status_code == 400
    assert "Det finns inget ärende med det numret" in response.get_data(as_text=True)


def test_merge_refuses_a_ticket_the_agent_cannot_see(org, new_ticket, login_as):
    hidden = new_ticket(org.teacher)  # tier 1: the school's superusers only
    ticket = new_ticket(org.guardian_a)
    response = login_as(org.agent).post(f"/arenden/{ticket.number}/sla-ihop", data={"into_number": hidden.number})
    assert response.status_code == 400
    assert _reload(ticket).merged_into_id is None


def test_someone_else_replying_right_now_is_shown(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    other = login_as(org.agent2)
    other.post(f"/arenden/{ticket.number}/narvaro", data={"replying": "1"})
    client = login_as(org.agent)
    data = client.post(f"/arenden/{ticket.number}/narvaro", data={"replying": "0"}).get_json()
    assert data == {"replying": [{"name": "Mikael Öberg"}]}
    page = client.get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert "Mikael Öberg skriver ett svar i det här ärendet just nu." in page


def test_ticket_page_shows_other_tickets_school_and_superusers(org, new_ticket, login_as):
    first = new_ticket(org.teacher, subject="Schemat saknar lektioner")
    second = new_ticket(org.teacher, subject="Teams-mötet startar inte")
    page = login_as(org.superuser).get(f"/arenden/{second.number}").get_data(as_text=True)
    assert first.display_number in page
    assert "Ekbackaskolan" in page
    assert "Karin Lindqvist" in page


def test_administrator_access_is_written_to_the_audit_log(org, new_ticket, login_as):
    from sqlalchemy import select

    from support.tickets.models import AccessLog

    ticket = new_ticket(org.guardian_a)
    assert login_as(org.admin).get(f"/arenden/{ticket.number}").status_code == 200
    assert db.session.scalar(select(AccessLog.ticket_id).where(AccessLog.user_id == org.admin.id)) == ticket.id


def test_history_shows_changes_in_swedish(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    service.change_state(ticket, "pending", by=org.agent)
    service.set_priority(ticket, "high", by=org.agent)
    db.session.commit()
    page = login_as(org.agent).get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert "ändrade status: Ny → Väntar på frågeställaren" in page
    assert "ändrade prioritet: Normal → Hög" in page


def test_history_names_channel_and_tier_in_the_readers_language(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    agent = login_as(org.agent)
    swedish = agent.get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert "skapade ärendet: Webb (Nivå 2 – Servicedesk)" in swedish
    agent.post("/sprak", data={"language": "en", "next": "/"})
    english = agent.get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert "created the ticket: Web (Tier 2 – Servicedesk)" in english
    assert "Nivå" not in english


def test_an_escalation_tells_the_requester_who_has_the_ticket_now_but_not_why(org, new_ticket, login_as):
    from support.outbox.models import OutgoingMail

    ticket = new_ticket(org.teacher)
    assert ticket.tier == 1
    db.session.query(OutgoingMail).delete()
    db.session.commit()
    response = login_as(org.superuser).post(f"/arenden/{ticket.number}/eskalera",
                                            data={"reason": "Behöver BankID-hjälp"})
    assert response.status_code == 302
    told = [mail for mail in db.session.query(OutgoingMail) if mail.to_addrs == [org.teacher.email]]
    assert len(told) == 1
    assert told[0].subject.endswith("Ditt ärende har skickats vidare till Servicedesk")
    assert "Behöver BankID-hjälp" not in told[0].body_text  # the reason is for staff


def test_agent_moves_a_ticket_to_system_management_or_to_a_school_from_the_ticket_page(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    assert ticket.tier == 2
    client = login_as(org.agent)
    page = client.get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert "Flytta ärendet" in page and "Systemförvaltning (nivå 3)" in page
    assert client.post(f"/arenden/{ticket.number}/flytta",
                       data={"move-destination": "3", "move-reason": "Fel i schemamodulen"}).status_code == 302
    assert _reload(ticket).tier == 3
    response = client.post(f"/arenden/{ticket.number}/flytta",
                           data={"move-destination": f"1:{org.ekbacka.id}", "move-reason": "Skolan kan lösa detta"})
    assert response.status_code == 302
    ticket = _reload(ticket)
    assert (ticket.tier, ticket.school_id) == (1, org.ekbacka.id)


def test_a_move_without_a_reason_keeps_the_ticket_where_it_is_and_says_why(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    response = login_as(org.agent).post(f"/arenden/{ticket.number}/flytta", data={"move-destination": "3", "move-reason": ""})
    assert response.status_code == 400
    assert "Ange varför ärendet flyttas" in response.get_data(as_text=True)
    assert _reload(ticket).tier == 2


def test_a_superuser_cannot_move_tickets_only_escalate_them(org, new_ticket, login_as):
    ticket = new_ticket(org.teacher)
    superuser = login_as(org.superuser)
    assert "Flytta ärendet" not in superuser.get(f"/arenden/{ticket.number}").get_data(as_text=True)
    response = superuser.post(f"/arenden/{ticket.number}/flytta", data={"move-destination": "3", "move-reason": "x"})
    assert response.status_code in (403, 404)
    assert _reload(ticket).tier == 1


def test_a_superuser_takes_a_ticket_with_one_click(org, new_ticket, login_as):
    ticket = new_ticket(org.teacher)
    client = login_as(org.superuser)
    assert "Ta ärendet" in client.get(f"/arenden/{ticket.number}").get_data(as_text=True)
    response = client.post(f"/arenden/{ticket.number}/ta", follow_redirects=True)
    assert "Du handlägger nu ärendet." in response.get_data(as_text=True)
    assert "Ta ärendet" not in response.get_data(as_text=True)
    ticket = _reload(ticket)
    assert ticket.assignee_id == org.superuser.id and ticket.state == "open"


def test_nobody_takes_a_ticket_they_may_not_handle(org, new_ticket, login_as):
    ticket = new_ticket(org.teacher)
    for person in (org.superuser_hasselby, org.guardian_a):
        assert login_as(person).post(f"/arenden/{ticket.number}/ta").status_code in (403, 404)
    assert _reload(ticket).assignee_id is None


def test_the_escalation_reason_is_the_first_thing_on_an_escalated_ticket(org, new_ticket, login_as):
    ticket = new_ticket(org.teacher)
    service.escalate(ticket, by=org.superuser, reason="BankID fungerar inte för hela skolan")
    db.session.commit()
    page = login_as(org.agent).get(f"/arenden/{ticket.number}").get_data(as_text=True)
    reason_at = page.index("BankID fungerar inte för hela skolan")
    assert reason_at < page.index("Meddelanden")
    assert "Eskalerat av Karin Lindqvist" in page


def test_staff_see_article_suggestions_for_the_requesters_group(org, new_ticket, login_as):
    from support.tickets import views

    ticket = new_ticket(org.teacher)
    seen = []
    original = views.article_suggestions
    views.article_suggestions = lambda user, text, limit=5: seen.append(user) or []
    try:
        login_as(org.superuser).get(f"/arenden/{ticket.number}")
    finally:
        views.article_suggestions = original
    assert seen == [org.teacher]
