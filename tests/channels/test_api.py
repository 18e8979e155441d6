"""The JSON API for tickets: authentication, tokens, CSRF, errors as JSON, and the same policy as the pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from support.accounts.service import issue_api_token
from support.extensions import db
from support.tickets import service
from support.tickets.models import Ticket
from tests.conftest import login, module_data
from tests.tickets.conftest import build_org, ticket_maker

org = module_data(build_org, name="org")


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

    def form_token(path):
        page = client.get(path).get_data(as_text=True)
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or \
            re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
        return found.group(1)

    before_sign_in = form_token("/login")
    client.post("/login", data={"email": org.guardian_a.email, "password": "korrekt-hast-batteri",
                                "csrf_token": before_sign_in})
    assert client.get("/api/v1/tickets").status_code == 200
    response = client.post("/api/v1/tickets", json={"subject": "Hej", "body": "Text"})
    assert response.status_code == 400 and response.get_json()["error"] == "csrf"
    # Signing in renews the session, so the token from before no longer works (finding 2).
    response = client.post("/api/v1/tickets", json={"subject": "Hej", "body": "Text"},
                           headers={"X-CSRFToken": before_sign_in})
    assert response.status_code == 400
    response = client.post("/api/v1/tickets", json={"subject": "Hej", "body": "Text"},
                           headers={"X-CSRFToken": form_token("/")})
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


# --- what the API accepts: schemas, policy and bounds (issue 11, findings 6, 14 and 15) -----------------------

def _errors(response) -> dict:
    data = response.get_json()
    assert response.status_code == 400 and data["error"] == "validation", (response.status_code, data)
    return data["fields"]


def test_a_requester_cannot_make_their_ticket_urgent(client, org, token_for):
    response = client.post("/api/v1/tickets", headers=token_for(org.guardian_a),
                           json={"subject": "Hjälp", "body": "Snälla", "priority": "urgent"})
    assert _errors(response) == {"priority": "Prioriteten sätts av supporten."}
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_a_requester_cannot_tag_their_ticket_but_may_send_the_default_priority(client, org, token_for):
    headers = token_for(org.guardian_a)
    response = client.post("/api/v1/tickets", headers=headers,
                           json={"subject": "Hjälp", "body": "Text", "tags": ["vip"]})
    assert _errors(response) == {"tags": "Taggar sätts av supporten."}
    response = client.post("/api/v1/tickets", headers=headers,
                           json={"subject": "Hjälp", "body": "Text", "priority": "normal"})
    assert response.status_code == 201 and response.get_json()["priority"] == "normal"


def test_an_agent_sets_priority_and_tags_on_a_new_ticket(client, org, token_for):
    response = client.post("/api/v1/tickets", headers=token_for(org.agent), json={
        "subject": "Samtal", "body": "Text", "requester_email": "ny.person@example.org", "priority": "high",
        "tags": ["bankid"]})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["priority"] == "high" and response.get_json()["tags"] == ["bankid"]


def test_requesters_are_not_shown_staff_tags_flags_or_breaches(client, org, new_ticket, token_for):
    ticket = new_ticket(org.guardian_a, body="Mitt personnummer är 19121212-1212.")
    service.set_tags(ticket, ["svår-kund"], by=org.agent)
    db.session.commit()
    for path in (f"/api/v1/tickets/{ticket.number}", "/api/v1/tickets"):
        seen = client.get(path, headers=token_for(org.guardian_a)).get_json()
        seen = seen["tickets"][0] if "tickets" in seen else seen
        assert not {"tags", "flags", "first_response_breached", "resolution_breached"} & set(seen)
        assert "svår-kund" not in str(seen)
    staff_view = client.get(f"/api/v1/tickets/{ticket.number}", headers=token_for(org.agent)).get_json()
    assert staff_view["tags"] == ["svår-kund"] and staff_view["flags"] == ["personnummer"]


def test_internal_given_as_the_text_false_is_refused_not_taken_as_true(client, org, new_ticket, token_for):
    ticket = new_ticket(org.guardian_a)
    response = client.post(f"/api/v1/tickets/{ticket.number}/messages", headers=token_for(org.agent),
                           json={"body": "Till anmälaren", "internal": "false"})
    assert _errors(response) == {"internal": "Ange true eller false."}
    assert [m.body for m in ticket.messages if m.kind == "internal"] == []


@pytest.mark.parametrize(("field", "value"), [
    ("subject", 12345), ("subject", ["Rubrik"]), ("body", {"text": "x"}), ("body", True), ("system", 3),
    ("school", ["ekbackaskolan"]), ("school", {"slug": "ekbackaskolan"}),
    ("requester_email", ["ny.person@example.org"]), ("requester_email", {"a": "ny.person@example.org"}),
    ("requester_email", "x" * 300 + "@example.org"), ("requester_email", "inte en adress"),
    ("priority", "akut"), ("subject", "Rubrik\x00med NUL"), ("body", "Text\x1b[31m"),
    ("subject", 18446744073709551616), ("subject", 10**400), ("okänt_fält", "x"),
])
def test_a_value_of_the_wrong_kind_is_a_field_error_not_text(client, org, token_for, field, value):
    body = {"subject": "Rubrik", "body": "Text", field: value}
    response = client.post("/api/v1/tickets", headers=token_for(org.agent), json=body)
    fields = _errors(response)
    assert list(fields) == [field] and fields[field]
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_field_errors_are_swedish(client, org, token_for):
    response = client.post("/api/v1/tickets", headers=token_for(org.guardian_a), json={"subject": 5})
    assert response.get_json() == {
        "error": "validation", "message": "Kontrollera uppgifterna och försök igen.",
        "fields": {"subject": "Ange text.", "body": "Fältet måste fyllas i."}}


@pytest.mark.parametrize("raw", [
    "[" * 100_000, '{"a":' * 100_000, '{"subject": "x", "body": ' + "[" * 50 + "]" * 50 + "}",
    '{"subject": 1e999, "body": "x"}', '{"subject": NaN, "body": "x"}', '{"subject": -Infinity, "body": "x"}',
    '{"subject": ' + "9" * 5000 + ', "body": "x"}', '{"subject": "x", "body": "\\ud800"}', "\xff\xfe",
])
def test_hostile_json_is_a_400_with_a_message(client, org, token_for, raw):
    response = client.post("/api/v1/tickets", headers={**token_for(org.agent), "Content-Type": "application/json"},
                           data=raw.encode("utf-8", "surrogatepass") if raw != "\xff\xfe" else b"\xff\xfe")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["message"]


@pytest.mark.parametrize("number", ["18446744073709551616", "1" + "0" * 400, "2147483648", "0", "²", "١٢"])
def test_an_impossible_ticket_number_is_not_found(client, org, token_for, number):
    headers = token_for(org.guardian_a)
    assert client.get(f"/api/v1/tickets/{number}", headers=headers).status_code == 404
    response = client.post(f"/api/v1/tickets/{number}/messages", headers=headers, json={"body": "Hej"})
    assert response.status_code == 404 and response.is_json


@pytest.mark.parametrize("query", [
    {"school": "18446744073709551616"}, {"school": "²"}, {"limit": "1e999"}, {"limit": "99999999999999999999"},
    {"limit": "0"}, {"state": "nope"}, {"q": "a\x00b"}, {"sort": "x", "queue": "tier2"},
])
def test_bad_list_parameters_are_field_errors(client, org, token_for, query):
    response = client.get("/api/v1/tickets", headers=token_for(org.agent), query_string=query)
    assert set(_errors(response)) == set(query) - {"queue"}


@pytest.mark.parametrize("number", [2**63, 2**64, 10**400, -(2**64), True, 1.5, "1"])
def test_a_forged_cursor_is_a_400(client, org, token_for, number):
    import base64
    import json

    def cursor(values) -> str:
        return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")

    when = "2024-01-01T00:00:00+00:00"
    headers = token_for(org.agent)
    for query in ({"cursor": cursor([when, number])},  # "Mina ärenden": (created_at, id)
                  {"cursor": cursor([number, when, 1]), "queue": "tier2", "sort": "priority"},
                  {"cursor": "W" * 400}, {"cursor": cursor("[" * 300 + "]" * 300)}):
        response = client.get("/api/v1/tickets", headers=headers, query_string=query)
        assert response.status_code == 400, (query, response.get_data(as_text=True)[:200])
        assert response.get_json()["error"] in ("invalid_parameter", "validation")


def test_an_overlong_idempotency_key_is_a_field_error(client, org, token_for):
    response = client.post("/api/v1/tickets", headers={**token_for(org.guardian_a), "Idempotency-Key": "k" * 200},
                           json={"subject": "Hej", "body": "Text"})
    assert list(_errors(response)) == ["Idempotency-Key"]


def test_the_openapi_document_describes_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    described = {(path, method.upper()) for path, operations in document["paths"].items() for method in operations}
    routes = {(re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule), method)
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert described == routes and ("/api/v1/kb/search", "GET") in routes
    assert set(document["components"]["securitySchemes"]) == {"bearerToken", "sessionCookie"}
    create = document["paths"]["/api/v1/tickets"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/NewTicket")
    assert {"201", "400", "401", "403"} <= set(create["responses"])
    assert document["components"]["schemas"]["NewTicket"]["additionalProperties"] is False
    assert "fields" in document["components"]["schemas"]["ValidationErrorOut"]["required"]


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
