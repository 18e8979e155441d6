"""The JSON API for tickets: authentication, tokens, CSRF, errors as JSON, and the same policy as the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from support.accounts.service import issue_api_token
from support.extensions import db
from support.tickets import service
from support.tickets.models import Ticket
from tests.conftest import login
from tests.tickets.conftest import build_org, ticket_maker


@pytest.fixture
def org(factory):
    return build_org(factory)


@pytest.fixture
def new_ticket(org):
    return ticket_maker(org)


@pytest.fixture
def token_for(app):
    def make(user):
        token = issue_api_token(user, "test")
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


def test_without_credentials_the_api_answers_401_in_json(client):
    response = client.get("/api/v1/tickets")
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized" and "API-nyckel" in response.get_json()["message"]


def test_a_bad_token_is_refused(client):
    response = client.get("/api/v1/tickets", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401


def test_guardian_creates_lists_and_reads_a_ticket_with_a_token(client, org, token_for):
    headers = token_for(org.guardian_a)
    response = client.post("/api/v1/tickets", headers=headers, json={
        "subject": "Schemat visas inte", "body": "Appen visar ett tomt schema.", "system": "schedule",
        "school": "ekbackaskolan"})
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["channel"] == "api" and created["tier"] == 2 and created["school"] == "ekbackaskolan"
    listed = client.get("/api/v1/tickets", headers=headers).get_json()
    assert [t["number"] for t in listed["tickets"]] == [created["number"]]
    detail = client.get(f"/api/v1/tickets/{created['number']}", headers=headers).get_json()
    assert detail["messages"][0]["body"] == "Appen visar ett tomt schema."


def test_same_idempotency_key_returns_the_same_ticket(client, org, token_for):
    headers = {**token_for(org.guardian_a), "Idempotency-Key": "abc-1"}
    body = {"subject": "Hej", "body": "Text"}
    first = client.post("/api/v1/tickets", headers=headers, json=body).get_json()
    second = client.post("/api/v1/tickets", headers=headers, json=body).get_json()
    assert first["number"] == second["number"]


def test_invalid_input_is_a_json_error_with_a_swedish_message(client, org, token_for):
    response = client.post("/api/v1/tickets", headers=token_for(org.guardian_a), json={"subject": "", "body": "x"})
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid", "message": "Skriv en kort rubrik för ärendet."}
    response = client.post("/api/v1/tickets", headers=token_for(org.guardian_a), data="inte json")
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_json"


def test_another_persons_ticket_answers_404(client, org, new_ticket, token_for):
    ticket = new_ticket(org.guardian_a)
    headers = token_for(org.guardian_b)
    assert client.get(f"/api/v1/tickets/{ticket.number}", headers=headers).status_code == 404
    response = client.post(f"/api/v1/tickets/{ticket.number}/messages", headers=headers, json={"body": "Hej"})
    assert response.status_code == 404
    assert client.get("/api/v1/tickets/999999", headers=headers).get_json()["error"] == "not_found"


def test_requester_reply_and_agent_internal_note(client, org, new_ticket, token_for):
    ticket = new_ticket(org.guardian_a)
    response = client.post(f"/api/v1/tickets/{ticket.number}/messages", headers=token_for(org.guardian_a),
                           json={"body": "Det gäller min dotter."})
    assert response.status_code == 201
    response = client.post(f"/api/v1/tickets/{ticket.number}/messages", headers=token_for(org.guardian_a),
                           json={"body": "smyg", "internal": True})
    assert response.status_code == 403
    response = client.post(f"/api/v1/tickets/{ticket.number}/messages", headers=token_for(org.agent),
                           json={"body": "Ring skolan", "internal": True})
    assert response.status_code == 201 and response.get_json()["kind"] == "internal"
    seen_by_guardian = client.get(f"/api/v1/tickets/{ticket.number}", headers=token_for(org.guardian_a)).get_json()
    assert "Ring skolan" not in [m["body"] for m in seen_by_guardian["messages"]]
    seen_by_agent = client.get(f"/api/v1/tickets/{ticket.number}", headers=token_for(org.agent)).get_json()
    assert "Ring skolan" in [m["body"] for m in seen_by_agent["messages"]]


def test_agent_lists_a_queue_and_searches(client, org, new_ticket, token_for):
    ticket = new_ticket(org.guardian_a, subject="BankID-inloggningen hänger sig")
    new_ticket(org.teacher)  # tier 1: not the agent's
    headers = token_for(org.agent)
    queue = client.get("/api/v1/tickets?queue=tier2", headers=headers).get_json()
    assert [t["number"] for t in queue["tickets"]] == [ticket.number]
    found = client.get("/api/v1/tickets?q=hänger", headers=headers).get_json()
    assert [t["number"] for t in found["tickets"]] == [ticket.number]
    bad = client.get("/api/v1/tickets?queue=nope", headers=headers)
    assert bad.status_code == 400 and bad.get_json()["error"] == "invalid_parameter"


def test_session_cookie_works_and_needs_the_csrf_header_for_changes(app, org):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    page = client.get("/login")
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page.get_data(as_text=True))
    client.post("/login", data={"email": org.guardian_a.email, "password": "korrekt-hast-batteri",
                                "csrf_token": token.group(1)})
    assert client.get("/api/v1/tickets").status_code == 200
    response = client.post("/api/v1/tickets", json={"subject": "Hej", "body": "Text"})
    assert response.status_code == 400 and response.get_json()["error"] == "csrf"
    response = client.post("/api/v1/tickets", json={"subject": "Hej", "body": "Text"},
                           headers={"X-CSRFToken": token.group(1)})
    assert response.status_code == 201


def test_bearer_requests_need_no_csrf_token(app, client, org, token_for):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/api/v1/tickets", headers=token_for(org.guardian_a), json={"subject": "A", "body": "B"})
    assert response.status_code == 201


def test_staff_may_create_a_ticket_for_someone_else_but_requesters_may_not(client, org, token_for):
    response = client.post("/api/v1/tickets", headers=token_for(org.agent), json={
        "subject": "Samtal", "body": "Ringde om BankID", "requester_email": "ny.person@example.org"})
    assert response.status_code == 201
    assert service.ticket_by_number(response.get_json()["number"]).requester.email == "ny.person@example.org"
    response = client.post("/api/v1/tickets", headers=token_for(org.guardian_a), json={
        "subject": "X", "body": "Y", "requester_email": org.guardian_b.email})
    assert response.status_code == 403


def test_admin_reading_through_the_api_is_audit_logged(client, org, new_ticket, token_for):
    from sqlalchemy import select

    from support.tickets.models import AccessLog

    ticket = new_ticket(org.teacher)
    assert client.get(f"/api/v1/tickets/{ticket.number}", headers=token_for(org.admin)).status_code == 200
    log = db.session.scalars(select(AccessLog)).one()
    assert (log.user_id, log.ticket_id, log.via) == (org.admin.id, ticket.id, "api")


def test_login_helper_still_works(client, org):
    assert login(client, org.guardian_a.email).status_code == 302


def test_staff_names_can_be_hidden_from_requesters(app, client, org, new_ticket, token_for):
    ticket = new_ticket(org.guardian_a)
    service.assign(ticket, org.agent, by=org.agent)
    service.reply(ticket, author=org.agent, body="Hej!")
    db.session.commit()
    app.config["HIDE_STAFF_NAMES"] = True
    seen = client.get(f"/api/v1/tickets/{ticket.number}", headers=token_for(org.guardian_a)).get_json()
    assert seen["assignee"] == "Servicedesk"
    assert [m["author"] for m in seen["messages"]] == ["Maria Svensson", "Servicedesk"]
    staff_view = client.get(f"/api/v1/tickets/{ticket.number}", headers=token_for(org.agent2)).get_json()
    assert staff_view["assignee"] == "Sofia Holm"


@pytest.mark.parametrize("fields", [
    {"requester_email": "johanna@example.com"},  # a guardian of another school
    {"requester_email": "lars@example.com", "school": "hasselbyskolan"},
    {"requester_email": "erik@example.com", "school": "hasselbyskolan"},  # own school's teacher, other school
    {"school": "hasselbyskolan"},  # themselves, at a school that is not theirs
])
def test_superuser_cannot_file_through_the_api_for_people_or_schools_they_cannot_find(client, org, token_for,
                                                                                      fields):
    from support.outbox.models import OutgoingMail

    response = client.post("/api/v1/tickets", headers=token_for(org.superuser), json={
        "subject": "Officiellt besked", "body": "Klicka på länken", **fields})
    assert response.status_code in (400, 403)
    assert db.session.scalar(select(func.count(Ticket.id))) == 0
    assert db.session.scalar(select(func.count(OutgoingMail.id))) == 0


def test_superuser_files_through_the_api_for_a_person_of_their_school(client, org, token_for):
    response = client.post("/api/v1/tickets", headers=token_for(org.superuser), json={
        "subject": "Samtal", "body": "Ringde om BankID", "requester_email": "erik@example.com",
        "school": "ekbackaskolan"})
    assert response.status_code == 201
    assert service.ticket_by_number(response.get_json()["number"]).requester_id == org.teacher.id
