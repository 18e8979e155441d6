"""Admin pages of the ticket area: routing rules, SLA targets, business hours, canned responses, access log."""

import html

from sqlalchemy import select

from support.extensions import db
from support.tickets import canned, sla
from support.tickets.models import CannedResponse, RoutingRule
from tests.conftest import login


def signed_in(app, user):
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def test_admin_adds_a_routing_rule_that_new_tickets_follow(app, org, new_ticket):
    client = signed_in(app, org.admin)
    assert "grundreglerna" in client.get("/admin/routning").get_data(as_text=True)
    response = client.post("/admin/routning", data={
        "position": "10", "user_group": "guardian", "system": "schedule", "school": "", "channel": "",
        "tier": "3", "priority": "high", "description": "Schemafel till förvaltningen", "active": "y"})
    assert response.status_code == 302
    assert "Schemafel till förvaltningen" in client.get("/admin/routning").get_data(as_text=True)
    ticket = new_ticket(org.guardian_a, system="schedule")
    assert (ticket.tier, ticket.priority) == (3, "high")


def test_rule_with_unknown_school_keeps_the_input_and_explains(app, org):
    client = signed_in(app, org.admin)
    response = client.post("/admin/routning", data={**EMPTY_RULE, "position": "5", "school": "finnsinte",
                                                    "tier": "1", "description": "Min regel"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "finnsinte" in page and "Min regel" in page
    assert db.session.scalars(select(RoutingRule)).all() == []


EMPTY_RULE = {"user_group": "", "system": "", "school": "", "channel": "", "priority": "", "description": ""}


def test_admin_edits_and_deletes_a_rule(app, org):
    client = signed_in(app, org.admin)
    client.post("/admin/routning", data={**EMPTY_RULE, "position": "10", "tier": "2", "active": "y"})
    rule = db.session.scalars(select(RoutingRule)).one()
    assert client.get(f"/admin/routning/{rule.id}").status_code == 200
    client.post(f"/admin/routning/{rule.id}", data={**EMPTY_RULE, "position": "20", "tier": "3"})
    db.session.expire_all()
    assert (rule.position, rule.tier, rule.active) == (20, 3, False)
    client.post(f"/admin/routning/{rule.id}/ta-bort")
    assert db.session.scalars(select(RoutingRule)).all() == []


def test_non_admins_cannot_reach_the_ticket_settings(app, org):
    for user in (org.agent, org.superuser, org.guardian_a):
        client = signed_in(app, user)
        for path in ("/admin/routning", "/admin/arenden/sla", "/admin/arenden/arbetstid",
                     "/admin/arenden/atkomstlogg"):
            assert client.get(path).status_code == 403, (user.email, path)


def test_admin_sets_sla_targets_in_business_hours(app, org):
    client = signed_in(app, org.admin)
    assert 'value="0.50"' in client.get("/admin/arenden/sla").get_data(as_text=True)  # urgent: 30 minutes
    data = {f"{p}_first": "2" for p in ("low", "normal", "high", "urgent")}
    data.update({f"{p}_resolution": "8" for p in ("low", "normal", "high", "urgent")})
    data["urgent_first"] = "0.25"
    assert client.post("/admin/arenden/sla", data=data).status_code == 302
    assert sla.targets()["urgent"] == (15, 480)
    data["low_resolution"] = "1"
    response = client.post("/admin/arenden/sla", data=data)
    assert response.status_code == 400 and "kortare" in response.get_data(as_text=True)


def test_admin_changes_business_hours(app, org):
    client = signed_in(app, org.admin)
    response = client.post("/admin/arenden/arbetstid", data={
        "start": "07:00", "end": "16:00", "weekdays": ["0", "1", "2", "3"], "closed_dates": "2026-12-23"})
    assert response.status_code == 302
    calendar = sla.business_calendar()
    assert calendar.start.hour == 7 and 4 not in calendar.weekdays and not calendar.public_holidays
    bad = client.post("/admin/arenden/arbetstid", data={"start": "17:00", "end": "08:00", "weekdays": ["0"],
                                                        "closed_dates": "i morgon"})
    assert bad.status_code == 400 and "i morgon" in bad.get_data(as_text=True)


def test_agent_manages_canned_responses_and_bad_placeholders_are_explained(app, org):
    client = signed_in(app, org.agent)
    response = client.post("/admin/arenden/svarsmallar", data={
        "title": "Hälsning", "system": "", "body": "Hej {{ requester.first_name }}! Ärende #{{ ticket.number }}.",
        "active": "y"})
    assert response.status_code == 302
    saved = db.session.scalars(select(CannedResponse)).one()
    bad = client.post(f"/admin/arenden/svarsmallar/{saved.id}", data={
        "title": "Hälsning", "system": "", "body": "Hej {{ requester.password_hash }}", "active": "y"})
    assert bad.status_code == 400
    assert "Platshållaren {{ requester.password_hash }} finns inte." in html.unescape(bad.get_data(as_text=True))
    typo = client.post(f"/admin/arenden/svarsmallar/{saved.id}", data={
        "title": "Hälsning", "system": "", "body": "Ärende #{{ ticket.numer }}", "active": "y"}).get_data(as_text=True)
    assert "Platshållaren {{ ticket.numer }} finns inte." in html.unescape(typo)  # named as the editor wrote it
    assert "dict object" not in typo and "has no attribute" not in typo  # not Jinja's own words
    assert signed_in(app, org.guardian_a).get("/admin/arenden/svarsmallar").status_code == 403


def test_canned_response_renders_placeholders_in_a_sandbox(app, org, new_ticket):
    ticket = new_ticket(org.guardian_a)
    response = canned.create(title="T", body="Hej {{ requester.first_name }}, #{{ ticket.number }} "
                                             "från {{ agent.first_name }}")
    assert canned.render(response, ticket, org.agent) == f"Hej Maria, #{ticket.number} från Sofia"
    for evil in ("{{ ''.__class__.__mro__ }}", "{{ ticket.requester }}", "{% for x in range(10**9) %}{% endfor %}"):
        try:
            canned.validate("T", evil, None)
        except canned.CannedResponseError:
            continue
        raise AssertionError(evil)


def test_access_log_page_lists_admin_reads(app, org, new_ticket):
    from support.tickets import service

    ticket = new_ticket(org.teacher)
    service.get_ticket_for(org.admin, ticket.number)
    db.session.commit()
    page = signed_in(app, org.admin).get("/admin/arenden/atkomstlogg").get_data(as_text=True)
    assert f"#{ticket.number}" in page and "Johan Adler" in page


def test_a_rule_takes_its_school_picked_by_name_from_the_list(app, org):
    client = signed_in(app, org.admin)
    page = client.get("/admin/routning").get_data(as_text=True)
    assert 'list="school-list"' in page and '<option value="Hässelbyskolan">' in page
    response = client.post("/admin/routning", data={**EMPTY_RULE, "position": "5", "school": "Hässelbyskolan",
                                                    "tier": "1", "active": "y"})
    assert response.status_code == 302
    rule = db.session.scalar(select(RoutingRule))
    assert rule.school_id == org.hasselby.id
    assert 'value="Hässelbyskolan"' in client.get(f"/admin/routning/{rule.id}").get_data(as_text=True)


def test_a_school_whose_name_starts_with_a_swedish_letter_is_found_as_the_list_spells_it(app, org, factory):
    school = factory.school("Ängsbackens förskola", slug="angsbackens-forskola")
    response = signed_in(app, org.admin).post("/admin/routning", data={
        **EMPTY_RULE, "position": "5", "school": "Ängsbackens förskola", "tier": "1", "active": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.scalar(select(RoutingRule)).school_id == school.id


def test_the_routing_page_reads_in_english(app, org):
    client = signed_in(app, org.admin)
    client.post("/admin/routning", data={**EMPTY_RULE, "position": "5", "system": "schedule", "channel": "web",
                                         "tier": "1", "active": "y"})
    client.post("/sprak", data={"language": "en", "next": "/"})
    page = client.get("/admin/routning").get_data(as_text=True)
    assert "Tier 1" in page and "Web" in page
    for swedish in ("Nivå 1", "Nivå 2", "Nivå 3", "Webb", "Alla system", "Schema"):
        assert swedish not in page, swedish
